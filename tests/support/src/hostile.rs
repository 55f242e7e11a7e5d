//! A provider that misbehaves on purpose: a loopback HTTP server whose answers
//! follow a script (one mode per request, the last repeating), recording what
//! arrived and when. It runs on its own thread and runtime, so it keeps answering
//! while a test blocks on a child process. `https_url()` gives a TLS handshake
//! failure: the server only speaks plain HTTP. A `HEAD` (the cold start opening
//! its connection) gets an empty `200` and is kept apart from the script and
//! from `received()`, which are the provider's API calls.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How the server answers one request.
#[derive(Debug, Clone)]
pub enum Mode {
    /// A complete answer.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Never answer (keep the connection open).
    Hang,
    /// Headers and half of the promised body, then silence.
    StallBody,
    /// `200`, a `Content-Length` of 500, 20 bytes, then close.
    TruncatedOk,
    /// Half a status line, then close.
    CloseMidResponse,
    /// A redirect to `location`.
    Redirect { status: u16, location: String },
    /// `status` with the request body echoed back.
    Echo { status: u16 },
    /// `status` with a JSON body shaped like a provider's error quoting the
    /// request, as APIs that quote the offending request back do: in `shape`,
    /// every string `"$BODY"` is replaced by the request body, `"$HEADERS"` by
    /// the request line and headers (credentials included), `"$ECHO"` by both.
    EchoInto {
        status: u16,
        headers: Vec<(String, String)>,
        shape: serde_json::Value,
    },
    /// `status` with a body of `bytes` bytes.
    Huge { status: u16, bytes: usize },
    /// Exactly these bytes, then close (a hand-made, possibly broken answer).
    Raw(Vec<u8>),
}

