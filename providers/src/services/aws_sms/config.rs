//! `[providers.NAME]` with `type = "aws-sms"`.

use serde::{Deserialize, Serialize};

use super::AwsSms;
use crate::{BuildContext, SendError, Service};

/// `type = "aws-sms"`: `SendTextMessage`, transactional by default.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AwsSmsConfig {
    /// Region of the origination identities, if not the function's.
    #[serde(default)]
    pub region: Option<String>,
    /// Phone number, sender ID or pool (ID or ARN) to send from; a route's or
    /// client's `sender_id` replaces it for that message.
    #[serde(default)]
    pub origination_identity: Option<String>,
    /// Configuration set (event destinations, default Protect configuration).
    #[serde(default)]
    pub configuration_set: Option<String>,
    /// Protect configuration that screens this message (SMS pumping, countries).
    #[serde(default)]
    pub protect_configuration_id: Option<String>,
    /// Most USD to pay for one message part, e.g. `"0.50"`.
    #[serde(default)]
    pub max_price: Option<String>,
    /// `TRANSACTIONAL` (default: codes and passwords) or `PROMOTIONAL`.
    #[serde(default)]
    pub message_type: SmsMessageType,
}

/// `message_type`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SmsMessageType {
    /// Time-critical messages: codes, passwords.
    #[default]
    Transactional,
    /// Marketing; cheaper routes in some countries, never for codes.
    Promotional,
}

impl Service for AwsSmsConfig {
    const TYPE: &'static str = "aws-sms";
    const RECEIPT_KEYS: &'static [&'static str] = &["configuration_set"];
    const USES_AWS: bool = true;
    type Backend = AwsSms;

    /// With the function's AWS configuration.
    /// Its configuration set's events, once it has one.
    fn receipts(
        &self,
        _: &BuildContext<'_>,
    ) -> Option<Result<Box<dyn crate::receipt::ReceiptReader>, SendError>> {
        self.configuration_set.as_ref()?;
        Some(Ok(Box::new(super::receipts::AwsSmsReceipts)))
    }

    fn build(&self, context: &BuildContext<'_>) -> Result<AwsSms, SendError> {
        let aws = context.aws_for_sending(self.region.as_deref())?;
        Ok(AwsSms::new(
            aws_sdk_pinpointsmsvoicev2::Client::new(&aws),
            self.clone(),
        ))
    }
}

