//! Cognito trigger events, typed.
//!
//! `aws_lambda_events` has no types for the custom sender triggers, so they live
//! here. Parsing is tolerant where Cognito is loose (null code, null metadata, null
//! caller context fields, extra fields) and strict where we depend on a value.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};
use switchboard_providers::Channel;

/// Every trigger source Cognito sends to a custom sender, plus the ones it may add.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TriggerSource {
    /// `CustomEmailSender_*`
    Email(EmailTrigger),
    /// `CustomSMSSender_*`
    Sms(SmsTrigger),
    /// A trigger source this version does not know; routed to its channel's default.
    Unknown(String),
}

macro_rules! trigger_enum {
    ($name:ident, $prefix:literal, { $($variant:ident => $suffix:literal, $template:literal;)+ }) => {
        #[doc = concat!("The `", $prefix, "*` trigger sources.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $(#[doc = concat!("`", $prefix, $suffix, "`")] $variant,)+ }

        impl $name {
            /// Every source of this channel.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The suffix after the prefix (`SignUp`).
            pub fn suffix(self) -> &'static str {
                match self { $($name::$variant => $suffix,)+ }
            }

            /// The name of the embedded template for this source.
            pub fn template(self) -> &'static str {
                match self { $($name::$variant => $template,)+ }
            }

            fn from_suffix(suffix: &str) -> Option<Self> {
                match suffix { $($suffix => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

trigger_enum!(EmailTrigger, "CustomEmailSender_", {
    SignUp => "SignUp", "sign-up";
    ResendCode => "ResendCode", "resend-code";
    ForgotPassword => "ForgotPassword", "forgot-password";
    UpdateUserAttribute => "UpdateUserAttribute", "update-user-attribute";
    VerifyUserAttribute => "VerifyUserAttribute", "verify-user-attribute";
    AdminCreateUser => "AdminCreateUser", "admin-create-user";
    AccountTakeOverNotification => "AccountTakeOverNotification", "account-takeover";
    Authentication => "Authentication", "authentication";
});

trigger_enum!(SmsTrigger, "CustomSMSSender_", {
    SignUp => "SignUp", "sign-up";
    ResendCode => "ResendCode", "resend-code";
    ForgotPassword => "ForgotPassword", "forgot-password";
    UpdateUserAttribute => "UpdateUserAttribute", "update-user-attribute";
    VerifyUserAttribute => "VerifyUserAttribute", "verify-user-attribute";
    Authentication => "Authentication", "authentication";
    AdminCreateUser => "AdminCreateUser", "admin-create-user";
});

const EMAIL_PREFIX: &str = "CustomEmailSender_";
const SMS_PREFIX: &str = "CustomSMSSender_";

/// The template used for trigger sources this version does not know.
pub const FALLBACK_TEMPLATE: &str = "code";

impl TriggerSource {
    /// All 15 known custom sender sources.
    pub fn all_known() -> impl Iterator<Item = TriggerSource> {
        EmailTrigger::ALL
            .iter()
            .map(|t| TriggerSource::Email(*t))
            .chain(SmsTrigger::ALL.iter().map(|t| TriggerSource::Sms(*t)))
    }

    /// The channel the source delivers through, if it can be told from the name.
    pub fn channel(&self) -> Option<Channel> {
        match self {
            TriggerSource::Email(_) => Some(Channel::Email),
            TriggerSource::Sms(_) => Some(Channel::Sms),
            TriggerSource::Unknown(name) if name.starts_with(EMAIL_PREFIX) => Some(Channel::Email),
            TriggerSource::Unknown(name) if name.starts_with(SMS_PREFIX) => Some(Channel::Sms),
            TriggerSource::Unknown(_) => None,
        }
    }

    /// The embedded template for this source.
    pub fn template(&self) -> &'static str {
        match self {
            TriggerSource::Email(t) => t.template(),
            TriggerSource::Sms(t) => t.template(),
            TriggerSource::Unknown(_) => FALLBACK_TEMPLATE,
        }
    }

    /// Whether the event must carry a code. Only the takeover notification has none.
    pub fn requires_code(&self) -> bool {
        !matches!(
            self,
            TriggerSource::Email(EmailTrigger::AccountTakeOverNotification)
        )
    }

    /// How long Cognito keeps the source's code usable, by default: an MFA code
    /// 3 minutes, a password-reset code 1 hour, a confirmation code 24 hours, a
    /// temporary password the pool's `TemporaryPasswordValidityDays` (7 by default).
    /// `None` where there is no code.
    pub fn code_lifetime(&self) -> Option<Duration> {
        const HOUR: u64 = 3600;
        let seconds = match self {
            TriggerSource::Email(EmailTrigger::Authentication)
            | TriggerSource::Sms(SmsTrigger::Authentication) => 180,
            TriggerSource::Email(EmailTrigger::ForgotPassword)
            | TriggerSource::Sms(SmsTrigger::ForgotPassword) => HOUR,
            TriggerSource::Email(EmailTrigger::AdminCreateUser)
            | TriggerSource::Sms(SmsTrigger::AdminCreateUser) => 7 * 24 * HOUR,
            TriggerSource::Email(EmailTrigger::AccountTakeOverNotification)
            | TriggerSource::Unknown(_) => return None,
            TriggerSource::Email(_) | TriggerSource::Sms(_) => 24 * HOUR,
        };
        Some(Duration::from_secs(seconds))
    }

    /// Whether the code is a temporary password (which Cognito HTML-escapes).
    pub fn code_is_temporary_password(&self) -> bool {
        matches!(
            self,
            TriggerSource::Email(EmailTrigger::AdminCreateUser)
                | TriggerSource::Sms(SmsTrigger::AdminCreateUser)
        )
    }

    /// Parses a trigger source ignoring ASCII case, for configuration keys that
    /// went through environment variables (which figment lower-cases).
    pub fn parse_ignore_case(name: &str) -> TriggerSource {
        let known = TriggerSource::all_known().find(|t| t.to_string().eq_ignore_ascii_case(name));
        known.unwrap_or_else(|| TriggerSource::Unknown(name.to_string()))
    }
}

impl TriggerSource {
    /// The source named `name`; a name this version does not know is `Unknown`.
    pub fn parse(name: &str) -> TriggerSource {
        let known = if let Some(suffix) = name.strip_prefix(EMAIL_PREFIX) {
            EmailTrigger::from_suffix(suffix).map(TriggerSource::Email)
        } else if let Some(suffix) = name.strip_prefix(SMS_PREFIX) {
            SmsTrigger::from_suffix(suffix).map(TriggerSource::Sms)
        } else {
            None
        };
        known.unwrap_or_else(|| TriggerSource::Unknown(name.to_string()))
    }
}

impl FromStr for TriggerSource {
    type Err = std::convert::Infallible;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Ok(TriggerSource::parse(name))
    }
}

impl fmt::Display for TriggerSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TriggerSource::Email(t) => write!(f, "{EMAIL_PREFIX}{}", t.suffix()),
            TriggerSource::Sms(t) => write!(f, "{SMS_PREFIX}{}", t.suffix()),
            TriggerSource::Unknown(name) => f.write_str(name),
        }
    }
}

