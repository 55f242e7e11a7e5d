//! What a user wrote, as a message may show it. Anyone can sign up with a
//! victim's address and a name of their choosing, and the name then goes into a
//! mail from the operator's own domain: registration spam and phishing ride on
//! confirmation mails that way. So every attribute and `clientMetadata` value a
//! template gets is one line (control characters and line breaks become spaces),
//! with the characters that reorder or hide text removed (bidi overrides and
//! isolates, zero-width spaces), cut to a length (64 characters for names, 256
//! for the rest), and dropped when it could be read as a link (`://`, `www.`, an
//! address, a bare domain such as `evil.example`): the template then shows its
//! neutral greeting. Attributes Cognito itself writes (the user's identifiers,
//! the account-takeover notification's `IP_ADDRESS` and `ONE_CLICK_LINK_VALID`
//! and its other details, listed by name) are kept as they are but for the line
//! rules; every other key — a `custom:` one, whatever its case — is user text.

use std::collections::HashMap;

/// The most characters a name shows.
pub const MAX_NAME_CHARS: usize = 64;
/// The most characters any other user-written value shows.
pub const MAX_VALUE_CHARS: usize = 256;

/// Names a person writes for themselves.
const NAMES: [&str; 6] = [
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
];

/// Values Cognito writes or checks itself, kept but for the line rules: the
/// user's identifiers, and the account-takeover notice's details and links.
/// (`locale` is the user's to write: it is user text here, and the locale a
/// message is in comes from the raw attribute, matched against the templates.)
const FROM_COGNITO: [&str; 16] = [
    "sub",
    "email",
    "email_verified",
    "phone_number",
    "phone_number_verified",
    "ACCOUNT_TAKE_OVER_ACTION",
    "ONE_CLICK_LINK_VALID",
    "ONE_CLICK_LINK_INVALID",
    "EVENT_ID",
    "USER_NAME",
    "IP_ADDRESS",
    "LOGIN_TIME",
    "CITY",
    "COUNTRY",
    "DEVICE_NAME",
    "FEEDBACK_TOKEN",
];

/// The user's attributes as templates get them.
pub fn user_attributes(attributes: &HashMap<String, String>) -> HashMap<String, String> {
    attributes
        .iter()
        .map(|(key, value)| {
            let shown = if written_by_cognito(key) {
                one_line(value)
            } else if NAMES.contains(&key.as_str()) {
                user_text(value, MAX_NAME_CHARS)
            } else {
                user_text(value, MAX_VALUE_CHARS)
            };
            (key.clone(), shown)
        })
        .collect()
}

/// The app's `clientMetadata` as templates get it: anyone calling SignUp can
/// set it.
pub fn client_metadata(metadata: &HashMap<String, String>) -> HashMap<String, String> {
    metadata
        .iter()
        .map(|(key, value)| (key.clone(), user_text(value, MAX_VALUE_CHARS)))
        .collect()
}

fn written_by_cognito(key: &str) -> bool {
    FROM_COGNITO.contains(&key) || key.starts_with("cognito:")
}

/// `value` as one line, shortened, and empty when it could be read as a link.
fn user_text(value: &str, max_chars: usize) -> String {
    let line = one_line(value);
    if looks_like_a_link(&line) {
        return String::new();
    }
    match line.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", line[..cut].trim_end()),
        None => line,
    }
}

