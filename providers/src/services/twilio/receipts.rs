//! Twilio's status callbacks: a form POST to the message's `StatusCallback`
//! URL, signed with `X-Twilio-Signature` = base64 HMAC-SHA1 (the account's auth
//! token) over the full URL and every form field, sorted by name, as name then
//! value. The URL's query carries the correlation (the sender put it there, and
//! the signature covers it). Twilio signs no time: a replay is recognised by its
//! `MessageSid` and status, which the receipts function records.

use aws_lc_rs::{constant_time, hmac};
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};

use crate::Channel;
use crate::receipt::{
    Destination,correlation_in, Read, Receipt, ReceiptError, ReceiptReader, ReceiptRequest, Status};

/// Twilio's callbacks are a few hundred bytes of form fields.
const MAX_BODY: usize = 16 * 1024;

/// `ErrorCode`s of an undelivered message that mean a filter refused it:
/// message blocked, carrier filtering, the recipient unsubscribed, an
/// unregistered 10DLC number.
const BLOCKED: [&str; 4] = ["30004", "30007", "21610", "30034"];

/// Reads a Twilio provider's status callbacks.
pub(super) struct TwilioReceipts {
    pub(super) auth_token: SecretString,
}

impl std::fmt::Debug for TwilioReceipts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TwilioReceipts")
    }
}

/// `X-Twilio-Signature` for a request to `url` with `fields`.
fn signature(auth_token: &str, url: &str, fields: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = fields.iter().collect();
    sorted.sort();
    let mut signed = url.to_string();
    for (name, value) in sorted {
        signed.push_str(name);
        signed.push_str(value);
    }
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, auth_token.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(hmac::sign(&key, signed.as_bytes()))
}

impl ReceiptReader for TwilioReceipts {
    fn channel(&self) -> Channel {
        Channel::Sms
    }

    fn max_body(&self) -> usize {
        MAX_BODY
    }

    fn read(&self, request: &ReceiptRequest<'_>) -> Result<Vec<Read>, ReceiptError> {
        let given = request
            .header("x-twilio-signature")
            .ok_or_else(|| ReceiptError::Unauthorized("no X-Twilio-Signature header".into()))?;
        let fields: Vec<(String, String)> = url::form_urlencoded::parse(request.body)
            .into_owned()
            .collect();
        let expected = signature(self.auth_token.expose_secret(), request.url, &fields);
        constant_time::verify_slices_are_equal(expected.as_bytes(), given.trim().as_bytes())
            .map_err(|_| {
                ReceiptError::Unauthorized(
                    "X-Twilio-Signature does not match this URL and body under the auth token"
                        .into(),
                )
            })?;
        let field = |name: &str| {
            fields
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        };
        let (Some(message_sid), Some(message_status)) = (field("MessageSid"), field("MessageStatus"))
        else {
            return Err(ReceiptError::Malformed(
                "a status callback needs MessageSid and MessageStatus".into(),
            ));
        };
        let error_code = field("ErrorCode").filter(|code| !code.is_empty() && code != "0");
        let status = match message_status.as_str() {
            "delivered" => Status::Delivered,
            "undelivered" if error_code.as_deref().is_some_and(|c| BLOCKED.contains(&c)) => {
                Status::Blocked
            }
            "undelivered" => Status::Undelivered,
            "failed" => Status::Failed,
            _ => return Ok(vec![Read::Ignored]),
        };
        let query: Vec<(String, String)> = url::Url::parse(request.url)
            .map(|url| url.query_pairs().into_owned().collect())
            .unwrap_or_default();
        let Some((event_id, sent_at_ms, trigger_source)) = correlation_in(|key| {
            query
                .iter()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value.clone())
        }) else {
            return Ok(vec![Read::NotOurs]);
        };
        Ok(vec![Read::Receipt(Receipt {
            event_id,
            sent_at_ms,
            trigger_source,
            status,
            at_ms: request.now_ms,
            reason: error_code,
            receipt_id: format!("{message_sid}:{message_status}"),
            destination: field("To").map(Destination::Number),
            recipient: field("To"),
            message_id: Some(message_sid),
        })])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What twilio-python's `RequestValidator.compute_signature` gives for this URL and form.
    #[test]
    fn the_signature_is_twilios() {
        let fields: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675310"),
            ("Digits", "1234"),
            ("From", "+14158675310"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            signature(
                "12345",
                "https://mycompany.com/myapp.php?foo=1&bar=2",
                &fields
            ),
            "GvWf1cFY/Q7PnoempGyD5oXAezc="
        );
    }
}
