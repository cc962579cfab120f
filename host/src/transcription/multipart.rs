//! The `multipart/form-data` body of a fast transcription request, streamed from disk: the
//! `definition` part, then the `audio` part read in [`CHUNK_BYTES`] pieces as the connection
//! takes them, so a file of any size costs one chunk of memory.

use std::path::Path;

use futures_util::StreamExt;
use tokio::io::AsyncReadExt;

/// Bytes read from the file at a time.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// A body ready to send: its headers and the stream.
#[derive(Debug)]
pub struct MultipartBody {
    /// `multipart/form-data; boundary=...`.
    pub content_type: String,
    /// The exact length of the body.
    pub content_length: u64,
    /// The stream.
    pub body: reqwest::Body,
}

/// A file name safe inside a quoted `filename=` parameter.
fn part_file_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cleaned: String = name
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\\'))
        .collect();
    if cleaned.is_empty() {
        "audio".to_owned()
    } else {
        cleaned
    }
}

/// Open `path` and build the body around it; `boundary` must not occur in `definition` (a fresh
/// UUID never does).
pub async fn body(path: &Path, definition: &str, boundary: &str) -> std::io::Result<MultipartBody> {
    let (content_length, stream) = parts(path, definition, boundary).await?;
    Ok(MultipartBody {
        content_type: format!("multipart/form-data; boundary={boundary}"),
        content_length,
        body: reqwest::Body::wrap_stream(stream),
    })
}

type Chunks = std::pin::Pin<Box<dyn futures_util::Stream<Item = std::io::Result<Vec<u8>>> + Send>>;

async fn parts(path: &Path, definition: &str, boundary: &str) -> std::io::Result<(u64, Chunks)> {
    let file = tokio::fs::File::open(path).await?;
    let file_len = file.metadata().await?.len();
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"definition\"\r\nContent-Type: application/json\r\n\r\n{definition}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
        part_file_name(path)
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let content_length = head.len() as u64 + file_len + tail.len() as u64;
    let chunks = futures_util::stream::unfold((file, file_len), |(mut file, remaining)| async move {
        if remaining == 0 {
            return None;
        }
        let want = usize::try_from(remaining).unwrap_or(CHUNK_BYTES).min(CHUNK_BYTES);
        let mut chunk = vec![0u8; want];
        match file.read(&mut chunk).await {
            Ok(0) => Some((
                Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the file got shorter while it was being uploaded",
                )),
                (file, 0),
            )),
            Ok(read) => {
                chunk.truncate(read);
                Some((Ok(chunk), (file, remaining - read as u64)))
            }
            Err(error) => Some((Err(error), (file, 0))),
        }
    });
    let stream = futures_util::stream::once(async move { Ok::<Vec<u8>, std::io::Error>(head.into_bytes()) })
        .chain(chunks)
        .chain(futures_util::stream::once(async move { Ok(tail.into_bytes()) }));
    Ok((content_length, Box::pin(stream)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_body_is_the_parts_around_the_file_and_has_the_announced_length() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a\"b.wav");
        let audio: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &audio).expect("write");
        let (length, mut stream) = parts(&path, r#"{"locales":["en-US"]}"#, "BOUNDARY")
            .await
            .expect("body");
        let mut bytes = Vec::new();
        let mut largest = 0;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.expect("chunk");
            largest = largest.max(chunk.len());
            bytes.extend_from_slice(&chunk);
        }
        assert_eq!(bytes.len() as u64, length);
        assert!(largest <= CHUNK_BYTES, "read in chunks, never the whole file");
        let text_head = String::from_utf8_lossy(&bytes[..200]).into_owned();
        assert!(text_head.starts_with("--BOUNDARY\r\nContent-Disposition: form-data; name=\"definition\""));
        assert!(text_head.contains("filename=\"ab.wav\""), "{text_head}");
        let start = bytes.windows(4).position(|w| w == b"\r\n\r\n").expect("first part");
        let audio_start = start
            + 4
            + bytes[start + 4..]
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .expect("second")
            + 4;
        assert_eq!(&bytes[audio_start..audio_start + audio.len()], &audio[..]);
        assert_eq!(&bytes[audio_start + audio.len()..], b"\r\n--BOUNDARY--\r\n");
    }
}
