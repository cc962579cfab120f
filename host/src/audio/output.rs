//! Audio output for text-to-speech, written as it arrives.
//!
//! A file is written under a temporary name beside the destination and renamed into place only
//! when synthesis completed, so an interrupted run never leaves a corrupt file at the
//! destination (the partial file is removed when the writer is dropped unfinished). A WAV
//! header is written first with a placeholder length, so the first audio bytes reach the disk
//! before synthesis ends, and fixed on completion. On stdout (`-`) bytes are flushed as they
//! arrive; a WAV header there carries the "unknown length" value, as streaming tools expect.
//! The same goes for a destination that exists and is not a regular file (`/dev/null`, a FIFO, a
//! terminal): it is written in place, because renaming over it would replace the device node
//! with a regular file. A symbolic link is followed, so the link stays and its target is replaced.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Why audio could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write audio to {path}: {error}")]
pub struct AudioOutputError {
    /// The destination.
    pub path: String,
    /// The I/O error.
    pub error: std::io::Error,
}

enum Destination {
    File {
        file: File,
        partial: PathBuf,
        target: PathBuf,
    },
    /// Stdout, or a device or FIFO: written in place and flushed as audio arrives.
    Stream(Box<dyn Write>),
}

/// A streaming audio writer.
pub struct AudioWriter {
    destination: Option<Destination>,
    header_len: usize,
    data_len: u64,
    label: String,
}

impl std::fmt::Debug for AudioWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioWriter")
            .field("to", &self.label)
            .field("bytes", &self.data_len)
            .finish_non_exhaustive()
    }
}

impl AudioWriter {
    /// Start writing to `path` (`-` for stdout). `header` (e.g. a RIFF header with a placeholder
    /// length) is written before the audio; [`AudioWriter::finish`] overwrites it with the final one.
    pub fn create(path: &Path, header: Option<&[u8]>) -> Result<Self, AudioOutputError> {
        let label = path.display().to_string();
        let fail = |error| AudioOutputError {
            path: label.clone(),
            error,
        };
        let destination = if path == Path::new("-") {
            Destination::Stream(Box::new(std::io::stdout()))
        } else {
            // Follow a symbolic link, so the link survives the rename.
            let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            match std::fs::metadata(&target) {
                Ok(metadata) if !metadata.is_file() => {
                    let file = OpenOptions::new().write(true).open(&target).map_err(fail)?;
                    Destination::Stream(Box::new(file))
                }
                _ => {
                    let name = target
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "audio".into());
                    let partial = target.with_file_name(format!(".{name}.partial-{}", std::process::id()));
                    let file = OpenOptions::new()
                        .write(true)
                        .create(true)
                        .truncate(true)
                        .open(&partial)
                        .map_err(fail)?;
                    Destination::File { file, partial, target }
                }
            }
        };
        let mut writer = Self {
            destination: Some(destination),
            header_len: 0,
            data_len: 0,
            label,
        };
        if let Some(header) = header {
            writer.raw_write(header)?;
            writer.header_len = header.len();
        }
        Ok(writer)
    }

    /// Append audio bytes and flush them to the file or pipe.
    pub fn write(&mut self, audio: &[u8]) -> Result<(), AudioOutputError> {
        self.raw_write(audio)?;
        self.data_len += audio.len() as u64;
        Ok(())
    }

    /// Audio bytes written so far (the header not counted).
    pub fn audio_len(&self) -> u64 {
        self.data_len
    }

    /// Where the audio goes, as given.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Cut the audio back to its first `audio_len` bytes, so the next write continues from
    /// there. `Ok(false)`: the destination is a stream (stdout, a FIFO) that cannot be rewound.
    pub fn truncate_audio(&mut self, audio_len: u64) -> Result<bool, AudioOutputError> {
        if audio_len >= self.data_len {
            return Ok(true);
        }
        let Some(Destination::File { file, .. }) = self.destination.as_mut() else {
            return Ok(false);
        };
        let end = self.header_len as u64 + audio_len;
        let result = file
            .set_len(end)
            .and_then(|()| file.seek(SeekFrom::Start(end)).map(|_| ()));
        result.map_err(|error| AudioOutputError {
            path: self.label.clone(),
            error,
        })?;
        self.data_len = audio_len;
        Ok(true)
    }

    fn raw_write(&mut self, bytes: &[u8]) -> Result<(), AudioOutputError> {
        let result = match self.destination.as_mut() {
            Some(Destination::File { file, .. }) => file.write_all(bytes),
            Some(Destination::Stream(out)) => out.write_all(bytes).and_then(|()| out.flush()),
            None => Ok(()),
        };
        result.map_err(|error| AudioOutputError {
            path: self.label.clone(),
            error,
        })
    }

    /// Complete the file: write `final_header` (same length as the first one) over the
    /// placeholder, sync, and move the file into place. Returns the number of audio bytes.
    pub fn finish(mut self, final_header: Option<&[u8]>) -> Result<u64, AudioOutputError> {
        let label = self.label.clone();
        let fail = |error| AudioOutputError {
            path: label.clone(),
            error,
        };
        match self.destination.take() {
            Some(Destination::File {
                mut file,
                partial,
                target,
            }) => {
                if let Some(header) = final_header {
                    if header.len() != self.header_len {
                        let message = format!(
                            "the final header has {} bytes, the first {}",
                            header.len(),
                            self.header_len
                        );
                        return Err(fail(std::io::Error::new(std::io::ErrorKind::InvalidInput, message)));
                    }
                    file.seek(SeekFrom::Start(0)).map_err(fail)?;
                    file.write_all(header).map_err(fail)?;
                }
                file.sync_all().map_err(fail)?;
                drop(file);
                std::fs::rename(&partial, &target).map_err(fail)?;
            }
            Some(Destination::Stream(mut out)) => out.flush().map_err(fail)?,
            None => {}
        }
        Ok(self.data_len)
    }
}

