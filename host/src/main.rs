//! The `azspeech` command-line tool. See `azspeech --help`.

fn main() -> std::process::ExitCode {
    azspeech_host::cli::main().into()
}
