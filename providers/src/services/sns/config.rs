//! `[providers.NAME]` with `type = "sns"`.

use serde::{Deserialize, Serialize};

use super::Sns;
use crate::{BuildContext, SendError, Service};

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

impl Service for SnsConfig {
    const TYPE: &'static str = "sns";
    const USES_AWS: bool = true;
    type Backend = Sns;

    /// With the function's AWS configuration.
    fn build(&self, context: &BuildContext<'_>) -> Result<Sns, SendError> {
        let aws = context.aws_for_sending(self.region.as_deref())?;
        Ok(Sns::new(aws_sdk_sns::Client::new(&aws), self.clone()))
    }
}