impl<'de> Deserialize<'de> for TriggerSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(TriggerSource::parse(&String::deserialize(deserializer)?))
    }
}

impl Serialize for TriggerSource {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A `CustomEmailSender` or `CustomSMSSender` invocation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomSenderEvent {
    /// Event version (`"1"`).
    #[serde(default)]
    pub version: Option<String>,
    /// What happened (`CustomEmailSender_SignUp`, …).
    pub trigger_source: TriggerSource,
    /// The user pool's region.
    #[serde(default)]
    pub region: Option<String>,
    /// `<region>_<id>`; the code is bound to it.
    pub user_pool_id: String,
    /// The user's `username` (often the `sub`).
    pub user_name: String,
    /// Who called Cognito.
    #[serde(default, deserialize_with = "null_as_default")]
    pub caller_context: CallerContext,
    /// The trigger's payload.
    pub request: CustomSenderRequest,
}

/// Who called Cognito; each field may be null.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallerContext {
    /// The calling SDK's version.
    #[serde(default)]
    pub aws_sdk_version: Option<String>,
    /// The app client ID.
    #[serde(default)]
    pub client_id: Option<String>,
}

/// `request` of a custom sender event.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomSenderRequest {
    /// `customEmailSenderRequestV1` or `customSMSSenderRequestV1`.
    #[serde(rename = "type", default)]
    pub request_type: Option<String>,
    /// Base64 of an AWS Encryption SDK message; null for account takeover notifications.
    #[serde(default)]
    pub code: Option<String>,
    /// Key-value pairs the app passed to Cognito; may be null.
    #[serde(default, deserialize_with = "null_as_default")]
    pub client_metadata: HashMap<String, String>,
    /// The user's attributes as Cognito sends them (all strings).
    #[serde(default, deserialize_with = "null_as_default")]
    pub user_attributes: HashMap<String, String>,
}

impl CustomSenderEvent {
    /// The channel for this event: from the trigger source, else from `request.type`.
    pub fn channel(&self) -> Option<Channel> {
        self.trigger_source
            .channel()
            .or(match self.request.request_type.as_deref() {
                Some("customEmailSenderRequestV1") => Some(Channel::Email),
                Some("customSMSSenderRequestV1") => Some(Channel::Sms),
                _ => None,
            })
    }

