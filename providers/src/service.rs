//! What a delivery service's `[providers.NAME]` section is: the trait each
//! service's settings implement, and what building a provider needs.
//!
//! [`crate::registry`] lists the services; everything the rest of Switchboard
//! asks about a provider (its type name, its secrets, whether it needs AWS,
//! whether it would deliver nobody inside Lambda, how it is built) comes from
//! here, so that nothing outside a service's folder names it.

use std::collections::HashMap;

use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::receipt::ReceiptReader;
use crate::{Backend, ErrorKind, Provider, SecretSource, SecretValue, SendError};

/// One service's settings, the `[providers.NAME]` section without `type`.
pub trait Service:
    DeserializeOwned + Serialize + Clone + std::fmt::Debug + Send + Sync + 'static
{
    /// The `type` value that selects this service.
    const TYPE: &'static str;
    /// Whether the service is an AWS API called with the function's credentials.
    const USES_AWS: bool = false;
    /// Whether delivered messages reach a person. `false` for a development
    /// backend, which start-up refuses inside Lambda.
    const REACHES_PEOPLE: bool = true;
    /// The keys that turn its delivery receipts on, all of them needed; none
    /// for a service without per-message receipts.
    const RECEIPT_KEYS: &'static [&'static str] = &[];

    /// The backend these settings build.
    type Backend: Backend;

    /// The secret settings, as `(key, value)`.
    fn secrets(&self) -> Vec<(&'static str, &SecretValue)> {
        Vec::new()
    }

    /// Why this provider, built from `context`'s resolved secrets, would accept
    /// messages without delivering them (a sandbox mode, a test credential), or
    /// `None`. Judged on the resolved values: a reference that resolves to a
    /// test token is as undeliverable as the token itself.
    fn never_delivers(&self, context: &BuildContext<'_>) -> Option<NeverDelivers> {
        let _ = context;
        None
    }

    /// How the hostile-provider tests drive this service through a stand-in
    /// server; `None` for a service that does not speak HTTP.
    #[cfg(feature = "testing")]
    fn stand_in() -> Option<crate::testing::StandIn> {
        None
    }

    /// Builds the backend. Errors are [`ErrorKind::Config`] and name the key.
    fn build(&self, context: &BuildContext<'_>) -> Result<Self::Backend, SendError>;

    /// The secret settings its receipts are verified with (a subset of
    /// [`Service::secrets`]): all that the receipts function resolves.
    fn receipt_secrets(&self) -> Vec<(&'static str, &SecretValue)> {
        Vec::new()
    }

    /// Its receipts' reader, built from the secrets resolved into `context`;
    /// `None` for a service without receipts or without their settings.
    fn receipts(
        &self,
        context: &BuildContext<'_>,
    ) -> Option<Result<Box<dyn ReceiptReader>, SendError>> {
        let _ = context;
        None
    }

    /// Builds the provider named `name`: the backend under its name, which
    /// every error (a build error too) carries.
    fn provider(
        &self,
        name: &str,
        context: &BuildContext<'_>,
    ) -> Result<Provider<Self::Backend>, SendError> {
        let backend = self.build(context).map_err(|error| error.named(name))?;
        Ok(Provider::new(name, backend))
    }
}

/// A setting that makes a provider accept messages and deliver none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeverDelivers {
    /// The key (`sandbox_mode`, `api_key`).
    pub key: &'static str,
    /// The setting and what it does, e.g. "sandbox_mode = true: SendGrid
    /// accepts and never delivers".
    pub why: String,
    /// What to do, with `{variable}` where the environment variable that sets
    /// the key belongs, e.g. "set {variable}=false".
    pub fix: String,
}

/// How opening one origin's connection at cold start went
/// ([`BuildContext::preconnect`]).
#[derive(Debug)]
pub struct Preconnected {
    /// `https://host[:port]`: never a path, which may carry a token.
    pub origin: String,
    /// The status the origin answered the `HEAD /` with, or why it did not.
    pub outcome: Result<u16, String>,
}

/// What building a provider needs besides its own section.
#[derive(Debug, Default)]
pub struct BuildContext<'a> {
    /// The function's AWS configuration (SES, SNS, End User Messaging SMS).
    pub aws: Option<&'a aws_types::SdkConfig>,
    /// Secret references resolved at cold start, by their configured text.
    pub secrets: HashMap<String, SecretString>,
    /// The HTTP client the HTTP providers share.
    #[cfg(feature = "http")]
    pub http: crate::http::SharedClient,
    /// Whether the function runs inside AWS Lambda, where what is only safe
    /// on a developer's machine is refused.
    pub inside_lambda: bool,
    /// The receipts function's URL (`receipts.url`), under which a provider
    /// that takes a per-message callback gets its own path.
    pub receipts_url: Option<String>,
}

impl BuildContext<'_> {
    /// How many origins the providers built so far call: with
    /// [`BuildContext::origins_since`], which one provider's build added.
    pub fn origins_recorded(&self) -> usize {
        #[cfg(feature = "http")]
        return self.http.origins_recorded();
        #[cfg(not(feature = "http"))]
        0
    }

    /// The origins (`https://host[:port]`) recorded after the first `recorded`.
    pub fn origins_since(&self, recorded: usize) -> Vec<String> {
        #[cfg(feature = "http")]
        return self.http.origins_since(recorded);
        #[cfg(not(feature = "http"))]
        {
            let _ = recorded;
            Vec::new()
        }
    }

    /// Opens one connection to each of `origins`, each bounded by `timeout`
    /// (see `SharedClient::preconnect`); nothing without HTTP services.
    pub fn preconnect(
        &self,
        origins: std::collections::BTreeSet<String>,
        timeout: std::time::Duration,
    ) -> impl std::future::Future<Output = Vec<Preconnected>> + Send + 'static {
        #[cfg(feature = "http")]
        return self.http.preconnect(origins, timeout);
        #[cfg(not(feature = "http"))]
        {
            let _ = (origins, timeout);
            std::future::ready(Vec::new())
        }
    }

    /// The value of a configured secret `key`: a literal as it is, a reference as resolved.
    pub fn secret(&self, key: &str, value: &SecretValue) -> Result<SecretString, SendError> {
        if let SecretSource::Inline(text) = value.source() {
            return Ok(SecretString::from(text.to_string()));
        }
        self.secrets
            .get(value.configured())
            .cloned()
            .ok_or_else(|| {
                SendError::backend(
                    ErrorKind::Config,
                    format!("`{key}` = `{value}` was not resolved before building the provider"),
                )
            })
    }

    /// The AWS configuration for a sending client, in `region` when the provider
    /// names one. The SDK's own retries are off: [`crate::layer::Retry`] is the one
    /// retry, so a throttled send is not repeated 3 × 3 times (and an SMS sent
    /// more often than it must).
    pub fn aws_for_sending(&self, region: Option<&str>) -> Result<aws_types::SdkConfig, SendError> {
        let aws = self.aws.ok_or_else(|| {
            SendError::backend(ErrorKind::Config, "no AWS configuration was loaded")
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
