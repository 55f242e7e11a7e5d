//! Small text helpers shared by backends: one-line excerpts, redaction of text
//! that comes from outside (by value, then by pattern), lower-case hex, and epoch time.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::mask::mask_email;

/// `text` with whitespace folded to single spaces, cut to `max` characters (`…` marks a cut).
pub fn one_line(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

/// `text` from a provider (an error message, an SMTP reply) with what could name a
/// person or carry a secret removed: first every secret the process holds, by
/// value ([`crate::redaction`]), then by pattern email addresses, URLs, and runs
/// of six or more digits (phone numbers, codes). Whitespace is folded to one line.
pub fn redact(text: &str) -> String {
    crate::redaction::scrub(text)
        .split_whitespace()
        .map(redact_word)
        .collect::<Vec<_>>()
        .join(" ")
}

fn redact_word(word: &str) -> String {
    let core = word.trim_matches(|c: char| "<>()[]{}'\",;:.!?`".contains(c));
    if core.contains("://") {
        return word.replace(core, "<url>");
    }
    if core.contains('@') {
        return word.replace(core, &mask_email(core));
    }
    let mut out = String::with_capacity(word.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.chars().filter(char::is_ascii_digit).count() >= 6 {
            out.push_str("<number>");
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in word.chars() {
        if c.is_ascii_digit()
            || (!digits.is_empty() && "-+".contains(c))
            || (digits.is_empty() && c == '+')
        {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

/// `bytes` as lower-case hex (digests, signatures, tokens).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub fn epoch_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_masks_addresses_numbers_and_urls() {
        assert_eq!(
            redact("The 'To' number +12025550123 is not a valid phone number."),
            "The 'To' number <number> is not a valid phone number."
        );
        assert_eq!(
            redact("550 5.1.1 <jane.doe@example.com>: Recipient\naddress rejected"),
            "550 5.1.1 <j***@e***.com>: Recipient address rejected"
        );
        assert_eq!(
            redact("see https://hooks.acme.test/x?token=abc for code 491305"),
            "see <url> for code <number>"
        );
        assert_eq!(
            redact("error 21211 (status 400)"),
            "error 21211 (status 400)"
        );
    }

    #[test]
    fn one_line_folds_and_cuts() {
        assert_eq!(one_line(" a \n b\t c ", 10), "a b c");
        assert_eq!(one_line(&"word ".repeat(100), 9), "word word…");
        assert_eq!(one_line("äöü", 2), "äö…");
    }
}
