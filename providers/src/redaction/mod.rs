//! Redaction by value: the secrets this process holds — every resolved
//! credential for as long as the process lives, and each event's code or
//! temporary password while the event is handled — removed from any text before
//! it leaves the process (a log line, an error, a metric, command output).
//!
//! A pattern ([`crate::text::redact`]) cannot know that `Xk7#pQ2wZr` is a
//! temporary password; the value can. A provider that quotes our request back
//! does so in its own encoding, and a log line may quote that quote again, so a
//! text is searched after folding its backslash escapes (any depth of JSON or
//! Rust `Debug` quoting; `\uXXXX`, `\u{…}` and `\xNN` decoded) and its line
//! wrapping (whitespace, quoted-printable soft breaks) for each secret as it is,
//! HTML-escaped, percent- or form-encoded (either hex case), quoted-printable,
//! and inside base64 at each of the three byte alignments (a Basic
//! `Authorization` header, a base64 MIME body). What cannot be found is a
//! secret the provider transforms otherwise (cut in half, hashed, re-encoded in
//! a scheme not listed): docs/guarantees.md says how that case is contained.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

mod fold;
mod forms;

use fold::fold;
pub use forms::forms_of;

/// What replaces a secret.
pub const REDACTED: &str = "<redacted>";

/// Secrets shorter than this are not searched for: they would match ordinary
/// text everywhere (docs/guarantees.md).
pub const MIN_SECRET_CHARS: usize = 4;

/// The set of secrets to remove, process-wide. Use [`redactor`].
#[derive(Default)]
pub struct Redactor {
    state: RwLock<State>,
    next_scope: AtomicU64,
}

#[derive(Default)]
struct State {
    /// Every form of every credential.
    credentials: Vec<String>,
    /// Built from `credentials` on first use after a change.
    credential_matcher: Option<Arc<Matcher>>,
    /// Each open scope's matcher.
    scopes: BTreeMap<u64, Arc<Matcher>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.read();
        f.debug_struct("Redactor")
            .field("credential_forms", &state.credentials.len())
            .field("open_scopes", &state.scopes.len())
            .finish()
    }
}

/// The process's redactor.
pub fn redactor() -> &'static Redactor {
    static REDACTOR: OnceLock<Redactor> = OnceLock::new();
    REDACTOR.get_or_init(Redactor::default)
}

/// `text` with every secret the process holds replaced by [`REDACTED`].
pub fn scrub(text: &str) -> Cow<'_, str> {
    redactor().scrub(text)
}

impl Redactor {
    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Remembers `value` (an API key, a token, a password) for the life of the
    /// process. Values shorter than [`MIN_SECRET_CHARS`] are ignored.
    pub fn add_credential(&self, value: &str) {
        let forms = forms_of(value);
        if forms.is_empty() {
            return;
        }
        let mut state = self.write();
        let before = state.credentials.len();
        for form in forms {
            if !state.credentials.contains(&form) {
                state.credentials.push(form);
            }
        }
        if state.credentials.len() != before {
            state.credential_matcher = None;
        }
    }

    /// A scope for one event's secrets: what is added to it is removed from
    /// every text until the scope is dropped.
    pub fn scope(&'static self) -> SecretScope {
        SecretScope {
            redactor: self,
            id: self.next_scope.fetch_add(1, Ordering::Relaxed),
            forms: Vec::new(),
        }
    }

    /// `text` with every known secret replaced by [`REDACTED`].
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        for matcher in self.matchers() {
            text = matcher.scrub(text);
        }
        text
    }

    fn matchers(&self) -> Vec<Arc<Matcher>> {
        let collect = |state: &State| {
            state
                .credential_matcher
                .iter()
                .chain(state.scopes.values())
                .cloned()
                .collect()
        };
        {
            let state = self.read();
            if state.credential_matcher.is_some() || state.credentials.is_empty() {
                return collect(&state);
            }
        }
        let mut state = self.write();
        if state.credential_matcher.is_none() {
            state.credential_matcher = Matcher::new(&state.credentials, true).map(Arc::new);
        }
        collect(&state)
    }
}

/// One event's secrets, removed from every text while this value lives
/// ([`Redactor::scope`]).
pub struct SecretScope {
    redactor: &'static Redactor,
    id: u64,
    forms: Vec<String>,
}

impl std::fmt::Debug for SecretScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretScope")
            .field("forms", &self.forms.len())
            .finish()
    }
}

impl SecretScope {
    /// Adds `value` (a code, a temporary password) for the scope's lifetime.
    pub fn add(&mut self, value: &str) {
        self.add_all(&[value]);
    }

    /// Adds every one of `values` (a password as Cognito escaped it and as
    /// sent), building the scope's matcher once.
    pub fn add_all(&mut self, values: &[&str]) {
        let before = self.forms.len();
        for form in values.iter().flat_map(|value| forms_of(value)) {
            if !self.forms.contains(&form) {
                self.forms.push(form);
            }
        }
        if self.forms.len() == before {
            return;
        }
        if let Some(matcher) = Matcher::new(&self.forms, false) {
            self.redactor
                .write()
                .scopes
                .insert(self.id, Arc::new(matcher));
        }
    }
}

