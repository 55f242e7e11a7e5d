//! Finds a user's email address or phone number in Cognito when the event does
//! not carry it (account takeover notifications may have no `email` attribute).

use std::time::Instant;

use aws_sdk_cognitoidentityprovider::Client;

use crate::aws;

/// Cognito `AdminGetUser`, with a client built once per cold start.
#[derive(Debug, Clone)]
pub struct UserDirectory {
    client: Client,
}

/// Why a look-up failed.
#[derive(Debug, thiserror::Error)]
#[error("AdminGetUser for user `{user}` in pool `{pool}` failed: {detail}")]
pub struct LookupError {
    pool: String,
    user: String,
    detail: String,
}

impl UserDirectory {
    /// A directory on the standard AWS configuration chain.
    pub fn new(sdk_config: &aws_config::SdkConfig) -> Self {
        UserDirectory {
            client: Client::new(&aws::with_timeouts(sdk_config, aws::COGNITO)),
        }
    }

    /// The value of `attribute` for `user` in `pool`, if the user has one; the
    /// call ends by `deadline` (a read: the SDK may retry it).
    pub async fn attribute(
        &self,
        pool: &str,
        user: &str,
        attribute: &str,
        deadline: Option<Instant>,
    ) -> Result<Option<String>, LookupError> {
        let failed = |detail: String| LookupError {
            pool: pool.to_string(),
            user: switchboard_providers::mask_username(user),
            detail,
        };
        let timeouts = aws::COGNITO
            .until(deadline)
            .ok_or_else(|| failed("no time left before the event's deadline".into()))?;
        let output = self
            .client
            .admin_get_user()
            .user_pool_id(pool)
            .username(user)
            .customize()
            .config_override(
                aws_sdk_cognitoidentityprovider::config::Builder::default()
                    .timeout_config(timeouts),
            )
            .send()
            .await
            .map_err(|e| {
                let detail = match e.as_service_error() {
                    Some(service) => format!("{service} (the function's role needs cognito-idp:AdminGetUser on the pool)"),
                    None => format!("{}", aws_sdk_cognitoidentityprovider::error::DisplayErrorContext(&e)),
                };
                failed(switchboard_providers::text::redact(&detail))
            })?;
        Ok(output
            .user_attributes()
            .iter()
            .find(|a| a.name() == attribute)
            .and_then(|a| a.value().map(str::to_string))
            .filter(|v| !v.trim().is_empty()))
    }
}
