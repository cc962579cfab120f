//! The `azspeech` command-line tool. See `azspeech --help`.
//!
//! The CLI is one user of the `azspeech_host` library: everything it does goes through the
//! library's public API.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main().into()
}
