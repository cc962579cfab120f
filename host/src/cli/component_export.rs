//! `azspeech component`: write the embedded core component and its WIT to files.

use std::path::PathBuf;

use clap::Args;

use azspeech_host::exit_code::ExitCode;

/// Arguments of `azspeech component`.
#[derive(Debug, Args)]
pub(crate) struct ComponentArgs {
    /// Where to write the component (.wasm).
    #[arg(long, default_value = "azspeech-core.wasm")]
    pub wasm: PathBuf,
    /// Also write the WIT contract to this file.
    #[arg(long)]
    pub wit: Option<PathBuf>,
}

/// Run `azspeech component`.
pub(super) fn run(args: &ComponentArgs) -> ExitCode {
    let mut outputs = vec![(&args.wasm, azspeech_host::CORE_COMPONENT)];
    if let Some(wit) = &args.wit {
        outputs.push((wit, azspeech_host::CORE_WIT.as_bytes()));
    }
    for (path, bytes) in outputs {
        if let Err(error) = std::fs::write(path, bytes) {
            eprintln!("azspeech component: cannot write {}: {error}", path.display());
            return ExitCode::Input;
        }
        println!("wrote {} ({} bytes)", path.display(), bytes.len());
    }
    ExitCode::Ok
}
