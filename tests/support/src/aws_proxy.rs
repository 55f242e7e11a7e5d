//! A hostile AWS: a proxy in front of moto that forwards every call and, for
//! the calls a test names (by `X-Amz-Target`, optionally by a text in the
//! body), misbehaves the way a real network does — it lets moto apply a write
//! and then answers too late or drops the connection, so the SDK retries a
//! write that already happened; or it answers with a throttling or server
//! error without forwarding; or it never answers. Every call is recorded.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::hostile::{find, read_request, Received};

/// What the proxy does with one matching call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Forward it and answer moto's answer `after` it arrived.
    LateAfterApply(Duration),
    /// Forward it, let moto apply it, then close the connection unanswered.
    DropAfterApply,
    /// Answer `status` with the awsJson error `error_type` without forwarding.
    Error(u16, &'static str),
    /// Never answer.
    Hang,
}

impl Fault {
    /// DynamoDB's throttling answer (`ThrottlingException`, HTTP 400).
    pub const THROTTLED: Fault = Fault::Error(400, "ThrottlingException");
    /// DynamoDB's provisioned-throughput answer, HTTP 400.
    pub const THROUGHPUT_EXCEEDED: Fault =
        Fault::Error(400, "ProvisionedThroughputExceededException");
    /// A 500 `InternalServerError`.
    pub const INTERNAL: Fault = Fault::Error(500, "InternalServerError");
    /// A 503 `ServiceUnavailable`.
    pub const UNAVAILABLE: Fault = Fault::Error(503, "ServiceUnavailable");
}

struct Rule {
    target: String,
    body_contains: Option<String>,
    faults: VecDeque<Fault>,
    forever: bool,
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    calls: Vec<Received>,
}

/// A running proxy in front of `upstream` (a moto server).
pub struct AwsProxy {
    port: u16,
    state: Arc<Mutex<State>>,
}

impl AwsProxy {
    /// Starts a proxy that forwards to `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str) -> AwsProxy {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let port = crate::loopback::serve(move |stream| {
            serve(stream, upstream.clone(), Arc::clone(&shared))
        });
        AwsProxy { port, state }
    }

    /// `http://127.0.0.1:PORT`, for `endpoint_url` or `AWS_ENDPOINT_URL`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The next calls of `target` (e.g. `DynamoDB_20120810.PutItem`,
    /// `TrentService.Decrypt`) meet `faults`, one each, then pass.
    pub fn fail(&self, target: &str, faults: Vec<Fault>) -> &Self {
        self.rule(target, None, faults, false)
    }

    /// As [`AwsProxy::fail`], for calls whose body contains `text` only.
    pub fn fail_matching(&self, target: &str, text: &str, faults: Vec<Fault>) -> &Self {
        self.rule(target, Some(text), faults, false)
    }

    /// Every call of `target` whose body contains `text` (any body when
    /// `None`) meets `fault`, for as long as the proxy runs.
    pub fn always(&self, target: &str, text: Option<&str>, fault: Fault) -> &Self {
        self.rule(target, text, vec![fault], true)
    }

    fn rule(&self, target: &str, text: Option<&str>, faults: Vec<Fault>, forever: bool) -> &Self {
        self.state.lock().unwrap().rules.push(Rule {
            target: target.to_string(),
            body_contains: text.map(str::to_string),
            faults: faults.into(),
            forever,
        });
        self
    }

    /// Every call so far whose `X-Amz-Target` is `target`.
    pub fn calls(&self, target: &str) -> Vec<Received> {
        self.state
            .lock()
            .unwrap()
            .calls
            .iter()
            .filter(|c| c.header("x-amz-target") == Some(target))
            .cloned()
            .collect()
    }
}

/// The fault for `call`, if a rule names it.
fn fault_for(state: &Mutex<State>, call: &Received) -> Option<Fault> {
    let target = call.header("x-amz-target").unwrap_or_default();
    let body = call.text();
    let mut state = state.lock().unwrap();
    state.calls.push(call.clone());
    let rule = state.rules.iter_mut().find(|rule| {
        rule.target == target
            && rule
                .body_contains
                .as_ref()
                .is_none_or(|text| body.contains(text.as_str()))
            && !rule.faults.is_empty()
    })?;
    if rule.forever {
        rule.faults.front().cloned()
    } else {
        rule.faults.pop_front()
    }
}

async fn serve(mut stream: TcpStream, upstream: String, state: Arc<Mutex<State>>) {
    while let Some(call) = read_request(&mut stream).await {
        let answer = match fault_for(&state, &call) {
            None => forward(&upstream, &call).await,
            Some(Fault::LateAfterApply(after)) => {
                let answer = forward(&upstream, &call).await;
                tokio::time::sleep(after).await;
                answer
            }
            Some(Fault::DropAfterApply) => {
                let _ = forward(&upstream, &call).await;
                return;
            }
            Some(Fault::Error(status, error_type)) => error_answer(status, error_type),
            Some(Fault::Hang) => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
        };
        if stream.write_all(&answer).await.is_err() {
            return;
        }
    }
}

/// An awsJson error answer.
fn error_answer(status: u16, error_type: &str) -> Vec<u8> {
    let body = format!(r#"{{"__type":"{error_type}","message":"injected by the test proxy"}}"#);
    format!(
        "HTTP/1.1 {status} Error\r\nContent-Type: application/x-amz-json-1.0\r\nx-amzn-ErrorType: {error_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Sends `call` to moto on a fresh connection and returns its answer, framed
/// for a kept-alive client connection.
async fn forward(upstream: &str, call: &Received) -> Vec<u8> {
    let Ok(mut moto) = TcpStream::connect(upstream).await else {
        return error_answer(502, "BadGateway");
    };
    let mut request = format!("{} {} HTTP/1.1\r\n", call.method, call.path);
    for (name, value) in &call.headers {
        if !matches!(
            name.as_str(),
            "connection" | "content-length" | "transfer-encoding"
        ) {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    request.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        call.body.len()
    ));
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(&call.body);
    if moto.write_all(&bytes).await.is_err() {
        return error_answer(502, "BadGateway");
    }
    let mut answer = Vec::new();
    if moto.read_to_end(&mut answer).await.is_err() {
        return error_answer(502, "BadGateway");
    }
    reframe(&answer)
}

/// moto's answer (read to the end of its connection) with an exact
/// `Content-Length` and without `Connection: close`.
fn reframe(answer: &[u8]) -> Vec<u8> {
    let Some(head_end) = find(answer, b"\r\n\r\n") else {
        return error_answer(502, "BadGateway");
    };
    let head = String::from_utf8_lossy(&answer[..head_end]).into_owned();
    let mut body = answer[head_end + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("HTTP/1.1 502 Bad Gateway");
    let mut out = format!("{status_line}\r\n");
    for line in lines {
        let name = line
            .split(':')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if name == "content-length" {
            let length: usize = line
                .split(':')
                .nth(1)
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(body.len());
            body.truncate(length);
        } else if !matches!(name.as_str(), "connection" | "transfer-encoding") {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&body);
    bytes
}