impl Drop for AudioWriter {
    fn drop(&mut self) {
        // Unfinished: remove the partial file so no truncated audio is left behind.
        if let Some(Destination::File { partial, .. }) = self.destination.take() {
            let _ = std::fs::remove_file(partial);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_header(len: Option<u32>) -> Vec<u8> {
        format!("HDR{:010}", len.unwrap_or(u32::MAX)).into_bytes()
    }

    #[test]
    fn a_finished_file_has_its_header_fixed_and_appears_only_at_the_end() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("out.wav");
        let mut writer = AudioWriter::create(&target, Some(&fake_header(None))).expect("create");
        writer.write(b"abc").expect("write");
        assert!(!target.exists(), "nothing at the destination before completion");
        let partials: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
        assert_eq!(partials.len(), 1, "the audio so far is on disk under a temporary name");
        writer.write(b"defg").expect("write");
        assert_eq!(writer.finish(Some(&fake_header(Some(7)))).expect("finish"), 7);
        assert_eq!(std::fs::read(&target).expect("read"), b"HDR0000000007abcdefg");
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn truncating_rewinds_a_file_but_not_a_stream() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.wav");
        let mut writer = AudioWriter::create(&path, Some(&fake_header(None))).expect("create");
        writer.write(b"first sentence;").expect("write");
        writer.write(b"torn half").expect("write");
        assert!(writer.truncate_audio(15).expect("truncate"));
        writer.write(b"second sentence.").expect("write");
        assert_eq!(writer.finish(None).expect("finish"), 31);
        let bytes = std::fs::read(&path).expect("read");
        assert_eq!(&bytes[fake_header(None).len()..], b"first sentence;second sentence.");
    }

    #[test]
    fn a_fifo_is_written_in_place_and_a_symlink_is_followed() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().expect("tempdir");
        // A FIFO stands for /dev/null and other device nodes: renaming over one would replace it.
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).expect("read the fifo"))
        };
        let mut writer = AudioWriter::create(&fifo, Some(&fake_header(None))).expect("create");
        writer.write(b"abc").expect("write");
        assert_eq!(writer.finish(Some(&fake_header(Some(3)))).expect("finish"), 3);
        // Checked before joining: had the FIFO been replaced, the reader would wait forever.
        let kind = std::fs::symlink_metadata(&fifo).expect("still there").file_type();
        assert!(kind.is_fifo(), "the FIFO is still a FIFO, not a regular file");
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("dir").count(),
            1,
            "no partial file"
        );
        assert_eq!(
            reader.join().expect("reader"),
            b"HDR4294967295abc",
            "streamed, header not rewritten"
        );

        let real = dir.path().join("real.wav");
        let link = dir.path().join("link.wav");
        std::fs::write(&real, b"old").expect("seed");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        let writer = AudioWriter::create(&link, Some(&fake_header(Some(0)))).expect("create");
        writer.finish(None).expect("finish");
        assert!(std::fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
        assert_eq!(std::fs::read(&real).expect("read"), b"HDR0000000000");
    }

    #[test]
    fn an_interrupted_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("out.wav");
        std::fs::write(&target, b"previous good file").expect("seed");
        {
            let mut writer = AudioWriter::create(&target, Some(&fake_header(None))).expect("create");
            writer.write(b"partial audio").expect("write");
        }
        assert_eq!(std::fs::read(&target).expect("read"), b"previous good file");
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("dir").count(),
            1,
            "partial file removed"
        );
    }
}
