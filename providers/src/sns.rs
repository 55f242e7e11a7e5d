//! Amazon SNS `Publish` straight to a phone number, as a transactional SMS.

use async_trait::async_trait;
use aws_sdk_sns::error::{DisplayErrorContext, SdkError};
use aws_sdk_sns::operation::publish::PublishError;
use aws_sdk_sns::types::MessageAttributeValue;

use serde::{Deserialize, Serialize};

use crate::text::redact;

use crate::{Backend, BuildContext, Channel, ErrorKind, Message, Provider, SendError};

/// `type = "sns"`: `Publish` to a phone number, `SMSType` Transactional.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SnsConfig {
    /// SNS region, if not the function's.
    #[serde(default)]
    pub region: Option<String>,
    /// Alphanumeric sender ID where the destination country supports it.
    #[serde(default)]
    pub sender_id: Option<String>,
    /// Origination number (E.164) registered in your account.
    #[serde(default)]
    pub origination_number: Option<String>,
    /// Most USD to pay for one message, e.g. `"0.50"`.
    #[serde(default)]
    pub max_price: Option<String>,
}

impl SnsConfig {
    /// Builds the provider named `name` with the function's AWS configuration.
    pub fn into_sender(
        &self,
        name: &str,
        context: &BuildContext<'_>,
    ) -> Result<Provider<Sns>, SendError> {
        let aws = context.aws_for_sending(name, self.region.as_deref())?;
        Ok(Provider::new(
            name,
            Sns::new(aws_sdk_sns::Client::new(&aws), self.clone()),
        ))
    }
}

/// The Amazon SNS backend. The client comes from the function's credentials.
#[derive(Debug)]
pub struct Sns {
    client: aws_sdk_sns::Client,
    config: SnsConfig,
}

fn string_attribute(value: &str) -> Result<MessageAttributeValue, aws_sdk_sns::error::BuildError> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
}

impl Sns {
    /// An SNS backend on `client` (built once per cold start).
    pub fn new(client: aws_sdk_sns::Client, config: SnsConfig) -> Self {
        Sns { client, config }
    }

    fn error(provider: &str, error: SdkError<PublishError>) -> SendError {
        let detail = redact(&DisplayErrorContext(&error).to_string());
        let Some(service) = error.as_service_error() else {
            let kind = match &error {
                SdkError::TimeoutError(_) => ErrorKind::Timeout,
                _ => ErrorKind::Unavailable,
            };
            return SendError::new(provider, kind, format!("SNS unreachable: {detail}"));
        };
        // SES names unverified identities, addresses included: masked.
        let message = redact(service.meta().message().unwrap_or_default());
        let code = service.meta().code().unwrap_or("error").to_string();
        let (kind, temporary) = match service {
            PublishError::KmsThrottlingException(_) => (ErrorKind::RateLimited, true),
            PublishError::InvalidParameterException(_)
            | PublishError::InvalidParameterValueException(_) => (ErrorKind::Rejected, false),
            PublishError::AuthorizationErrorException(_) => (ErrorKind::Auth, false),
            PublishError::InternalErrorException(_) => (ErrorKind::Unavailable, true),
            _ if code.contains("Throttl") => (ErrorKind::RateLimited, true),
            _ => (ErrorKind::Other, false),
        };
        SendError::new(provider, kind, format!("SNS {code}: {message}")).with_temporary(temporary)
    }
}

#[async_trait]
impl Backend for Sns {
    const CHANNELS: &'static [Channel] = &[Channel::Sms];

    async fn deliver(&self, provider: &str, message: &Message) -> Result<String, SendError> {
        let sms = message.sms_only(provider)?;
        let attribute = |value: &str| {
            string_attribute(value).map_err(|e| {
                SendError::new(
                    provider,
                    ErrorKind::Config,
                    format!("bad SNS message attribute: {e}"),
                )
            })
        };
        let mut request = self
            .client
            .publish()
            .phone_number(&sms.to)
            .message(&sms.body)
            .message_attributes("AWS.SNS.SMS.SMSType", attribute("Transactional")?);
        if let Some(sender_id) = sms.sender_id.as_ref().or(self.config.sender_id.as_ref()) {
            request = request.message_attributes("AWS.SNS.SMS.SenderID", attribute(sender_id)?);
        }
        if let Some(number) = &self.config.origination_number {
            request =
                request.message_attributes("AWS.MM.SMS.OriginationNumber", attribute(number)?);
        }
        if let Some(price) = &self.config.max_price {
            request = request.message_attributes("AWS.SNS.SMS.MaxPrice", attribute(price)?);
        }
        let output = request.send().await.map_err(|e| Self::error(provider, e))?;
        Ok(output.message_id().unwrap_or("unknown").to_string())
    }
}