    /// A stable id of this event: hex SHA-256 over the ciphertext (or, for events
    /// without a code, the takeover `EVENT_ID`), trigger source, pool and user —
    /// never the plaintext. Lambda's retries of one event share it; two events
    /// never do (Cognito encrypts every code with a fresh data key).
    pub fn id(&self) -> Option<String> {
        let unique = self
            .code()
            .map(str::to_string)
            .or_else(|| self.request.user_attributes.get("EVENT_ID").cloned())?;
        let mut context = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
        for part in [
            unique.as_str(),
            &self.trigger_source.to_string(),
            &self.user_pool_id,
            &self.user_name,
        ] {
            context.update(part.as_bytes());
            context.update(&[0]);
        }
        Some(switchboard_providers::text::hex(context.finish().as_ref()))
    }

    /// The non-empty code, if any.
    pub fn code(&self) -> Option<&str> {
        self.request
            .code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
    }
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Why an event could not be read.
#[derive(Debug, thiserror::Error)]
#[error("malformed Cognito event: at `{path}`: {message}")]
pub struct EventError {
    /// Where in the event the problem is (`request.userAttributes`).
    pub path: String,
    /// What is wrong there.
    pub message: String,
}

/// Reads a custom sender event from the payload Lambda decoded, naming the
/// offending field on failure.
pub fn from_value(payload: serde_json::Value) -> Result<CustomSenderEvent, EventError> {
    serde_path_to_error::deserialize(payload).map_err(|e| EventError {
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

/// Parses a custom sender event from JSON, naming the offending field on failure.
pub fn parse_custom_sender(json: &[u8]) -> Result<CustomSenderEvent, EventError> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let event: CustomSenderEvent =
        serde_path_to_error::deserialize(&mut de).map_err(|e| EventError {
            path: e.path().to_string(),
            message: e.inner().to_string(),
        })?;
    de.end().map_err(|e| EventError {
        path: ".".into(),
        message: e.to_string(),
    })?;
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_source_round_trips_through_its_name() {
        let all: Vec<_> = TriggerSource::all_known().collect();
        assert_eq!(all.len(), 15);
        for source in all {
            let name = source.to_string();
            assert_eq!(name.parse::<TriggerSource>().unwrap(), source, "{name}");
            assert_eq!(
                TriggerSource::parse_ignore_case(&name.to_lowercase()),
                source
            );
        }
    }

    #[test]
    fn unknown_sources_keep_their_name_and_channel() {
        let t: TriggerSource = "CustomEmailSender_SomethingNew".parse().unwrap();
        assert_eq!(
            t,
            TriggerSource::Unknown("CustomEmailSender_SomethingNew".into())
        );
        assert_eq!(t.channel(), Some(Channel::Email));
        assert_eq!(t.template(), FALLBACK_TEMPLATE);
        let t: TriggerSource = "Whatever".parse().unwrap();
        assert_eq!(t.channel(), None);
    }

    #[test]
    fn nulls_and_extra_fields_are_tolerated() {
        let event = parse_custom_sender(
            br#"{"version":"1","triggerSource":"CustomEmailSender_AccountTakeOverNotification",
                "region":"us-east-1","userPoolId":"us-east-1_Abc","userName":"u",
                "callerContext":{"awsSdkVersion":null,"clientId":null},
                "request":{"type":"customEmailSenderRequestV1","code":null,"clientMetadata":null,
                           "userAttributes":{"EVENT_ID":"e1"},"somethingNew":1},
                "response":{}, "brandNew": [1,2]}"#,
        )
        .unwrap();
        assert_eq!(event.code(), None);
        assert!(event.request.client_metadata.is_empty());
        assert_eq!(event.caller_context.client_id, None);
        assert_eq!(event.channel(), Some(Channel::Email));
    }

    #[test]
    fn missing_required_field_is_named() {
        let err = parse_custom_sender(
            br#"{"triggerSource":"CustomSMSSender_SignUp","userName":"u","request":{}}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("userPoolId"), "{err}");
    }

    #[test]
    fn wrong_type_is_located() {
        let err = parse_custom_sender(
            br#"{"triggerSource":"CustomSMSSender_SignUp","userPoolId":"p","userName":"u","request":{"userAttributes":{"email":5}}}"#,
        )
        .unwrap_err();
        assert_eq!(err.path, "request.userAttributes.email");
    }

    #[test]
    fn channel_of_unknown_source_falls_back_to_request_type() {
        let event = parse_custom_sender(
            br#"{"triggerSource":"Future","userPoolId":"p","userName":"u","request":{"type":"customSMSSenderRequestV1"}}"#,
        )
        .unwrap();
        assert_eq!(event.channel(), Some(Channel::Sms));
    }
}
