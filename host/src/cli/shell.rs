//! `azspeech completions SHELL` and `azspeech man`: shell completions (clap_complete) and man
//! pages (clap_mangen), generated from the same command definition as the parser.

use std::path::PathBuf;

use clap::{Args, CommandFactory, ValueEnum};

use super::Cli;
use azspeech_host::exit_code::ExitCode;

/// The shells completions are generated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ShellFlag {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
    /// PowerShell.
    Powershell,
}

/// Arguments of `azspeech completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: ShellFlag,
}

/// Arguments of `azspeech man`.
#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// Write one page per command (azspeech.1, azspeech-stt.1, ...) into this directory instead
    /// of printing the main page.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Print the completion script for a shell.
pub(super) fn completions(args: &CompletionsArgs) -> ExitCode {
    let shell = match args.shell {
        ShellFlag::Bash => clap_complete::Shell::Bash,
        ShellFlag::Zsh => clap_complete::Shell::Zsh,
        ShellFlag::Fish => clap_complete::Shell::Fish,
        ShellFlag::Powershell => clap_complete::Shell::PowerShell,
    };
    clap_complete::generate(shell, &mut Cli::command(), "azspeech", &mut std::io::stdout());
    ExitCode::Ok
}

/// Print the man page, or write every page to `--dir`.
pub(super) fn man(args: &ManArgs) -> ExitCode {
    let command = Cli::command();
    let written = match &args.dir {
        Some(dir) => std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(command, dir)),
        None => clap_mangen::Man::new(command).render(&mut std::io::stdout()),
    };
    match written {
        Ok(()) => ExitCode::Ok,
        Err(error) => {
            eprintln!("azspeech man: {error}");
            ExitCode::Input
        }
    }
}
