//! Where log lines go and what they may hold: Lambda's format and level, the
//! command line's warnings on stderr, and — for both — every line passed through
//! the value redactor, with the control characters of a text line escaped, so
//! that a secret never reaches a log and an event field cannot forge a line.

use std::io::{self, Write};

use switchboard_providers::redaction;
use tracing_subscriber::fmt::MakeWriter;

/// Lambda's logging, as `lambda_runtime::tracing::init_default_subscriber` sets it
/// up (`AWS_LAMBDA_LOG_FORMAT`, `AWS_LAMBDA_LOG_LEVEL`, then `RUST_LOG`), except
/// that the runtime's raw-event line stays off at every level (the event carries
/// the user's address and phone number) and each line is redacted.
pub fn init_lambda() {
    use tracing_subscriber::filter::{EnvFilter, LevelFilter};
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|level| level.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    let filter = EnvFilter::builder()
        .with_default_directive(level.into())
        .from_env_lossy()
        .add_directive(
            "lambda_runtime::layers::api_response=debug"
                .parse()
                .expect("a valid directive"),
        );
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let subscriber = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        // CloudWatch shows colour codes as text.
        .with_ansi(false)
        .with_env_filter(filter);
    if json {
        subscriber
            .json()
            .with_writer(Redacting::new(io::stdout, Format::Json))
            .init();
    } else {
        subscriber
            .with_writer(Redacting::new(io::stdout, Format::Text))
            .init();
    }
}

/// The command line's logging: warnings and errors on stderr (`SWITCHBOARD_LOG`
/// sets the filter). The pipeline's per-event result lines are for Lambda's
/// logs: on the command line the result is printed once, as the output or the
/// final error.
pub fn init_cli() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("SWITCHBOARD_LOG").unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new(
                "warn,aws_config=error,switchboard::pipeline::outcome=off",
            )
        });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Redacting::new(io::stderr, Format::Text))
        .init();
}

/// Logs a panic's place and, only when it is a fixed text, its message: a
/// formatted payload may hold provider input or a code.
pub fn log_panics_without_payloads() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&'static str>()
            .copied()
            .unwrap_or("(message withheld)");
        tracing::error!(%location, message, "panic");
    }));
}

/// Text that leaves the process on stdout or stderr outside the log (a metric
/// line, an error, command output): every secret the process holds removed.
pub fn outgoing(text: &str) -> std::borrow::Cow<'_, str> {
    redaction::scrub(text)
}

/// A JSON line that leaves the process outside the log (a metric line): every
/// secret the process holds removed from its strings, its numbers left whole.
/// A code's digits can occur inside a millisecond timestamp by chance, and a
/// number cut open by a redaction makes the line invalid JSON, which CloudWatch
/// drops with the metrics it carried.
pub fn outgoing_json(mut value: serde_json::Value) -> String {
    scrub_strings(&mut value);
    value.to_string()
}

fn scrub_strings(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(text) => {
            if let std::borrow::Cow::Owned(scrubbed) = redaction::scrub(text) {
                *text = scrubbed;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub_strings),
        Value::Object(fields) => fields.values_mut().for_each(scrub_strings),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// How a line is written: JSON escapes control characters itself; a text line
/// needs it done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `AWS_LAMBDA_LOG_FORMAT=json`.
    Json,
    /// One text line per event.
    Text,
}

/// A [`MakeWriter`] whose writers hold each log line until it is complete, then
/// write it redacted (and, as text, with its control characters escaped).
#[derive(Debug)]
pub struct Redacting<M> {
    inner: M,
    format: Format,
}

impl<M> Redacting<M> {
    /// Lines for `inner` (stdout, stderr, a test buffer) in `format`.
    pub fn new(inner: M, format: Format) -> Self {
        Redacting { inner, format }
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = LineWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter {
            inner: self.inner.make_writer(),
            line: Vec::new(),
            format: self.format,
        }
    }
}

/// One log line on its way out (see [`Redacting`]).
pub struct LineWriter<W: Write> {
    inner: W,
    line: Vec<u8>,
    format: Format,
}

impl<W: Write> Write for LineWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.line.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Drop for LineWriter<W> {
    fn drop(&mut self) {
        if self.line.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.line);
        let redacted = redaction::scrub(&text);
        let out = match self.format {
            Format::Json => redacted.into_owned(),
            Format::Text => escape_controls(&redacted),
        };
        // Nowhere to report a failed log write.
        let _ = self.inner.write_all(out.as_bytes());
        let _ = self.inner.flush();
    }
}

/// `line` with CR, LF (but the last) and other C0 control characters but tab
/// written as escapes, so one log event stays one line.
fn escape_controls(line: &str) -> String {
    let (body, end) = match line.strip_suffix('\n') {
        Some(body) => (body, "\n"),
        None => (line, ""),
    };
    let mut out = String::with_capacity(line.len() + 2);
    for c in body.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push('\t'),
            '\u{2028}' | '\u{2029}' | '\u{85}' => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c if c.is_control() && c != '\u{1b}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push_str(end);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_line_keeps_to_one_line() {
        assert_eq!(
            escape_controls("user `a\nERROR forged\r` here\n"),
            "user `a\\nERROR forged\\r` here\n"
        );
        assert_eq!(escape_controls("tab\tok"), "tab\tok");
        assert_eq!(escape_controls("bell\u{7}"), "bell\\u{7}");
    }

    #[test]
    fn a_line_is_written_once_redacted() {
        let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
        let sink = buffer.clone();
        let make = Redacting::new(move || SharedBuffer(sink.clone()), Format::Text);
        redaction::redactor().add_credential("logging-test-credential");
        {
            let mut writer = make.make_writer();
            writer.write_all(b"key=logging-test-").unwrap();
            writer.write_all(b"credential\n").unwrap();
        }
        let written = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
        assert_eq!(written, "key=<redacted>\n");
    }

    #[test]
    fn a_json_line_loses_secrets_from_its_strings_and_keeps_its_numbers_whole() {
        let mut scope = redaction::redactor().scope();
        scope.add("918273");
        let line = outgoing_json(serde_json::json!({
            "Timestamp": 1_796_918_273_123_u64,
            "Note": ["code 918273"],
        }));
        let parsed: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed["Timestamp"], 1_796_918_273_123_u64);
        assert_eq!(parsed["Note"][0], "code <redacted>");
    }

    struct SharedBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for SharedBuffer {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
}