impl Drop for SecretScope {
    fn drop(&mut self) {
        self.redactor.write().scopes.remove(&self.id);
    }
}

/// One set of forms, searched in one pass over a folded text.
struct Matcher {
    /// Over the folded forms ([`fold`]).
    automaton: AhoCorasick,
}

impl Matcher {
    /// A matcher for `forms`; `for_long` when it serves the process's life
    /// (credentials), whose searches a prefilter speeds up, rather than one
    /// event's few lines, where building it costs more than it saves.
    fn new(forms: &[String], for_long: bool) -> Option<Matcher> {
        if forms.is_empty() {
            return None;
        }
        // A form that folds to almost nothing (a secret of backslashes or
        // spaces) would match everywhere, or nowhere a match can be mapped.
        let folded: Vec<Vec<u8>> = forms
            .iter()
            .map(|form| fold(form).bytes)
            .filter(|folded| folded.len() >= MIN_SECRET_CHARS)
            .collect();
        if folded.is_empty() {
            return None;
        }
        // Leftmost-longest: of two forms that start at one place, the longer is
        // removed whole. A contiguous NFA: a DFA's build costs more than its
        // searches of a few log lines save (docs/performance.md).
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(if for_long {
                AhoCorasickKind::ContiguousNFA
            } else {
                AhoCorasickKind::NoncontiguousNFA
            }))
            .prefilter(for_long)
            .build(&folded)
            .ok()?;
        Some(Matcher { automaton })
    }

    fn scrub<'a>(&self, text: Cow<'a, str>) -> Cow<'a, str> {
        let folded = fold(&text);
        let mut hits = self.automaton.find_iter(&folded.bytes).peekable();
        if hits.peek().is_none() {
            return text;
        }
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for hit in hits {
            let (start, end) = folded.original(hit.start(), hit.end());
            // Whole characters: a hit may end inside the escape of one.
            let start = floor_boundary(&text, start.max(copied));
            let end = ceil_boundary(&text, end);
            out.push_str(&text[copied..start]);
            out.push_str(REDACTED);
            copied = end;
        }
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while at < text.len() && !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    use super::forms::{html_escape, percent_encode, quoted_printable, Hex, HtmlQuotes, Percent};
    use super::*;

    fn scrubbed(secret: &str, text: &str) -> String {
        let matcher = Matcher::new(&forms_of(secret), false).unwrap();
        matcher.scrub(Cow::Borrowed(text)).into_owned()
    }

    /// Go's encoding/json: also `<`, `>`, `&` as `\u003c`, `\u003e`, `\u0026`.
    fn go_json(text: &str) -> String {
        serde_json::to_string(text)
            .unwrap()
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026")
    }

    /// Python's json.dumps: every non-ASCII character as `\uXXXX`.
    fn ascii_json(text: &str) -> String {
        let mut out = String::new();
        for c in serde_json::to_string(text).unwrap().chars() {
            if c.is_ascii() {
                out.push(c);
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
        out
    }

    /// Bytes as Rust's `Debug` of a byte string shows them (an SDK's log of a body).
    fn debug_bytes(text: &str) -> String {
        let mut out = String::new();
        for &b in text.as_bytes() {
            match b {
                b'\n' => out.push_str("\\n"),
                b'"' | b'\\' => out.push_str(&format!("\\{}", b as char)),
                0x20..=0x7e => out.push(b as char),
                _ => out.push_str(&format!("\\x{b:02x}")),
            }
        }
        out
    }

    #[test]
    fn a_secret_is_removed_in_every_encoding_a_request_carries() {
        let secret = "Xk7#p\"Q2<w>&Zr é/😀";
        let json = serde_json::to_string(secret).unwrap();
        let html = html_escape(secret, HtmlQuotes::Named);
        let nested =
            serde_json::to_string(&debug_bytes(&serde_json::to_string(&json).unwrap())).unwrap();
        for text in [
            format!("echo: {secret}"),
            format!("echo: {json}"),
            format!(
                "Body=Your+password+is+{}",
                percent_encode(secret, Hex::Upper, Percent::Form)
            ),
            format!(
                "echo: {}",
                percent_encode(secret, Hex::Lower, Percent::Rfc3986)
            ),
            format!("<b>{html}</b>"),
            serde_json::to_string(&format!("<p>{html}</p>")).unwrap(),
            format!("go: {}", go_json(secret)),
            format!("python: {}", ascii_json(secret)),
            format!("rust: {}", debug_bytes(secret)),
            format!("json in Debug in JSON: {nested}"),
            format!("qp: {}", quoted_printable(secret)),
        ] {
            let out = scrubbed(secret, &text);
            assert!(out.contains(REDACTED), "{text} → {out}");
            assert!(
                !out.contains("Xk7") && !out.contains("Zr"),
                "{text} → {out}"
            );
        }
    }

    #[test]
    fn text_around_a_secret_is_kept_as_it_was() {
        let out = scrubbed("s3cret-value", r#"{"a":"x\"s3cret-value\"y","é":"\u00e9"}"#);
        assert_eq!(out, r#"{"a":"x\"<redacted>\"y","é":"\u00e9"}"#);
    }

    #[test]
    fn a_secret_inside_base64_is_found_at_every_alignment() {
        let engine = base64::engine::general_purpose::STANDARD;
        let token = "twilio-auth-token-0123";
        for prefix in ["AC01:", "AC012:", "AC0123:"] {
            let header = format!("Basic {}", engine.encode(format!("{prefix}{token}")));
            let out = scrubbed(token, &header);
            assert!(out.contains(REDACTED), "{header} → {out}");
            let leftover = out.replace("Basic ", "").replace(REDACTED, "");
            assert!(leftover.len() <= 12, "only the edges remain: {out}");
        }
    }

    #[test]
    fn a_secret_wrapped_across_lines_is_found() {
        let engine = base64::engine::general_purpose::STANDARD;
        let secret = "Xk7#pQ2wZr-a-longer-password";
        let body = engine.encode(format!("Your temporary password is {secret}. Sign in now."));
        let wrapped: Vec<&str> = body
            .as_bytes()
            .chunks(20)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let out = scrubbed(secret, &wrapped.join("\r\n"));
        assert!(out.contains(REDACTED), "base64 wrapped: {out}");
        let out = scrubbed(secret, "password: Xk7#pQ2w=\r\nZr-a-longer-password!");
        assert_eq!(out, format!("password: {REDACTED}!"), "a soft line break");
    }

    #[test]
    fn folding_decodes_every_escape_and_keeps_the_rest() {
        let folded = fold(r#"a\\\"b\u00e9\xc3\xa9\u{e9}\ud83d\\ude00\q x= y"#);
        assert_eq!(String::from_utf8(folded.bytes).unwrap(), "a\"bééé😀qxy");
        assert!(fold("plain").sources.is_empty());
        assert!(fold("\\").bytes.is_empty(), "a trailing backslash");
        assert_eq!(fold("\\u12").bytes, b"u12".to_vec(), "a broken escape");
        assert_eq!(fold("\\u{zz").bytes, b"u{zz".to_vec(), "an unclosed escape");
    }

    #[test]
    fn what_our_own_encoders_write_is_found() {
        let secret = "Xk7/p'Q2*w~Zr\"<";
        // minijinja's HTML escaping, and `form_urlencoded` (Twilio's form body).
        let html = "Xk7&#x2f;p&#x27;Q2*w~Zr&quot;&lt;";
        let form = "Xk7%2Fp%27Q2*w%7EZr%22%3C";
        for text in [html, form] {
            let out = scrubbed(secret, text);
            assert!(
                !out.contains("Xk7") && !out.contains("Zr"),
                "{text} → {out}"
            );
        }
    }

    #[test]
    fn a_secret_ending_in_equals_is_found_before_a_line_end() {
        for text in [
            "password: Xk7#pQ2w=\n",
            "password: Xk7#pQ2w= and more",
            r#"{"t":"Xk7#pQ2w=\n"}"#,
        ] {
            let out = scrubbed("Xk7#pQ2w=", text);
            assert!(!out.contains("Xk7"), "{text} → {out}");
        }
    }

    #[test]
    fn escaped_line_breaks_are_folded_too() {
        let out = scrubbed(
            "twilio-auth-token-0123",
            r#"{"body":"twilio-auth-to=\r\nken-0123"}"#,
        );
        assert!(!out.contains("twilio"), "{out}");
    }

    #[test]
    fn a_secret_that_folds_to_nothing_is_not_searched_and_broken_escapes_pass_through() {
        // Only its encoded forms (`%5C%5C…`) are searched: no panic, no match
        // on every escape of a log line.
        let backslashes = Matcher::new(&forms_of("\\\\\\\\"), false).unwrap();
        let line = r#"{"a":"x\ny \"z\""} with spaces"#;
        assert_eq!(backslashes.scrub(Cow::Borrowed(line)), line);
        let spaces = Matcher::new(&forms_of("    "), false).unwrap();
        assert_eq!(spaces.scrub(Cow::Borrowed(line)), line);
        let matcher = Matcher::new(&forms_of("s3cret-value"), false).unwrap();
        for hostile in [
            "\\u{".repeat(5_000),
            "\\\"".repeat(5_000),
            "\\".repeat(5_001),
        ] {
            assert_eq!(matcher.scrub(Cow::Owned(hostile.clone())), hostile);
        }
    }

    #[test]
    fn short_values_are_not_searched() {
        assert!(forms_of("abc").is_empty());
        assert!(!forms_of("abcd").is_empty());
    }

    #[test]
    fn a_scope_ends_with_its_value() {
        let redactor: &'static Redactor = Box::leak(Box::default());
        {
            let mut scope = redactor.scope();
            scope.add("491305");
            assert_eq!(redactor.scrub("code 491305."), format!("code {REDACTED}."));
        }
        assert_eq!(redactor.scrub("code 491305."), "code 491305.");
        redactor.add_credential("SG.secret-key");
        assert_eq!(
            redactor.scrub("Bearer SG.secret-key"),
            format!("Bearer {REDACTED}")
        );
    }
}