impl Mode {
    /// A JSON answer.
    pub fn json(status: u16, body: serde_json::Value) -> Mode {
        Mode::Respond {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// A provider-shaped JSON error quoting the request (see [`Mode::EchoInto`]).
    pub fn echo_into(status: u16, shape: serde_json::Value) -> Mode {
        Mode::EchoInto {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            shape,
        }
    }

    /// An answer with headers and a text body.
    pub fn with_headers(status: u16, headers: &[(&str, &str)], body: &str) -> Mode {
        Mode::Respond {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }
}

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    /// When it arrived (wall clock, comparable across processes).
    pub at: SystemTime,
    /// `POST`, …
    pub method: String,
    /// The path with its query.
    pub path: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body as sent.
    pub body: Vec<u8>,
}

impl Received {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    heads: Vec<Received>,
    connections: usize,
    bytes_written: usize,
    answers_ended: usize,
}

/// A running hostile server.
pub struct Hostile {
    port: u16,
    state: Arc<Mutex<State>>,
}

impl Hostile {
    /// Starts a server that answers request N with `script[N]` (the last repeats).
    pub fn start(script: Vec<Mode>) -> Hostile {
        assert!(!script.is_empty(), "a script needs at least one mode");
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let script = Arc::new(script);
        let port = crate::loopback::serve(move |stream| {
            shared.lock().unwrap().connections += 1;
            serve(stream, Arc::clone(&script), Arc::clone(&shared))
        });
        Hostile { port, state }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `https://127.0.0.1:PORT`: a TLS handshake that cannot succeed.
    pub fn https_url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// Every `HEAD` so far (answered `200`, outside the script).
    pub fn heads(&self) -> Vec<Received> {
        self.state.lock().unwrap().heads.clone()
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }

    /// Response bytes the server managed to write.
    pub fn bytes_written(&self) -> usize {
        self.state.lock().unwrap().bytes_written
    }

    /// Waits until `count` answers have ended — written whole, or cut off by
    /// the client closing its connection — so that [`Hostile::bytes_written`]
    /// counts them; panics after `within`.
    pub async fn wait_for_answers(&self, count: usize, within: std::time::Duration) {
        let give_up = std::time::Instant::now() + within;
        while self.state.lock().unwrap().answers_ended < count {
            assert!(
                std::time::Instant::now() < give_up,
                "{count} answer(s) still being written after {within:?}: the client neither read them nor closed its connection"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

/// Serves requests on one connection (keep-alive) until the client closes it.
async fn serve(mut stream: TcpStream, script: Arc<Vec<Mode>>, state: Arc<Mutex<State>>) {
    while let Some(request) = read_request(&mut stream).await {
        if request.method == "HEAD" {
            state.lock().unwrap().heads.push(request);
            let empty = Mode::with_headers(200, &[], "");
            if !answer(&mut stream, &empty, &Echo::default()).await.1 {
                return;
            }
            continue;
        }
        let echo = echo_of(&request);
        let mode = {
            let mut state = state.lock().unwrap();
            let index = state.received.len().min(script.len() - 1);
            state.received.push(request);
            script[index].clone()
        };
        let (written, keep_alive) = answer(&mut stream, &mode, &echo).await;
        {
            let mut state = state.lock().unwrap();
            state.bytes_written += written;
            state.answers_ended += 1;
        }
        if !keep_alive {
            return;
        }
    }
}

/// Writes the answer: the bytes that got out, and whether the connection goes on.
async fn answer(stream: &mut TcpStream, mode: &Mode, echo: &Echo) -> (usize, bool) {
    let head = |status: u16, headers: &[(String, String)], length: usize| {
        let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {length}\r\n\r\n"));
        head.into_bytes()
    };
    let complete = |status: u16, headers: &[(String, String)], body: &[u8]| {
        let mut out = head(status, headers, body.len());
        out.extend_from_slice(body);
        out
    };
    let (bytes, keep_alive) = match mode {
        Mode::Respond {
            status,
            headers,
            body,
        } => (complete(*status, headers, body), true),
        Mode::Echo { status } => (complete(*status, &[], &echo.body), true),
        Mode::EchoInto {
            status,
            headers,
            shape,
        } => {
            let body = fill(shape, echo).to_string();
            (complete(*status, headers, body.as_bytes()), true)
        }
        Mode::Redirect { status, location } => (
            complete(*status, &[("Location".into(), location.clone())], b""),
            true,
        ),
        Mode::TruncatedOk => {
            let json = [("Content-Type".to_string(), "application/json".to_string())];
            let mut out = head(200, &json, 500);
            out.extend_from_slice(b"{\"id\":\"<truncated");
            (out, false)
        }
        Mode::CloseMidResponse => (b"HTTP/1.1 2".to_vec(), false),
        Mode::Raw(bytes) => (bytes.clone(), false),
        Mode::StallBody => {
            let mut out = head(200, &[], 100);
            out.extend_from_slice(&[b'x'; 50]);
            let written = stream.write_all(&out).await.map_or(0, |_| out.len());
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return (written, false);
        }
        Mode::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return (0, false);
        }
        Mode::Huge { status, bytes } => return write_huge(stream, *status, *bytes).await,
    };
    match stream.write_all(&bytes).await {
        Ok(()) => (bytes.len(), keep_alive),
        Err(_) => (0, false),
    }
}

/// What an echoing answer quotes of the request.
#[derive(Default)]
struct Echo {
    body: Vec<u8>,
    /// Request line and headers.
    head: String,
}

fn echo_of(request: &Received) -> Echo {
    let mut head = format!("{} {}\n", request.method, request.path);
    for (name, value) in &request.headers {
        head.push_str(&format!("{name}: {value}\n"));
    }
    Echo {
        body: request.body.clone(),
        head,
    }
}

/// `shape` with the request quoted where it says (see [`Mode::EchoInto`]).
fn fill(shape: &serde_json::Value, echo: &Echo) -> serde_json::Value {
    use serde_json::Value;
    let body = || String::from_utf8_lossy(&echo.body).into_owned();
    match shape {
        Value::String(s) if s == "$BODY" => Value::String(body()),
        Value::String(s) if s == "$HEADERS" => Value::String(echo.head.clone()),
        Value::String(s) if s == "$ECHO" => Value::String(format!("{}\n{}", echo.head, body())),
        Value::Array(items) => Value::Array(items.iter().map(|v| fill(v, echo)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), fill(v, echo)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A `status` answer with a `bytes`-byte body, written until the client stops reading.
async fn write_huge(stream: &mut TcpStream, status: u16, bytes: usize) -> (usize, bool) {
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Length: {bytes}\r\n\r\n",
        reason(status)
    );
    if stream.write_all(head.as_bytes()).await.is_err() {
        return (0, false);
    }
    let block = vec![b'x'; 64 * 1024];
    let mut written = 0;
    while written < bytes {
        let n = (bytes - written).min(block.len());
        if stream.write_all(&block[..n]).await.is_err() {
            return (written, false);
        }
        written += n;
    }
    (written, true)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Reads one request (Content-Length or chunked body); `None` at end of stream.
pub(crate) async fn read_request(stream: &mut TcpStream) -> Option<Received> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        // A TLS ClientHello (record type 0x16) to this plain-HTTP server: close,
        // as a web server does, so the client's handshake fails at once.
        if buffer.first() == Some(&0x16) {
            return None;
        }
        if let Some(at) = find(&buffer, b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let path = request_line.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut rest = buffer[head_end + 4..].to_vec();
    let value = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let body = if let Some(length) = value("content-length").and_then(|v| v.parse::<usize>().ok()) {
        while rest.len() < length {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            rest.extend_from_slice(&chunk[..n]);
        }
        rest.truncate(length);
        rest
    } else if value("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        loop {
            if let Some(body) = dechunk(&rest) {
                break body;
            }
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            rest.extend_from_slice(&chunk[..n]);
        }
    } else {
        Vec::new()
    };
    Some(Received {
        at: SystemTime::now(),
        method,
        path,
        headers,
        body,
    })
}

/// The body of a complete chunked encoding, or `None` while it is incomplete.
fn dechunk(data: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let line_end = at + find(&data[at..], b"\r\n")?;
        let size_text = String::from_utf8_lossy(&data[at..line_end]).into_owned();
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        let start = line_end + 2;
        if size == 0 {
            return Some(body);
        }
        if data.len() < start + size + 2 {
            return None;
        }
        body.extend_from_slice(&data[start..start + size]);
        at = start + size + 2;
    }
}

pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
