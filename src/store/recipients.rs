//! How a recipient is stored: never as written, only as a key — an
//! HMAC-SHA256 of its counting form under the channel's recipient key (plain
//! SHA-256 without one). The guards count by it; the receipts' trail is found
//! by it (`switchboard status --to`), so both compute it here, the same way.

use switchboard_providers::text::hex;

use crate::sms::phone::normalise;

/// Domains whose mailboxes ignore dots in the local part (and the one they share).
const DOTS_IGNORED: [(&str, &str); 2] =
    [("gmail.com", "gmail.com"), ("googlemail.com", "gmail.com")];

/// `value` (a phone number, an address) as a key holds it: an
/// HMAC-SHA256 under `key` when one is configured (`k` + hex), so that a reader
/// of the table cannot try the small space of numbers or a list of addresses;
/// plain SHA-256 otherwise.
pub(crate) fn stored_key(key: Option<&aws_lc_rs::hmac::Key>, value: &str) -> String {
    match key {
        Some(key) => format!(
            "k{}",
            hex(aws_lc_rs::hmac::sign(key, value.as_bytes()).as_ref())
        ),
        None => {
            hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, value.as_bytes()).as_ref())
        }
    }
}

/// `address` as the mailbox it reaches: lower case, without a `+tag`, and
/// without the dots of a provider that ignores them (`J.Doe+x@GoogleMail.com`
/// → `jdoe@gmail.com`).
pub fn counting_form(address: &str) -> String {
    let lower = address.trim().to_lowercase();
    let Some((local, domain)) = lower.rsplit_once('@') else {
        return lower;
    };
    // `x@gmail.com.` is the same mailbox; so is `"x"@…`.
    let domain = domain.trim_end_matches('.');
    let local = local.trim_matches('"');
    let local = local.split('+').next().unwrap_or(local);
    match DOTS_IGNORED.iter().find(|(known, _)| *known == domain) {
        Some((_, canonical)) => format!("{}@{canonical}", local.replace('.', "")),
        None => format!("{local}@{domain}"),
    }
}

/// The recipient keys of both channels (`email.limits.recipient_key`,
/// `sms.limits.number_key`), for the trail's `recipient` attribute.
#[derive(Clone, Default)]
pub struct RecipientKeys {
    email: Option<aws_lc_rs::hmac::Key>,
    sms: Option<aws_lc_rs::hmac::Key>,
}

impl std::fmt::Debug for RecipientKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecipientKeys")
            .field("email", &self.email.as_ref().map(|_| "<hmac key>"))
            .field("sms", &self.sms.as_ref().map(|_| "<hmac key>"))
            .finish()
    }
}

impl RecipientKeys {
    /// From the channels' keys as bytes; `None`: plain SHA-256.
    pub fn new(email: Option<&[u8]>, sms: Option<&[u8]>) -> RecipientKeys {
        let key = |bytes: &[u8]| aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, bytes);
        RecipientKeys {
            email: email.map(key),
            sms: sms.map(key),
        }
    }

    /// The key `recipient` of `channel` (`email` or `sms`) is stored under:
    /// an address in its counting form, a number in E.164 (`None` when it is
    /// none); the channel is part of it, so an address and a number never meet.
    pub fn key(&self, channel: &str, recipient: &str) -> Option<String> {
        match channel {
            "email" => Some(format!(
                "email#{}",
                stored_key(self.email.as_ref(), &counting_form(recipient))
            )),
            "sms" => {
                let number = normalise(recipient, None).ok()?;
                Some(format!(
                    "sms#{}",
                    stored_key(self.sms.as_ref(), number.as_str())
                ))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_mailbox_counts_once_however_it_is_written() {
        for written in [
            "jane.doe@gmail.com",
            "Jane.Doe@Gmail.com",
            "janedoe+bomb1@gmail.com",
            "j.a.n.e.d.o.e+x@googlemail.com",
        ] {
            assert_eq!(counting_form(written), "janedoe@gmail.com", "{written}");
        }
        assert_eq!(
            counting_form("Jane.Doe+x@Acme.test"),
            "jane.doe@acme.test",
            "dots count elsewhere"
        );
        assert_ne!(
            counting_form("jane.doe@acme.test"),
            counting_form("janedoe@acme.test")
        );
        assert_eq!(counting_form("not-an-address"), "not-an-address");
        assert_eq!(counting_form("\"janedoe\"@gmail.com."), "janedoe@gmail.com");
    }

    #[test]
    fn an_address_however_written_and_a_number_however_written_have_one_key_each() {
        let keys = RecipientKeys::new(Some(b"email-key"), Some(b"sms-key"));
        assert_eq!(
            keys.key("email", "Jane.Doe+x@GMail.com"),
            keys.key("email", "janedoe@gmail.com")
        );
        assert_eq!(
            keys.key("sms", "+1 (202) 555-0177"),
            keys.key("sms", "+12025550177")
        );
        assert_eq!(keys.key("sms", "not a number"), None);
        let email = keys.key("email", "janedoe@gmail.com").unwrap();
        assert!(email.starts_with("email#k") && !email.contains("jane"));
        let unkeyed = RecipientKeys::default()
            .key("email", "janedoe@gmail.com")
            .unwrap();
        assert_ne!(email, unkeyed, "the HMAC key changes the key");
        let other = RecipientKeys::new(Some(b"another"), None);
        assert_ne!(other.key("email", "janedoe@gmail.com").unwrap(), email);
    }
}
