//! Amazon SNS `Publish` straight to a phone number, as a transactional SMS.

use async_trait::async_trait;
use aws_sdk_sns::error::{DisplayErrorContext, SdkError};
use aws_sdk_sns::operation::publish::PublishError;
use aws_sdk_sns::types::MessageAttributeValue;

mod config;

pub use config::SnsConfig;

use crate::text::redact;
use crate::{Backend, Channel, ErrorKind, SendError, SmsMessage};

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

    fn error(error: SdkError<PublishError>) -> SendError {
        let detail = redact(&DisplayErrorContext(&error).to_string());
        let Some(service) = error.as_service_error() else {
            let kind = match &error {
                SdkError::TimeoutError(_) => ErrorKind::Timeout,
                _ => ErrorKind::Unavailable,
            };
            return SendError::backend(kind, format!("SNS unreachable: {detail}"));
        };
        // An error message may name the number: masked.
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
        SendError::backend(kind, format!("SNS {code}: {message}")).with_temporary(temporary)
    }
}

#[async_trait]
impl Backend for Sns {
    const CHANNELS: &'static [Channel] = &[Channel::Sms];

    async fn send_sms(&self, sms: &SmsMessage) -> Result<String, SendError> {
        let attribute = |value: &str| {
            string_attribute(value).map_err(|e| {
                SendError::backend(ErrorKind::Config, format!("bad SNS message attribute: {e}"))
            })
        };
        let mut request = self
            .client
            .publish()
            .phone_number(&sms.to)
            .message(&sms.body)
            .message_attributes("AWS.SNS.SMS.SMSType", attribute("Transactional")?);
        let sender_id = sms
            .sender_id
            .as_ref()
            .or(self.config.sender_id.as_ref())
            .or(sms.default_sender_id.as_ref());
        if let Some(sender_id) = sender_id {
            request = request.message_attributes("AWS.SNS.SMS.SenderID", attribute(sender_id)?);
        }
        if let Some(number) = &self.config.origination_number {
            request =
                request.message_attributes("AWS.MM.SMS.OriginationNumber", attribute(number)?);
        }
        if let Some(price) = &self.config.max_price {
            request = request.message_attributes("AWS.SNS.SMS.MaxPrice", attribute(price)?);
        }
        let output = request.send().await.map_err(Self::error)?;
        Ok(output.message_id().unwrap_or("unknown").to_string())
    }
}
