//! Many inputs in one run: file lists (arguments, wildcards the shell left alone, `--files-from`),
//! `-j N` jobs at a time, per-file progress and a total on a terminal, and a summary of every
//! failure at the end. Every subcommand that processes several inputs (`stt FILE...`,
//! `tts --foreach`) runs them through [`run`].
//!
//! Exit code of a run with failures: the code the first failing input (in input order) would have
//! exited with on its own, e.g. 6 for an unusable file, 4 for a network failure.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::context::SetupFailure;
use azspeech_host::exit_code::ExitCode;

/// The inputs named by `files` (wildcards expanded when the shell did not) and by the list file
/// `files_from` (one path per line, `-` for standard input; blank lines and `#` comments skipped).
/// A wildcard that matches nothing is an error, never a silent skip.
pub(crate) fn inputs(files: &[PathBuf], files_from: Option<&Path>) -> Result<Vec<PathBuf>, SetupFailure> {
    let mut inputs = Vec::new();
    for file in files {
        inputs.extend(expand(file)?);
    }
    if let Some(list) = files_from {
        let reader: Box<dyn BufRead> = if list == Path::new("-") {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::io::BufReader::new(std::fs::File::open(list).map_err(|error| {
                input_failure(format!("cannot read the list {}: {error}", list.display()))
            })?))
        };
        for line in reader.lines() {
            let line =
                line.map_err(|error| input_failure(format!("cannot read the list {}: {error}", list.display())))?;
            let line = line.trim();
            if !line.is_empty() && !line.starts_with('#') {
                inputs.push(PathBuf::from(line));
            }
        }
    }
    Ok(inputs)
}

fn input_failure(message: String) -> SetupFailure {
    SetupFailure {
        message: format!("azspeech: {message}"),
        code: ExitCode::Input,
    }
}

/// A path, or the files its wildcards (`*`, `?`, `[...]`) match in name order when no file has
/// that literal name.
fn expand(path: &Path) -> Result<Vec<PathBuf>, SetupFailure> {
    let text = path.to_string_lossy();
    if path.exists() || !text.contains(['*', '?', '[']) {
        return Ok(vec![path.to_path_buf()]);
    }
    let pattern = glob::glob(&text).map_err(|error| SetupFailure {
        message: format!("azspeech: {text}: not a valid wildcard pattern: {error}"),
        code: ExitCode::Configuration,
    })?;
    let mut matched: Vec<PathBuf> = pattern.filter_map(Result::ok).filter(|p| p.is_file()).collect();
    matched.sort();
    if matched.is_empty() {
        return Err(input_failure(format!(
            "{text} matches no file.\n  fix: check the pattern and the current directory"
        )));
    }
    Ok(matched)
}

/// What one input's job reports: a line for the progress log on success.
pub(crate) type JobResult = Result<String, SetupFailure>;

/// Run `job` on every input, `jobs` at a time, with progress on a terminal; print a summary of
/// the failures. Returns the run's exit code (see the module documentation).
pub(crate) fn run<T: Sync>(
    command: &str,
    inputs: &[T],
    name: impl Fn(&T) -> String + Sync,
    jobs: usize,
    job: impl Fn(&T) -> JobResult + Sync,
) -> ExitCode {
    let progress = Progress::new(inputs.len());
    let next = AtomicUsize::new(0);
    let failures: Mutex<Vec<(usize, SetupFailure)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, inputs.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(index) else { break };
                    let label = name(input);
                    let spinner = progress.start(&label);
                    let result = job(input);
                    progress.finish(spinner);
                    match result {
                        Ok(line) => progress.log(&format!("{label}: {line}")),
                        Err(failure) => {
                            progress.log(&format!("{label}: failed"));
                            failures
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push((index, failure));
                        }
                    }
                }
            });
        }
    });
    progress.clear();
    let mut failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    failures.sort_by_key(|(index, _)| *index);
    if failures.is_empty() {
        return ExitCode::Ok;
    }
    eprintln!("{command}: {} of {} input(s) failed:", failures.len(), inputs.len());
    for (index, failure) in &failures {
        let message = failure.message.replace('\n', "\n    ");
        eprintln!("  {}: {message}", name(&inputs[*index]));
    }
    failures[0].1.code
}

