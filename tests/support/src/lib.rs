//! Real local peers for Switchboard's tests, started on free loopback ports and
//! stopped when the test process exits: moto (KMS, DynamoDB, SES, SNS, SSM,
//! Secrets Manager, Cognito), the official Python Encryption SDK, an aiosmtpd
//! SMTP server with STARTTLS and AUTH, a hostile HTTP server, the Lambda Runtime
//! API stand-in, headless Chromium, and independent checks of what we send (SigV4, Standard
//! Webhooks).
//!
//! A test that needs a service fails loudly when it is missing: run the suite
//! with `./scripts/test`, which installs them.

pub mod aws_proxy;
pub mod browser;
pub mod docs;
pub mod environment;
pub mod hostile;
pub mod lambda;
pub mod loopback;
pub mod moto;
pub mod python;
pub mod sigv4;
pub mod smtp;
pub mod standard_webhooks;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A counting window (`*.limits.window_seconds`) whose current window runs
/// from 2001 to 2033: a test that counts sends against a limit cannot straddle
/// a window's end, as one with the default hour does when it runs at hh:00:00.
pub const WINDOW_WITHOUT_AN_END_SOON: u64 = 1_000_000_000;

/// The repository's root directory (where `scripts/` and `examples/` are).
pub fn repo_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// `tests/support/peers/<name>`: a test peer the tests start (scripts/README.md).
pub fn peer(name: &str) -> String {
    repo_root()
        .join("tests/support/peers")
        .join(name)
        .display()
        .to_string()
}

/// Runs `script` (sh) in the background behind a guard that kills it when our
/// stdin pipe closes, i.e. when the test process exits, however it exits.
pub fn spawn_guarded(script: &str) -> Child {
    let guarded = format!(
        "{{ {script} ; }} & pid=$!; read _ignored; kill $pid 2>/dev/null; wait $pid 2>/dev/null"
    );
    Command::new("sh")
        .args(["-c", &guarded])
        .stdin(Stdio::piped())
        .spawn()
        .expect("cannot spawn sh")
}

/// Fails loudly when `program` is not installed.
pub fn require_program(program: &str, install: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|out| out.status.success());
    assert!(found, "{program} is not on PATH: run the suite with ./scripts/test, which installs it ({install})");
}

/// The Python interpreter with the test packages (`SB_TEST_PYTHON`, set by
/// ./scripts/test; not `SWITCHBOARD_*`, which is configuration).
pub fn python() -> String {
    std::env::var("SB_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// A loopback port nothing listens on: 9 (discard) lies below the range a
/// free port is picked from, so no test's server can take it in the meantime,
/// as it can a port that was free a moment ago.
pub const REFUSED_PORT: u16 = 9;

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("cannot bind a loopback port")
}

/// An HTTP server (wiremock) that answers every `POST` with `status` and an
/// empty body, recording what it received.
pub async fn answering(status: u16) -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

/// Asserts that `text` (an error, an output) mentions every one of `parts`.
#[track_caller]
pub fn assert_mentions(text: &str, parts: &[&str]) {
    let missing: Vec<&&str> = parts.iter().filter(|part| !text.contains(**part)).collect();
    assert!(missing.is_empty(), "{missing:?} not mentioned in: {text}");
}

/// The standard output of a command that must have succeeded; its standard
/// error otherwise fails the test.
#[track_caller]
pub fn stdout_of(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "the command failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts that `text` (a log, an error, a `Debug` output) contains none of
/// `secrets`; `what` names the text in the failure.
#[track_caller]
pub fn assert_absent(text: &str, secrets: &[&str], what: &str) {
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "{what} contains the secret `{secret}`"
        );
    }
}
