//! A loopback stand-in for a blob storage account: serves and stores blobs, lists a container
//! (`?restype=container&comp=list`), checks the SAS `sig` of every request outside public
//! containers, and records every request's method, path and headers so tests can prove what was
//! (not) sent to storage.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `GET`, `PUT`, `HEAD`.
    pub method: String,
    /// The path.
    pub path: String,
    /// The query, without `?`.
    pub query: String,
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, String)>,
}

#[derive(Default)]
struct State {
    blobs: HashMap<String, Vec<u8>>,
    requests: Vec<Recorded>,
}

/// The running server (it stops with the test process).
pub struct Storage {
    port: u16,
    sig: String,
    state: Arc<Mutex<State>>,
}

impl Storage {
    /// Start it; requests must carry `sig=<sig>`, except reads under `public_prefix`.
    pub fn start(sig: &str, public_prefix: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new(Mutex::new(State::default()));
        let (thread_state, thread_sig, public) = (state.clone(), sig.to_owned(), public_prefix.to_owned());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (state, sig, public) = (thread_state.clone(), thread_sig.clone(), public.clone());
                std::thread::spawn(move || serve(stream, &state, &sig, &public));
            }
        });
        Self {
            port,
            sig: sig.to_owned(),
            state,
        }
    }

    /// Store a blob at `path` (e.g. `/audio/a.wav`).
    pub fn put(&self, path: &str, bytes: Vec<u8>) {
        self.state.lock().expect("lock").blobs.insert(path.to_owned(), bytes);
    }

    /// `http://127.0.0.1:PORT{path}?sv=...&sp=...&sig=SIG` (a SAS URL).
    pub fn sas_url(&self, path: &str, permissions: &str) -> String {
        format!(
            "http://127.0.0.1:{}{path}?sv=2022-11-02&sp={permissions}&se=2099-01-01T00%3A00%3A00Z&sig={}",
            self.port, self.sig
        )
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().expect("lock").requests.clone()
    }

    /// The blob at `path`, if stored.
    pub fn blob(&self, path: &str) -> Option<Vec<u8>> {
        self.state.lock().expect("lock").blobs.get(path).cloned()
    }
}

fn respond(stream: &mut TcpStream, status: &str, content_type: &str, body: &[u8], head_only: bool) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if !head_only {
        let _ = stream.write_all(body);
    }
}

fn serve(mut stream: TcpStream, state: &Mutex<State>, sig: &str, public: &str) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or("").to_owned(),
        parts.next().unwrap_or("").to_owned(),
    );
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.trim_end().split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let (path, query) = (path.to_owned(), query.to_owned());
    let mut state = state.lock().expect("lock");
    state.requests.push(Recorded {
        method: method.clone(),
        path: path.clone(),
        query: query.clone(),
        headers,
    });
    let signed = query.split('&').any(|pair| pair == format!("sig={sig}"));
    let public_read = (method == "GET" || method == "HEAD") && path.starts_with(public);
    if !signed && !public_read {
        respond(
            &mut stream,
            "403 Forbidden",
            "application/xml",
            b"<Error><Code>AuthenticationFailed</Code></Error>",
            false,
        );
        return;
    }
    let head_only = method == "HEAD";
    match method.as_str() {
        "PUT" => {
            state.blobs.insert(path, body);
            respond(&mut stream, "201 Created", "text/plain", b"", false);
        }
        "GET" | "HEAD" if query.contains("comp=list") => {
            let prefix = format!("{}/", path.trim_end_matches('/'));
            let mut names: Vec<&str> = state.blobs.keys().filter_map(|k| k.strip_prefix(&prefix)).collect();
            names.sort_unstable();
            let blobs: String = names.iter().map(|n| format!("<Blob><Name>{n}</Name></Blob>")).collect();
            let xml = format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults ContainerName=\"{path}\"><Blobs>{blobs}</Blobs><NextMarker/></EnumerationResults>"
            );
            respond(&mut stream, "200 OK", "application/xml", xml.as_bytes(), head_only);
        }
        "GET" | "HEAD" => match state.blobs.get(&path) {
            Some(blob) => {
                let blob = blob.clone();
                respond(&mut stream, "200 OK", "application/octet-stream", &blob, head_only);
            }
            None => respond(
                &mut stream,
                "404 Not Found",
                "application/xml",
                b"<Error><Code>BlobNotFound</Code></Error>",
                head_only,
            ),
        },
        _ => respond(&mut stream, "405 Method Not Allowed", "text/plain", b"", false),
    }
}
