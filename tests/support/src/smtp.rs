//! A real SMTP server (aiosmtpd, `tests/support/peers/smtp_server.py`) per test binary:
//! STARTTLS, implicit TLS and a port without TLS, all with AUTH.

use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A running SMTP server.
pub struct SmtpServer {
    /// Where messages, metadata and the certificate are written.
    pub dir: PathBuf,
    /// STARTTLS-required port.
    pub starttls_port: u16,
    /// Implicit-TLS port.
    pub implicit_port: u16,
    /// Port that offers no TLS.
    pub plain_port: u16,
    _dir: tempfile::TempDir,
    _guard: Child,
}

/// AUTH user of the test server.
pub const USER: &str = "switchboard";
/// AUTH password of the test server (a fake, local-only credential).
pub const PASSWORD: &str = "local-test-password";

/// The SMTP server of this test binary, started on first use.
pub fn smtp_server() -> &'static SmtpServer {
    static SERVER: OnceLock<SmtpServer> = OnceLock::new();
    SERVER.get_or_init(start)
}

/// A server of one's own, for tests that count connections.
pub fn start() -> SmtpServer {
    let dir = tempfile::tempdir().expect("temp dir");
    let (starttls_port, implicit_port, plain_port) =
        (crate::free_port(), crate::free_port(), crate::free_port());
    let script = crate::peer("smtp_server.py");
    let guard = crate::spawn_guarded(&format!(
        "'{}' '{script}' --dir '{}' --starttls-port {starttls_port} --implicit-port {implicit_port} --plain-port {plain_port} --user {USER} --password {PASSWORD} 2>'{}/server.log'",
        crate::python(),
        dir.path().display(),
        dir.path().display(),
    ));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !dir.path().join("ready").exists() {
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
            panic!("the SMTP test server did not start (is aiosmtpd installed? run ./scripts/test):\n{log}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    SmtpServer {
        dir: dir.path().to_path_buf(),
        starttls_port,
        implicit_port,
        plain_port,
        _dir: dir,
        _guard: guard,
    }
}

/// A message the server received, with its metadata.
pub struct Received {
    /// The raw message.
    pub eml: String,
    /// Envelope, auth user, TLS, port.
    pub meta: serde_json::Value,
}

impl SmtpServer {
    /// The test CA to trust.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// The message whose envelope recipient is `to` (waits briefly for it).
    pub fn received_for(&self, to: &str) -> Received {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(found) = self.find(to) {
                return found;
            }
            assert!(Instant::now() < deadline, "no message for {to} arrived");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether any message for `to` arrived.
    pub fn has_message_for(&self, to: &str) -> bool {
        self.find(to).is_some()
    }

    fn find(&self, to: &str) -> Option<Received> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .ok()?
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        entries
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json") && is_message(p))
            .find_map(|json| {
                let meta: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(&json).ok()?).ok()?;
                let rcpt = meta["rcpt_tos"].as_array()?;
                rcpt.iter().any(|r| r == to).then(|| Received {
                    eml: std::fs::read_to_string(json.with_extension("eml")).unwrap_or_default(),
                    meta,
                })
            })
    }

    /// Connections accepted so far (on all ports).
    pub fn connections(&self) -> u64 {
        let counts: serde_json::Value = serde_json::from_slice(
            &std::fs::read(self.dir.join("connections.json")).unwrap_or_default(),
        )
        .unwrap_or_default();
        counts["connections"].as_u64().unwrap_or(0)
    }
}

fn is_message(path: &Path) -> bool {
    path.file_stem()
        .and_then(|s| s.to_str())
        .is_some_and(|s| s.chars().all(|c| c.is_ascii_digit()))
}
