//! `[providers.NAME]` with `type = "ses"`.

use serde::{Deserialize, Serialize};

use super::Ses;
use crate::{BuildContext, SendError, Service};

/// `type = "ses"`. The `from` address must be a verified SES identity.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SesConfig {
    /// SES region, if not the function's.
    #[serde(default)]
    pub region: Option<String>,
    /// SES configuration set for event publishing.
    #[serde(default)]
    pub configuration_set: Option<String>,
    /// Identity ARN for sending authorization (`from_email_address_identity_arn`).
    #[serde(default)]
    pub from_arn: Option<String>,
}

impl Service for SesConfig {
    const TYPE: &'static str = "ses";
    const RECEIPT_KEYS: &'static [&'static str] = &["configuration_set"];
    const USES_AWS: bool = true;
    type Backend = Ses;

    /// With the function's AWS configuration.
    /// Its configuration set's events, once it has one.
    fn receipts(
        &self,
        _: &BuildContext<'_>,
    ) -> Option<Result<Box<dyn crate::receipt::ReceiptReader>, SendError>> {
        let configuration_set = self.configuration_set.clone()?;
        Some(Ok(Box::new(super::receipts::SesReceipts { configuration_set })))
    }

    fn build(&self, context: &BuildContext<'_>) -> Result<Ses, SendError> {
        let aws = context.aws_for_sending(self.region.as_deref())?;
        Ok(Ses::new(aws_sdk_sesv2::Client::new(&aws), self.clone()))
    }
}

