//! The forms a secret takes in a request we sent and a provider may quote back:
//! HTML-escaped, percent- and form-encoded, quoted-printable, inside base64.

use base64::Engine;

use super::MIN_SECRET_CHARS;

/// Every form `value` may take in a request we sent and a provider quoted
/// back, before any backslash escaping (which [`fold`] undoes).
pub fn forms_of(value: &str) -> Vec<String> {
    if value.chars().count() < MIN_SECRET_CHARS {
        return Vec::new();
    }
    let mut forms: Vec<String> = Vec::new();
    // A form shorter than the minimum (a base64 core of a short secret) would
    // match ordinary text.
    let mut push = |form: String| {
        if form.chars().count() >= MIN_SECRET_CHARS && !forms.contains(&form) {
            forms.push(form);
        }
    };
    // As a mail's HTML part carries it, then as a URL, a form, a MIME body or
    // base64 wraps that.
    for form in [
        value.to_string(),
        html_escape(value, HtmlQuotes::Named),
        html_escape(value, HtmlQuotes::Decimal),
        html_escape(value, HtmlQuotes::Hex),
        html_escape(value, HtmlQuotes::Minijinja),
    ] {
        for encoding in [Percent::Rfc3986, Percent::Form, Percent::Whatwg] {
            push(percent_encode(&form, Hex::Upper, encoding));
            push(percent_encode(&form, Hex::Lower, encoding));
        }
        push(quoted_printable(&form));
        for engine in [
            &base64::engine::general_purpose::STANDARD,
            &base64::engine::general_purpose::URL_SAFE,
        ] {
            for offset in 0..3 {
                push(base64_core(engine, form.as_bytes(), offset));
            }
        }
        push(form);
    }
    // Folding drops an `=` before whitespace (a quoted-printable soft break),
    // so a secret that ends in `=` is also searched without it.
    let trimmed: Vec<String> = forms
        .iter()
        .map(|form| form.trim_end_matches('=').to_string())
        .filter(|form| form.chars().count() >= MIN_SECRET_CHARS)
        .collect();
    for form in trimmed {
        if !forms.contains(&form) {
            forms.push(form);
        }
    }
    forms
}

#[derive(Clone, Copy)]
pub(super) enum HtmlQuotes {
    Named,
    Decimal,
    Hex,
    /// What our own templates write (minijinja): `&quot;`, `&#x27;`, `&#x2f;`.
    Minijinja,
}

pub(super) fn html_escape(value: &str, quotes: HtmlQuotes) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match (c, quotes) {
            ('&', _) => out.push_str("&amp;"),
            ('<', _) => out.push_str("&lt;"),
            ('>', _) => out.push_str("&gt;"),
            ('"', HtmlQuotes::Named) => out.push_str("&quot;"),
            ('"', HtmlQuotes::Decimal) => out.push_str("&#34;"),
            ('"', HtmlQuotes::Hex) => out.push_str("&#x22;"),
            ('"', HtmlQuotes::Minijinja) => out.push_str("&quot;"),
            ('\'', HtmlQuotes::Named | HtmlQuotes::Decimal) => out.push_str("&#39;"),
            ('\'', HtmlQuotes::Hex | HtmlQuotes::Minijinja) => out.push_str("&#x27;"),
            ('/', HtmlQuotes::Minijinja) => out.push_str("&#x2f;"),
            _ => out.push(c),
        }
    }
    out
}

#[derive(Clone, Copy)]
pub(super) enum Hex {
    Upper,
    Lower,
}

/// Which characters a percent-encoding leaves as they are.
#[derive(Clone, Copy)]
pub(super) enum Percent {
    /// RFC 3986's unreserved characters (a URL's path or query).
    Rfc3986,
    /// The same, with a space as `+`.
    Form,
    /// `application/x-www-form-urlencoded` as WHATWG (and the `url` crate,
    /// which our form bodies use) writes it: alphanumerics and `*-._` kept,
    /// a space as `+`, `~` encoded.
    Whatwg,
}

pub(super) fn percent_encode(value: &str, hex: Hex, encoding: Percent) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        let kept = match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => true,
            b'~' => !matches!(encoding, Percent::Whatwg),
            b'*' => matches!(encoding, Percent::Whatwg),
            _ => false,
        };
        match byte {
            _ if kept => out.push(char::from(byte)),
            b' ' if !matches!(encoding, Percent::Rfc3986) => out.push('+'),
            _ => match hex {
                Hex::Upper => out.push_str(&format!("%{byte:02X}")),
                Hex::Lower => out.push_str(&format!("%{byte:02x}")),
            },
        }
    }
    out
}

/// Quoted-printable as a MIME body carries a line of text: `=` and bytes
/// outside printable ASCII as `=XX`.
pub(super) fn quoted_printable(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'=' => out.push_str("=3D"),
            b' ' | b'\t' | 33..=126 => out.push(char::from(byte)),
            _ => out.push_str(&format!("={byte:02X}")),
        }
    }
    out
}

/// The base64 characters that depend only on `value`'s bytes when `value`
/// starts `offset` bytes into a 3-byte group: found in the base64 of any text
/// that holds `value` at that alignment (`user:password` in a Basic header).
fn base64_core(engine: &base64::engine::GeneralPurpose, value: &[u8], offset: usize) -> String {
    let mut padded = vec![0u8; offset];
    padded.extend_from_slice(value);
    let encoded = engine.encode(&padded);
    // Character i covers bits [6i, 6i + 6); the value covers [8·offset, 8·(offset + len)).
    let first = (8 * offset).div_ceil(6);
    let end = (8 * (offset + value.len())) / 6;
    encoded
        .get(first..end.min(encoded.len()))
        .unwrap_or_default()
        .trim_end_matches('=')
        .to_string()
}
