//! `[providers.NAME]` sections: which backend a `type` names, and building it.
//!
//! Each backend's settings are one serde struct next to the backend (the OpenDAL
//! pattern); this file only dispatches on `type`. Reading a section is left to the
//! caller through [`SectionReader`], so that the configuration layer can read each
//! key straight from its source (and name `providers.NAME.key` in its errors).

use std::collections::HashMap;
use std::sync::Arc;

use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{
    AwsSmsConfig, ErrorKind, MailgunConfig, OutboxConfig, PostmarkConfig, ResendConfig,
    SecretSource, SecretValue, SendError, SendGridConfig, Sender, SesConfig, SmtpConfig, SnsConfig,
    TwilioConfig, WebhookConfig,
};

/// One configured provider; the variant is its `type`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
#[non_exhaustive]
pub enum ProviderConfig {
    /// `type = "outbox"`: files in a directory (development).
    Outbox(OutboxConfig),
    /// `type = "sendgrid"`.
    Sendgrid(SendGridConfig),
    /// `type = "mailgun"`.
    Mailgun(MailgunConfig),
    /// `type = "postmark"`.
    Postmark(PostmarkConfig),
    /// `type = "resend"`.
    Resend(ResendConfig),
    /// `type = "smtp"`.
    Smtp(SmtpConfig),
    /// `type = "ses"`: Amazon SES v2.
    Ses(SesConfig),
    /// `type = "twilio"`.
    Twilio(TwilioConfig),
    /// `type = "sns"`: Amazon SNS SMS.
    Sns(SnsConfig),
    /// `type = "aws-sms"`: AWS End User Messaging SMS.
    #[serde(rename = "aws-sms")]
    AwsSms(AwsSmsConfig),
    /// `type = "webhook"`: a signed JSON POST.
    Webhook(WebhookConfig),
}

/// Reads one `[providers.NAME]` section (without its `type` key) into a backend's
/// settings struct.
pub trait SectionReader {
    /// The reader's error.
    type Error;
    /// Deserializes the section as `T`.
    fn read<T: DeserializeOwned>(self) -> Result<T, Self::Error>;
    /// The error for a `type` that names no backend; `known` lists the valid ones.
    fn unknown_type(self, found: &str, known: &[&str]) -> Self::Error;
}

/// What building a provider needs besides its own section.
#[derive(Debug, Default)]
pub struct BuildContext<'a> {
    /// The function's AWS configuration (SES, SNS, End User Messaging SMS).
    pub aws: Option<&'a aws_types::SdkConfig>,
    /// Secret references resolved at cold start, by their configured text.
    pub secrets: HashMap<String, SecretString>,
    /// The HTTP client the HTTP providers share.
    pub http: crate::http::SharedClient,
}

impl BuildContext<'_> {
    /// The value of a configured secret: a literal as it is, a reference as resolved.
    pub(crate) fn secret(
        &self,
        provider: &str,
        key: &str,
        value: &SecretValue,
    ) -> Result<SecretString, SendError> {
        if let SecretSource::Inline(text) = value.source() {
            return Ok(SecretString::from(text.to_string()));
        }
        self.secrets
            .get(value.configured())
            .cloned()
            .ok_or_else(|| {
                SendError::new(
                    provider,
                    ErrorKind::Config,
                    format!("`{key}` = `{value}` was not resolved before building the provider"),
                )
            })
    }

    /// The AWS configuration for a sending client, in `region` when the provider
    /// names one. The SDK's own retries are off: [`crate::layer::Retry`] is the one
    /// retry, so a throttled send is not repeated 3 × 3 times (and an SMS sent
    /// more often than it must).
    pub(crate) fn aws_for_sending(
        &self,
        provider: &str,
        region: Option<&str>,
    ) -> Result<aws_types::SdkConfig, SendError> {
        let aws = self.aws.ok_or_else(|| {
            SendError::new(
                provider,
                ErrorKind::Config,
                "no AWS configuration was loaded",
            )
        })?;
        let mut builder = aws
            .to_builder()
            .retry_config(aws_types::sdk_config::RetryConfig::disabled());
        if let Some(region) = region {
            builder = builder.region(aws_types::region::Region::new(region.to_string()));
        }
        Ok(builder.build())
    }
}

