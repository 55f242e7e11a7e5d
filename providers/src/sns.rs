//! Amazon SNS `Publish` straight to a phone number, as a transactional SMS.

use async_trait::async_trait;
use aws_sdk_sns::error::{DisplayErrorContext, SdkError};
use aws_sdk_sns::operation::publish::PublishError;
use aws_sdk_sns::types::MessageAttributeValue;

use crate::{Channel, Delivery, ErrorKind, Message, SendError, Sender};

/// Settings for [`Sns`].
#[derive(Debug, Clone, Default)]
pub struct SnsConfig {
    /// Alphanumeric sender ID where the destination country supports it.
    pub sender_id: Option<String>,
    /// Origination number (E.164) registered in your account.
    pub origination_number: Option<String>,
    /// Most USD to pay for one message, e.g. `"0.50"`.
    pub max_price: Option<String>,
}

/// The Amazon SNS backend. The client comes from the function's credentials.
#[derive(Debug)]
pub struct Sns {
    name: String,
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
    /// An SNS backend named `name` on `client` (built once per cold start).
    pub fn new(name: impl Into<String>, client: aws_sdk_sns::Client, config: SnsConfig) -> Self {
        Sns {
            name: name.into(),
            client,
            config,
        }
    }

    fn error(&self, error: SdkError<PublishError>) -> SendError {
        let detail = format!("{}", DisplayErrorContext(&error));
        let Some(service) = error.as_service_error() else {
            let kind = match &error {
                SdkError::TimeoutError(_) => ErrorKind::Timeout,
                _ => ErrorKind::Unavailable,
            };
            return SendError::new(&self.name, kind, format!("SNS unreachable: {detail}"));
        };
        let message = service.meta().message().unwrap_or_default().to_string();
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
        SendError::new(&self.name, kind, format!("SNS {code}: {message}")).with_temporary(temporary)
    }
}

#[async_trait]
impl Sender for Sns {
    fn name(&self) -> &str {
        &self.name
    }

    fn channels(&self) -> &[Channel] {
        &[Channel::Sms]
    }

    async fn send(&self, message: &Message) -> Result<Delivery, SendError> {
        let sms = message.sms_only(&self.name)?;
        let attribute = |value: &str| {
            string_attribute(value).map_err(|e| {
                SendError::new(
                    &self.name,
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
        let output = request.send().await.map_err(|e| self.error(e))?;
        Ok(Delivery::new(
            self.name.clone(),
            output.message_id().unwrap_or("unknown").to_string(),
        ))
    }
}