/// `value` with control characters and line breaks as spaces (runs folded to
/// one), and without the characters that reorder or hide text.
fn one_line(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut space = false;
    for c in value.chars() {
        if hidden_or_reordering(c) {
            continue;
        }
        if c.is_control() || c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

/// Bidi embeddings, overrides, isolates and marks, zero-width spaces and
/// joiners, variation selectors, tag characters and the rest that is drawn as
/// nothing. A right-to-left override makes `gpj.exe` read as `exe.jpg`; a
/// zero-width joiner hides `evil‍.example`. (A name in a script that needs a
/// joiner loses it; its letters stay.)
fn hidden_or_reordering(c: char) -> bool {
    // Unicode's default-ignorable code points (drawn as nothing), the bidi
    // controls among them.
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Whether a mail client, or a reader, could take `text` for a link or an
/// address: a scheme (`://`, `mailto:`), `www.`, an `@` between characters,
/// or a word that is a domain (letters or digits, a dot, then two or more
/// letters: `evil.example`, `bit.ly/x`).
pub fn looks_like_a_link(text: &str) -> bool {
    // Look-alikes read as what they imitate: fullwidth and ideographic stops
    // and at signs, fullwidth colons and slashes.
    let lower: String = text
        .to_lowercase()
        .chars()
        .map(|c| match c {
            '\u{3002}' | '\u{FF0E}' | '\u{FF61}' => '.',
            '\u{FF20}' | '\u{FE6B}' => '@',
            '\u{FF1A}' => ':',
            '\u{FF0F}' => '/',
            c => c,
        })
        .collect();
    if ["://", "www.", "mailto:", "javascript:", "data:"]
        .iter()
        .any(|sign| lower.contains(sign))
    {
        return true;
    }
    // Every run of the characters a host name or an address is made of, cut
    // from whatever surrounds it (quotes, asterisks, a port, an ellipsis).
    lower
        .split(|c: char| !(c.is_alphanumeric() || c == '.' || c == '-' || c == '@'))
        .any(|run| {
            let run = run.trim_matches(|c| c == '.' || c == '-');
            match run.split_once('@') {
                Some((user, host)) => !user.is_empty() && !host.is_empty(),
                None => is_domain(run),
            }
        })
}

fn is_domain(run: &str) -> bool {
    let labels: Vec<&str> = run.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
        return false;
    }
    let top = labels[labels.len() - 1];
    let punycode = top.starts_with("xn--") && top.len() > 4;
    punycode || (top.chars().count() >= 2 && top.chars().all(char::is_alphabetic))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given_name(value: &str) -> String {
        let attributes = HashMap::from([("given_name".to_string(), value.to_string())]);
        user_attributes(&attributes).remove("given_name").unwrap()
    }

    #[test]
    fn a_name_is_one_line_without_reordering_characters() {
        assert_eq!(
            given_name("Jane\r\nDear customer,\tclick"),
            "Jane Dear customer, click"
        );
        assert_eq!(given_name("Ja\u{202E}ne\u{200B}"), "Jane");
        assert_eq!(given_name("  Jane  "), "Jane");
        assert_eq!(given_name("Zoë 山田 محمد"), "Zoë 山田 محمد");
    }

    #[test]
    fn a_long_name_is_cut() {
        let shown = given_name(&"A".repeat(1_000_000));
        assert_eq!(shown.chars().count(), MAX_NAME_CHARS + 1);
        assert!(shown.ends_with('…'));
    }

    #[test]
    fn a_name_that_reads_as_a_link_is_dropped() {
        for hostile in [
            "Win a prize at https://evil.example",
            "www.evil.example",
            "visit evil.example/claim now",
            "evil\u{200B}.example",
            "evil。example",
            "write to support@evil.example",
            "Jane\u{202E}elpmaxe.live",
        ] {
            assert_eq!(given_name(hostile), "", "{hostile}");
        }
        for kept in [
            "Jane",
            "J. R. R.",
            "Mary-Jane O'Neil",
            "Dr. Who",
            "3.14",
            "José",
        ] {
            assert_eq!(given_name(kept), kept, "{kept}");
        }
    }

    #[test]
    fn what_cognito_writes_is_kept() {
        let attributes = HashMap::from([
            (
                "ONE_CLICK_LINK_VALID".to_string(),
                "https://auth.acme.test/confirm?token=x".to_string(),
            ),
            ("email".to_string(), "jane@example.com".to_string()),
            (
                "custom:referrer".to_string(),
                "https://evil.example".to_string(),
            ),
        ]);
        let shown = user_attributes(&attributes);
        assert_eq!(
            shown["ONE_CLICK_LINK_VALID"],
            "https://auth.acme.test/confirm?token=x"
        );
        assert_eq!(shown["email"], "jane@example.com");
        assert_eq!(shown["custom:referrer"], "");
    }

    #[test]
    fn link_look_alikes_are_dropped_too() {
        for hostile in [
            "\u{201C}evil.example\u{201D}",
            "*evil.example*",
            "evil.example\u{2026}",
            "evil.example:443",
            "evil.example#claim",
            "go:evil.example",
            "support\u{FF20}evil.example",
            "evil.xn--p1ai",
            "evil\u{200D}.example",
            "javascript:alert(1)",
            "evil.example.",
        ] {
            assert_eq!(given_name(hostile), "", "{hostile}");
        }
    }

    #[test]
    fn custom_keys_in_any_case_and_the_locale_are_user_text() {
        let attributes = HashMap::from([
            (
                "custom:promoCode".to_string(),
                "Claim at https://evil.example".to_string(),
            ),
            ("locale".to_string(), "www.evil.example".to_string()),
        ]);
        let shown = user_attributes(&attributes);
        assert_eq!(shown["custom:promoCode"], "");
        assert_eq!(shown["locale"], "");
    }
}
