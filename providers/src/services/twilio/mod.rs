//! Twilio Programmable Messaging (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`)
//! over reqwest. Errors are mapped with Twilio's own error `code` as well as the
//! HTTP status, because Twilio answers 400 for both bad numbers and bad requests.

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

mod config;
mod receipts;
#[cfg(feature = "testing")]
mod stand_in;

pub use config::{TwilioConfig, TWILIO_DEFAULT_BASE_URL};

use crate::correlation::{Correlation, TRIGGER_SOURCE};
use crate::http;
use crate::{Backend, Channel, ErrorKind, MessageContext, SendError, SmsMessage};

/// Who the message comes from.
#[derive(Debug, Clone)]
enum Origin {
    /// A Twilio phone number or alphanumeric sender ID (`From`).
    Number(String),
    /// A Messaging Service (`MessagingServiceSid`).
    MessagingService(String),
}

/// The Twilio backend.
#[derive(Debug)]
pub struct Twilio {
    endpoint: String,
    user: String,
    password: SecretString,
    from: Origin,
    /// Where Twilio posts the message's status changes; each message's own
    /// callback adds its correlation to the query (Twilio signs the whole URL).
    status_callback: Option<url::Url>,
    client: http::Client,
}

#[derive(Deserialize)]
struct Created {
    sid: String,
}

#[derive(Deserialize)]
struct TwilioError {
    #[serde(default)]
    code: Option<u32>,
    #[serde(default)]
    message: Option<String>,
}

/// Twilio's error codes that say more than the HTTP status (which is 400 for
/// most of them).
fn kind_for_code(code: u32) -> Option<ErrorKind> {
    match code {
        // About this recipient: invalid 'To' number; 'To' unsubscribed (STOP);
        // 'To' not reachable by SMS; 'To' not a mobile number.
        21211 | 21610 | 21612 | 21614 => Some(ErrorKind::Rejected),
        // About our account or sender: region not enabled; invalid 'From';
        // 'From' not SMS-capable; trial account and unverified 'To'; unknown resource.
        21408 | 21212 | 21606 | 21608 | 20404 => Some(ErrorKind::Config),
        20003 | 20005 => Some(ErrorKind::Auth),
        20429 => Some(ErrorKind::RateLimited),
        _ => None,
    }
}

/// `base` with the message's correlation and trigger source in its query, so
/// that the status callback names the event it is about.
fn status_callback(base: &url::Url, context: &MessageContext) -> String {
    let mut url = base.clone();
    if let Some(correlation) = Correlation::now(context) {
        let mut query = url.query_pairs_mut();
        for (key, value) in correlation.pairs() {
            query.append_pair(key, &value);
        }
        if !context.trigger_source.is_empty() {
            query.append_pair(TRIGGER_SOURCE, &context.trigger_source);
        }
    }
    url.into()
}

/// Twilio's longest `ValidityPeriod`: 10 hours.
const MAX_VALIDITY_SECONDS: u64 = 36_000;

#[async_trait]
impl Backend for Twilio {
    const CHANNELS: &'static [Channel] = &[Channel::Sms];

    async fn send_sms(&self, sms: &SmsMessage) -> Result<String, SendError> {
        let mut form: Vec<(&str, &str)> = vec![("To", &sms.to), ("Body", &sms.body)];
        match &self.from {
            Origin::Number(number) => {
                form.push(("From", sms.sender_id.as_deref().unwrap_or(number)))
            }
            Origin::MessagingService(sid) => form.push(("MessagingServiceSid", sid)),
        }
        let callback = self
            .status_callback
            .as_ref()
            .map(|base| status_callback(base, &sms.context));
        if let Some(callback) = &callback {
            form.push(("StatusCallback", callback));
        }
        // Twilio drops a message still queued after this (1 to 36000 s).
        let validity = sms
            .validity
            .map(|v| v.as_secs().clamp(1, MAX_VALIDITY_SECONDS).to_string());
        if let Some(validity) = &validity {
            form.push(("ValidityPeriod", validity));
        }
        let request = self
            .client
            .post(&self.endpoint)
            .basic_auth(&self.user, Some(self.password.expose_secret()))
            .form(&form);
        let response = http::send(request).await?;
        let status = response.status;
        if status.is_success() {
            let sid = serde_json::from_str::<Created>(&response.body).ok();
            return Ok(response.accepted_id("Twilio", sid.map(|c| c.sid)));
        }
        let body = serde_json::from_str::<TwilioError>(&response.body).ok();
        let code = body.as_ref().and_then(|b| b.code);
        let message = body.as_ref().and_then(|b| b.message.as_deref());
        let detail = response.error_detail("Twilio", code, message);
        let kind = code
            .and_then(kind_for_code)
            .unwrap_or_else(|| http::kind_for_status(status));
        Err(response.error(kind, detail))
    }
}
