//! AWS End User Messaging SMS (`pinpoint-sms-voice-v2` `SendTextMessage`): the
//! service SNS SMS passes through to, with origination identities, configuration
//! sets and Protect configurations of its own.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_pinpointsmsvoicev2::error::{DisplayErrorContext, SdkError};
use aws_sdk_pinpointsmsvoicev2::operation::send_text_message::SendTextMessageError;
use aws_sdk_pinpointsmsvoicev2::types::{
    ConflictExceptionReason, MessageType, ValidationExceptionReason,
};

mod config;
mod receipts;

pub use config::{AwsSmsConfig, SmsMessageType};

use crate::correlation::Correlation;
use crate::text::redact;
use crate::{Backend, Channel, ErrorKind, MessageContext, SendError, SmsMessage};

/// The AWS End User Messaging SMS backend.
#[derive(Debug)]
pub struct AwsSms {
    client: aws_sdk_pinpointsmsvoicev2::Client,
    config: AwsSmsConfig,
}

/// Conflict reasons that are about the destination itself: another provider
/// must not try it either (an opt-out, or a country your Protect configuration blocks).
const DESTINATION_CONFLICTS: &[ConflictExceptionReason] = &[
    ConflictExceptionReason::DestinationPhoneNumberOptedOut,
    ConflictExceptionReason::DestinationPhoneNumberNotVerified,
    ConflictExceptionReason::DestinationCountryBlockedByProtectConfiguration,
];

/// Validation reasons that are about the destination itself.
const DESTINATION_VALIDATIONS: &[ValidationExceptionReason] =
    &[ValidationExceptionReason::DestinationCountryBlocked];

impl AwsSms {
    /// A backend on `client` (built once per cold start).
    pub fn new(client: aws_sdk_pinpointsmsvoicev2::Client, config: AwsSmsConfig) -> Self {
        AwsSms { client, config }
    }

    fn error(error: SdkError<SendTextMessageError>) -> SendError {
        let detail = redact(&DisplayErrorContext(&error).to_string());
        let Some(service) = error.as_service_error() else {
            let kind = match &error {
                SdkError::TimeoutError(_) => ErrorKind::Timeout,
                _ => ErrorKind::Unavailable,
            };
            return SendError::backend(
                kind,
                format!("AWS End User Messaging SMS unreachable: {detail}"),
            );
        };
        let message = redact(service.meta().message().unwrap_or_default());
        let code = service.meta().code().unwrap_or("error");
        let (kind, reason) = match service {
            SendTextMessageError::ThrottlingException(_) => (ErrorKind::RateLimited, None),
            SendTextMessageError::InternalServerException(_) => (ErrorKind::Unavailable, None),
            SendTextMessageError::AccessDeniedException(_) => (ErrorKind::Auth, None),
            SendTextMessageError::ResourceNotFoundException(_) => (ErrorKind::Config, None),
            SendTextMessageError::ValidationException(e) => {
                let about_destination = e
                    .reason()
                    .is_some_and(|r| DESTINATION_VALIDATIONS.contains(r))
                    || e.fields()
                        .iter()
                        .any(|f| f.name() == "DestinationPhoneNumber");
                let kind = if about_destination {
                    ErrorKind::Rejected
                } else {
                    ErrorKind::Config
                };
                (kind, e.reason().map(|r| r.as_str().to_string()))
            }
            SendTextMessageError::ConflictException(e) => {
                let kind = if e
                    .reason()
                    .is_some_and(|r| DESTINATION_CONFLICTS.contains(r))
                {
                    ErrorKind::Rejected
                } else {
                    ErrorKind::Config
                };
                (kind, e.reason().map(|r| r.as_str().to_string()))
            }
            // A spend limit or daily quota: no retry helps, another provider may.
            SendTextMessageError::ServiceQuotaExceededException(e) => {
                (ErrorKind::Other, e.reason().map(|r| r.as_str().to_string()))
            }
            _ if code.contains("Throttl") => (ErrorKind::RateLimited, None),
            _ => (ErrorKind::Other, None),
        };
        let reason = reason.map(|r| format!(" [{r}]")).unwrap_or_default();
        SendError::backend(
            kind,
            format!("AWS End User Messaging SMS {code}{reason}: {message}"),
        )
    }
}

/// `Context` of the request: shows up in event destinations next to the message,
/// so a delivery record says which Cognito flow and pool sent it, and for which
/// event when (`crate::correlation`). Empty values are left out (the service
/// refuses them).
fn context(message: &MessageContext) -> HashMap<String, String> {
    let mut pairs = vec![
        ("TriggerSource", message.trigger_source.clone()),
        ("UserPoolId", message.user_pool_id.clone()),
    ];
    if let Some(correlation) = Correlation::now(message) {
        pairs.extend(correlation.pairs());
    }
    pairs
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| (key.to_string(), value))
        .collect()
}

/// `TimeToLive` in seconds, within what the API accepts (5 s to 72 hours): the
/// service stops trying to hand off a message after it.
fn time_to_live(validity: std::time::Duration) -> i32 {
    validity.as_secs().clamp(5, 259_200) as i32
}

#[async_trait]
impl Backend for AwsSms {
    const CHANNELS: &'static [Channel] = &[Channel::Sms];

    async fn send_sms(&self, sms: &SmsMessage) -> Result<String, SendError> {
        let message_type = match self.config.message_type {
            SmsMessageType::Transactional => MessageType::Transactional,
            SmsMessageType::Promotional => MessageType::Promotional,
        };
        // This message's sender, else the provider's own, else the channel's default.
        let origination = sms
            .sender_id
            .as_ref()
            .or(self.config.origination_identity.as_ref())
            .or(sms.default_sender_id.as_ref());
        let output = self
            .client
            .send_text_message()
            .destination_phone_number(&sms.to)
            .message_body(&sms.body)
            .message_type(message_type)
            .set_origination_identity(origination.cloned())
            .set_configuration_set_name(self.config.configuration_set.clone())
            .set_protect_configuration_id(self.config.protect_configuration_id.clone())
            .set_max_price(self.config.max_price.clone())
            .set_time_to_live(sms.validity.map(time_to_live))
            .set_context(Some(context(&sms.context)))
            .send()
            .await
            .map_err(Self::error)?;
        Ok(output.message_id().unwrap_or("unknown").to_string())
    }
}