/// Per-input spinners and a total bar on a terminal (never in CI or when stderr is piped); plain
/// lines otherwise.
struct Progress {
    bars: Option<(indicatif::MultiProgress, indicatif::ProgressBar)>,
}

impl Progress {
    fn new(total: usize) -> Self {
        let on_terminal = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let bars = on_terminal.then(|| {
            let multi = indicatif::MultiProgress::new();
            let total_bar = multi.add(indicatif::ProgressBar::new(total as u64));
            if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} done") {
                total_bar.set_style(style);
            }
            (multi, total_bar)
        });
        Self { bars }
    }

    fn start(&self, label: &str) -> Option<indicatif::ProgressBar> {
        let (multi, _) = self.bars.as_ref()?;
        let spinner = multi.insert(0, indicatif::ProgressBar::new_spinner());
        spinner.set_message(label.to_owned());
        spinner.enable_steady_tick(std::time::Duration::from_millis(200));
        Some(spinner)
    }

    fn finish(&self, spinner: Option<indicatif::ProgressBar>) {
        if let (Some(spinner), Some((multi, total))) = (spinner, &self.bars) {
            spinner.finish_and_clear();
            multi.remove(&spinner);
            total.inc(1);
        }
    }

    fn log(&self, line: &str) {
        match &self.bars {
            Some((multi, _)) => {
                let _ = multi.println(line);
            }
            None => eprintln!("{line}"),
        }
    }

    fn clear(&self) {
        if let Some((multi, total)) = &self.bars {
            total.finish_and_clear();
            let _ = multi.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_expand_in_name_order_and_an_empty_match_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["b.mp3", "a.mp3", "c.wav"] {
            std::fs::write(dir.path().join(name), b"x").expect("write");
        }
        let pattern = dir.path().join("*.mp3");
        let found = inputs(&[pattern], None).expect("expands");
        assert_eq!(found, vec![dir.path().join("a.mp3"), dir.path().join("b.mp3")]);
        let none = dir.path().join("*.flac");
        assert_eq!(inputs(&[none], None).map_err(|f| f.code).err(), Some(ExitCode::Input));
        // A name without wildcards is kept even if it does not exist (its job reports it).
        let missing = dir.path().join("missing.wav");
        assert_eq!(
            inputs(std::slice::from_ref(&missing), None).expect("kept"),
            vec![missing]
        );
    }

    #[test]
    fn a_list_file_names_one_input_per_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let list = dir.path().join("list.txt");
        std::fs::write(&list, "one.wav\n\n# a comment\n  two.mp3  \n").expect("write");
        let found = inputs(&[PathBuf::from("zero.wav")], Some(&list)).expect("reads");
        assert_eq!(found, ["zero.wav", "one.wav", "two.mp3"].map(PathBuf::from).to_vec());
    }

    #[test]
    fn failures_are_summarized_and_set_the_exit_code() {
        let inputs = ["a", "b", "c", "d"];
        let ran = Mutex::new(Vec::new());
        let code = run(
            "test",
            &inputs,
            |s| (*s).to_owned(),
            2,
            |s| {
                ran.lock().expect("lock").push(*s);
                match *s {
                    "b" => Err(SetupFailure {
                        message: "bad".into(),
                        code: ExitCode::Input,
                    }),
                    "d" => Err(SetupFailure {
                        message: "down".into(),
                        code: ExitCode::Network,
                    }),
                    _ => Ok("ok".into()),
                }
            },
        );
        assert_eq!(code, ExitCode::Input, "the first failure's code");
        let mut ran = ran.into_inner().expect("lock");
        ran.sort_unstable();
        assert_eq!(ran, inputs, "every input ran, failures did not stop the others");
    }
}