impl ProviderConfig {
    /// Every `type` value, in the order the documentation lists them.
    pub const TYPES: &'static [&'static str] = &[
        "outbox", "sendgrid", "mailgun", "postmark", "resend", "smtp", "ses", "twilio", "sns",
        "aws-sms", "webhook",
    ];

    /// Reads the section of a provider of `type_name`.
    pub fn read<R: SectionReader>(type_name: &str, reader: R) -> Result<Self, R::Error> {
        Ok(match type_name {
            "outbox" => ProviderConfig::Outbox(reader.read()?),
            "sendgrid" => ProviderConfig::Sendgrid(reader.read()?),
            "mailgun" => ProviderConfig::Mailgun(reader.read()?),
            "postmark" => ProviderConfig::Postmark(reader.read()?),
            "resend" => ProviderConfig::Resend(reader.read()?),
            "smtp" => ProviderConfig::Smtp(reader.read()?),
            "ses" => ProviderConfig::Ses(reader.read()?),
            "twilio" => ProviderConfig::Twilio(reader.read()?),
            "sns" => ProviderConfig::Sns(reader.read()?),
            "aws-sms" => ProviderConfig::AwsSms(reader.read()?),
            "webhook" => ProviderConfig::Webhook(reader.read()?),
            other => return Err(reader.unknown_type(other, Self::TYPES)),
        })
    }

    /// The `type` value.
    pub fn type_name(&self) -> &'static str {
        match self {
            ProviderConfig::Outbox(_) => "outbox",
            ProviderConfig::Sendgrid(_) => "sendgrid",
            ProviderConfig::Mailgun(_) => "mailgun",
            ProviderConfig::Postmark(_) => "postmark",
            ProviderConfig::Resend(_) => "resend",
            ProviderConfig::Smtp(_) => "smtp",
            ProviderConfig::Ses(_) => "ses",
            ProviderConfig::Twilio(_) => "twilio",
            ProviderConfig::Sns(_) => "sns",
            ProviderConfig::AwsSms(_) => "aws-sms",
            ProviderConfig::Webhook(_) => "webhook",
        }
    }

    /// The secret settings: (key, value).
    pub fn secrets(&self) -> Vec<(&'static str, &SecretValue)> {
        match self {
            ProviderConfig::Sendgrid(c) => vec![("api_key", &c.api_key)],
            ProviderConfig::Mailgun(c) => vec![("api_key", &c.api_key)],
            ProviderConfig::Postmark(c) => vec![("api_key", &c.api_key)],
            ProviderConfig::Resend(c) => vec![("api_key", &c.api_key)],
            ProviderConfig::Smtp(c) => c.password.iter().map(|p| ("password", p)).collect(),
            ProviderConfig::Twilio(c) => c
                .auth_token
                .iter()
                .map(|t| ("auth_token", t))
                .chain(c.api_key_secret.iter().map(|s| ("api_key_secret", s)))
                .collect(),
            ProviderConfig::Webhook(c) => vec![("secret", &c.secret)],
            ProviderConfig::Outbox(_)
            | ProviderConfig::Ses(_)
            | ProviderConfig::Sns(_)
            | ProviderConfig::AwsSms(_) => Vec::new(),
        }
    }

    /// Whether building this provider needs AWS credentials (its service or a secret).
    pub fn needs_aws(&self) -> bool {
        matches!(
            self,
            ProviderConfig::Ses(_) | ProviderConfig::Sns(_) | ProviderConfig::AwsSms(_)
        ) || self.secrets().iter().any(|(_, value)| value.needs_aws())
    }

    /// Whether this provider only writes files (and so reaches nobody inside Lambda).
    pub fn is_outbox(&self) -> bool {
        matches!(self, ProviderConfig::Outbox(_))
    }

    /// Whether this provider accepts messages without delivering them (SendGrid's
    /// sandbox mode, Postmark's test token): an `Ok` for a message nobody receives.
    pub fn is_sandboxed(&self) -> bool {
        match self {
            ProviderConfig::Sendgrid(c) => c.sandbox_mode,
            ProviderConfig::Postmark(c) => c.is_test_token(),
            _ => false,
        }
    }

    /// Builds the provider named `name`. Errors are [`ErrorKind::Config`] and name the key.
    pub fn into_sender(
        &self,
        name: &str,
        context: &BuildContext<'_>,
    ) -> Result<Arc<dyn Sender>, SendError> {
        Ok(match self {
            ProviderConfig::Outbox(c) => Arc::new(c.into_sender(name)),
            ProviderConfig::Sendgrid(c) => Arc::new(c.into_sender(name, context)?),
            ProviderConfig::Mailgun(c) => Arc::new(c.into_sender(name, context)?),
            ProviderConfig::Postmark(c) => Arc::new(c.into_sender(name, context)?),
            ProviderConfig::Resend(c) => Arc::new(c.into_sender(name, context)?),
            ProviderConfig::Smtp(c) => Arc::new(c.into_sender(name, context)?),
            ProviderConfig::Ses(c) => Arc::new(c.into_sender(name, context)?),
            ProviderConfig::Twilio(c) => Arc::new(c.into_sender(name, context)?),
            ProviderConfig::Sns(c) => Arc::new(c.into_sender(name, context)?),
            ProviderConfig::AwsSms(c) => Arc::new(c.into_sender(name, context)?),
            ProviderConfig::Webhook(c) => Arc::new(c.into_sender(name, context)?),
        })
    }
}
