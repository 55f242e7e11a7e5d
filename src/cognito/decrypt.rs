//! Turns `request.code` into the plaintext code with the AWS Encryption SDK.
//!
//! Cognito encrypts with the non-committing, signed suite 0x0378
//! (`AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384`), so the client allows
//! non-committing decryption (`RequireEncryptAllowDecrypt`). Every decryption
//! passes the expected context `{"userpool-id": <event's pool>}`: without it a code
//! minted for another pool under the same key would decrypt fine.

use std::collections::HashMap;
use std::fmt;

use async_trait::async_trait;
use aws_esdk::material_providers::client as mpl_client;
use aws_esdk::material_providers::types::keyring::KeyringRef;
use aws_esdk::material_providers::types::material_providers_config::MaterialProvidersConfig;
use aws_esdk::material_providers::types::{AesWrappingAlg, EsdkCommitmentPolicy};
use aws_esdk::types::aws_encryption_sdk_config::AwsEncryptionSdkConfig;
use base64::Engine;
use secrecy::SecretString;

use super::esdk_header::{self, HeaderSummary};
use super::key_arn::KeyArn;
use super::keys::{KeyRefusal, KeySet, PoolKeys, DEV_KEY_NAMESPACE};
use crate::aws;

/// The encryption context key Cognito binds every code to.
pub const USER_POOL_CONTEXT_KEY: &str = "userpool-id";
/// Key name of the insecure development keyring.
pub const DEV_KEY_NAME: &str = "INSECURE-development-key-never-use-in-production";
/// The longest `request.code` accepted, in base64 characters. Cognito's codes
/// (one data key, a short context, a six-digit code or a password) are about a
/// thousand; anything much larger is refused before any work.
pub const MAX_CODE_CHARS: usize = 4096;
/// The algorithm suites Cognito uses: 0x0378 today (signed, not key-committing),
/// and 0x0578, its key-committing successor, should Cognito move to it.
pub const COGNITO_SUITES: &[u16] = &[0x0378, 0x0578];
/// The development wrapping key. Public on purpose: it protects nothing.
const DEV_WRAPPING_KEY: &[u8; 32] = b"switchboard-INSECURE-dev-key-000";

/// Decrypts Cognito codes.
///
/// # Contract
/// The code is returned only when the message authenticates, was made for
/// `user_pool_id`, and was encrypted under the configured key. Errors never
/// contain plaintext.
#[async_trait]
pub trait Decryptor: fmt::Debug + Send + Sync {
    /// Decrypts base64 `code` from an event of `user_pool_id`.
    async fn decrypt(&self, code: &str, user_pool_id: &str) -> Result<SecretString, DecryptError>;
}

/// Why a code could not be decrypted. Each message says what to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecryptError {
    /// `request.code` is not base64.
    #[error("request.code is not valid base64 ({0}); Cognito sends base64 of an AWS Encryption SDK message")]
    Base64(String),
    /// The code is larger than any Cognito makes.
    #[error("request.code is {0} characters; a Cognito code is under {MAX_CODE_CHARS}, so this is not one (nothing was decrypted)")]
    TooLarge(usize),
    /// An Encryption SDK message, but not of the shape Cognito makes.
    #[error("request.code is not a Cognito code: {0}")]
    NotCognito(String),
    /// The message carries no `userpool-id`, so it is not bound to any pool.
    #[error("the code's encryption context has no `userpool-id`, so it was not made by Cognito for this pool; the Encryption SDK refused it. Real Cognito always binds a code to its pool with that context; a code without one comes from an emulator or a hand-made minter (see docs/decryption.md, \"What Cognito sends\")")]
    NoUserPool,
    /// The bytes are not an Encryption SDK message.
    #[error("request.code is not an AWS Encryption SDK message: {0}. Cognito codes must be decrypted with the Encryption SDK, not with a plain KMS Decrypt call")]
    NotEsdkMessage(String),
    /// The code was minted for another user pool.
    #[error("the code was encrypted for user pool `{code_pool}` but the event comes from user pool `{event_pool}`; a code is only valid for its own pool")]
    WrongUserPool {
        /// Pool named in the message's encryption context.
        code_pool: String,
        /// Pool named in the event.
        event_pool: String,
    },
    /// The keys configured for the event's pool refuse it (another key, a pool
    /// outside the allow-list, a pool without a key).
    #[error(transparent)]
    Keys(#[from] KeyRefusal),
    /// KMS refused or failed.
    #[error("KMS {}: {detail}", if *.temporary { "is temporarily unavailable" } else { "refused to decrypt" })]
    Kms {
        /// What KMS said (no plaintext).
        detail: String,
        /// Whether retrying later may help.
        temporary: bool,
    },
    /// The message did not authenticate.
    #[error("the code failed authentication (tampered, truncated or corrupted): {0}")]
    Authentication(String),
    /// The decrypted bytes are not text.
    #[error("the decrypted code is not valid UTF-8")]
    NotUtf8,
    /// The SDK reported success without a plaintext.
    #[error("the Encryption SDK returned no plaintext for a message that authenticated")]
    NoPlaintext,
    /// The SDK or keyring could not be set up.
    #[error("cannot set up the Encryption SDK: {0}")]
    Setup(String),
}

impl DecryptError {
    /// Whether the same code may decrypt later (KMS throttling or outage).
    pub fn is_temporary(&self) -> bool {
        matches!(
            self,
            DecryptError::Kms {
                temporary: true,
                ..
            }
        )
    }
}

/// A [`Decryptor`] on the official `aws-esdk` crate. Build once per cold start.
pub struct EsdkDecryptor {
    client: aws_esdk::Client,
    keys: PoolKeys,
}

impl fmt::Debug for EsdkDecryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EsdkDecryptor")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

fn setup<E: fmt::Debug>(e: E) -> DecryptError {
    DecryptError::Setup(one_line(&format!("{e:?}")))
}

/// An Encryption SDK client with the given commitment policy.
pub(crate) fn esdk_client(policy: EsdkCommitmentPolicy) -> Result<aws_esdk::Client, DecryptError> {
    let config = AwsEncryptionSdkConfig::builder()
        .commitment_policy(policy)
        .build()
        .map_err(setup)?;
    aws_esdk::Client::from_conf(config).map_err(setup)
}

fn material_providers() -> Result<mpl_client::Client, DecryptError> {
    mpl_client::Client::from_conf(MaterialProvidersConfig::builder().build().map_err(setup)?)
        .map_err(setup)
}

/// A strict KMS keyring on exactly `key_arn`; for a multi-Region key the
/// MRK-aware one, which also decrypts codes wrapped by its replicas.
pub(crate) async fn kms_keyring(
    key_arn: &KeyArn,
    kms: aws_sdk_kms::Client,
) -> Result<KeyringRef, DecryptError> {
    let providers = material_providers()?;
    if key_arn.is_multi_region() {
        return providers
            .create_aws_kms_mrk_keyring()
            .kms_key_id(key_arn.as_str())
            .kms_client(kms)
            .send()
            .await
            .map_err(setup);
    }
    providers
        .create_aws_kms_keyring()
        .kms_key_id(key_arn.as_str())
        .kms_client(kms)
        .send()
        .await
        .map_err(setup)
}

/// One keyring that decrypts with any of `keyrings` (tried in order).
pub(crate) async fn any_of(mut keyrings: Vec<KeyringRef>) -> Result<KeyringRef, DecryptError> {
    if keyrings.len() == 1 {
        return Ok(keyrings.remove(0));
    }
    material_providers()?
        .create_multi_keyring()
        .child_keyrings(keyrings)
        .send()
        .await
        .map_err(setup)
}

/// The raw AES keyring with the public, insecure development key.
pub(crate) async fn insecure_dev_keyring() -> Result<KeyringRef, DecryptError> {
    material_providers()?
        .create_raw_aes_keyring()
        .key_namespace(DEV_KEY_NAMESPACE)
        .key_name(DEV_KEY_NAME)
        .wrapping_key(DEV_WRAPPING_KEY.to_vec())
        .wrapping_alg(AesWrappingAlg::AlgAes256GcmIv12Tag16)
        .send()
        .await
        .map_err(setup)
}

/// A KMS client in the key's own region, on the standard AWS configuration chain
/// (so `AWS_ENDPOINT_URL` points it at a local emulator).
pub fn kms_client_for(key_arn: &KeyArn, sdk_config: &aws_config::SdkConfig) -> aws_sdk_kms::Client {
    let config = aws_sdk_kms::config::Builder::from(&aws::with_timeouts(sdk_config, aws::KMS))
        .region(aws_config::Region::new(key_arn.region().to_string()))
        .build();
    aws_sdk_kms::Client::from_conf(config)
}

impl EsdkDecryptor {
    /// The production decryptor for one key: a strict KMS keyring on `key_arn`.
    pub async fn kms(key_arn: KeyArn, kms: aws_sdk_kms::Client) -> Result<Self, DecryptError> {
        let keyring = kms_keyring(&key_arn, kms).await?;
        Self::with_keys(PoolKeys::any_pool(KeySet::kms(
            "decrypt.key_arn",
            vec![key_arn],
            keyring,
        )))
    }

    /// The decryptor for keys by pool (rotation, per-pool keys, an allow-list).
    pub fn with_keys(keys: PoolKeys) -> Result<Self, DecryptError> {
        Ok(EsdkDecryptor {
            client: esdk_client(EsdkCommitmentPolicy::RequireEncryptAllowDecrypt)?,
            keys,
        })
    }

    /// The development decryptor on a fixed, public AES key. **Insecure**: for the
    /// demo and tests only; Switchboard refuses it inside Lambda.
    pub async fn insecure_dev_key() -> Result<Self, DecryptError> {
        Self::with_keys(PoolKeys::any_pool(KeySet::dev_key(
            insecure_dev_keyring().await?,
        )))
    }
}

/// Names the cause when the unauthenticated header already shows the code was
/// made for another pool.
fn explain_pool_mismatch(header: &HeaderSummary, user_pool_id: &str) -> Result<(), DecryptError> {
    match header.encryption_context.get(USER_POOL_CONTEXT_KEY) {
        Some(pool) if pool != user_pool_id => Err(DecryptError::WrongUserPool {
            code_pool: pool.clone(),
            event_pool: user_pool_id.to_string(),
        }),
        _ => Ok(()),
    }
}

#[async_trait]
impl Decryptor for EsdkDecryptor {
    async fn decrypt(&self, code: &str, user_pool_id: &str) -> Result<SecretString, DecryptError> {
        // The allow-list and per-pool keys decide before any work on the code.
        let keys = self.keys.for_pool(user_pool_id)?;
        let code = code.trim();
        if code.len() > MAX_CODE_CHARS {
            return Err(DecryptError::TooLarge(code.len()));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(code)
            .map_err(|e| DecryptError::Base64(e.to_string()))?;
        let header = esdk_header::summarise(&bytes)
            .map_err(|e| DecryptError::NotEsdkMessage(e.to_string()))?;
        check_cognito_shape(&header)?;
        explain_pool_mismatch(&header, user_pool_id)?;
        keys.explain_mismatch(&header)?;
        let bound_to_a_pool = header
            .encryption_context
            .contains_key(USER_POOL_CONTEXT_KEY);

        let context =
            HashMap::from([(USER_POOL_CONTEXT_KEY.to_string(), user_pool_id.to_string())]);
        let output = self
            .client
            .decrypt()
            .ciphertext(bytes)
            .keyring(keys.keyring())
            .encryption_context(context)
            .send()
            .await
            // The SDK enforces the binding; our header read only names the cause.
            .map_err(|e| match bound_to_a_pool {
                true => classify(&e),
                false => DecryptError::NoUserPool,
            })?;
        let plaintext = output.plaintext.ok_or(DecryptError::NoPlaintext)?;
        let text = String::from_utf8(plaintext.into_inner()).map_err(|_| DecryptError::NotUtf8)?;
        Ok(SecretString::from(text))
    }
}

/// Refuses messages Cognito does not make: another algorithm suite, or more
/// than one encrypted data key.
fn check_cognito_shape(header: &HeaderSummary) -> Result<(), DecryptError> {
    if !COGNITO_SUITES.contains(&header.suite_id) {
        return Err(DecryptError::NotCognito(format!(
            "algorithm suite 0x{:04x}; Cognito uses 0x0378 (0x0578, its key-committing successor, is accepted too)",
            header.suite_id
        )));
    }
    if header.data_keys.len() > 1 {
        return Err(DecryptError::NotCognito(format!(
            "{} encrypted data keys; real Cognito encrypts under exactly one, its pool's key (an emulator may add one per alias: see docs/decryption.md, \"What Cognito sends\")",
            header.data_keys.len()
        )));
    }
    Ok(())
}

/// What went wrong with KMS, as a user can act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KmsFailure {
    /// Throttled or failing inside KMS: retry later.
    Busy,
    /// No answer (network, timeout): retry later.
    Unreachable,
    /// The role may not use the key.
    AccessDenied,
    /// The key is disabled, pending deletion, missing or unusable.
    KeyUnusable,
}

impl KmsFailure {
    fn into_error(self, detail: String) -> DecryptError {
        let (what, temporary) = match self {
            KmsFailure::Busy => ("throttled or failing; Lambda will retry", true),
            KmsFailure::Unreachable => (
                "unreachable; check the function's network path to KMS",
                true,
            ),
            KmsFailure::AccessDenied => (
                "access denied; grant the function's role kms:Decrypt on the key",
                false,
            ),
            KmsFailure::KeyUnusable => ("the key is disabled, pending deletion or missing", false),
        };
        DecryptError::Kms {
            detail: format!("{what} ({detail})"),
            temporary,
        }
    }
}

/// Sorts the SDK's error into what a user can act on. KMS errors the SDK models
/// arrive typed; the others (AccessDenied, throttling, transport failures) it
/// passes on only as the text of the KMS client's `SdkError`, whose variant and
/// error code we read.
fn classify(error: &aws_esdk::types::error::Error) -> DecryptError {
    let detail = one_line(&format!("{error:?}"));
    match kms_failure(error) {
        Some(failure) => failure.into_error(detail),
        None => DecryptError::Authentication(detail),
    }
}

fn kms_failure(error: &aws_esdk::types::error::Error) -> Option<KmsFailure> {
    use aws_esdk::types::error::Error as Esdk;
    match error {
        Esdk::AwsCryptographicMaterialProvidersError { error } => keyring_failure(error),
        Esdk::CollectionOfErrors { list, .. } => list.iter().find_map(kms_failure),
        _ => None,
    }
}

fn keyring_failure(
    error: &aws_esdk::material_providers::types::error::Error,
) -> Option<KmsFailure> {
    use aws_esdk::com_amazonaws_kms::types::error::Error as Kms;
    use aws_esdk::material_providers::types::error::Error as Mpl;
    match error {
        Mpl::CollectionOfErrors { list, .. } => list.iter().find_map(keyring_failure),
        Mpl::TrentServiceError { error } => match error {
            Kms::KmsInternalException { .. } | Kms::DependencyTimeoutException { .. } => {
                Some(KmsFailure::Busy)
            }
            Kms::KeyUnavailableException { .. } => Some(KmsFailure::Busy),
            Kms::DisabledException { .. }
            | Kms::KmsInvalidStateException { .. }
            | Kms::NotFoundException { .. } => Some(KmsFailure::KeyUnusable),
            Kms::OpaqueWithText { objMessage, .. } => opaque_kms_failure(objMessage),
            _ => None,
        },
        _ => None,
    }
}

/// `format!("{:?}", SdkError)` of the KMS client, which is all the SDK keeps of
/// errors it does not model: the variant comes first, a service error carries
/// `code: Some("…")`.
fn opaque_kms_failure(text: &str) -> Option<KmsFailure> {
    if text.starts_with("DispatchFailure") || text.starts_with("TimeoutError") {
        return Some(KmsFailure::Unreachable);
    }
    if text.starts_with("ResponseError") {
        return Some(KmsFailure::Busy);
    }
    let code = text
        .split_once("code: Some(\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(code, _)| code)?;
    match code {
        "ThrottlingException" | "LimitExceededException" | "KMSInternalException" => {
            Some(KmsFailure::Busy)
        }
        "AccessDeniedException" => Some(KmsFailure::AccessDenied),
        "DisabledException" | "KMSInvalidStateException" | "NotFoundException" => {
            Some(KmsFailure::KeyUnusable)
        }
        _ => None,
    }
}

/// The SDK's debug output can run to kilobytes; keep logs and errors readable.
fn one_line(text: &str) -> String {
    switchboard_providers::text::one_line(text, 400)
}

/// Undoes Cognito's HTML escaping of temporary passwords (`&lt;` → `<`), once.
pub fn unescape_cognito_html(code: &str) -> String {
    html_escape::decode_html_entities(code).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_is_a_single_pass() {
        assert_eq!(unescape_cognito_html("a&lt;b&gt;c&amp;d"), "a<b>c&d");
        assert_eq!(unescape_cognito_html("x&amp;lt;y"), "x&lt;y");
        assert_eq!(unescape_cognito_html("123456"), "123456");
    }

    #[test]
    fn unmodelled_kms_errors_are_read_from_the_sdk_error() {
        let throttled = r#"ServiceError(ServiceError { source: Unhandled(Unhandled { source: ErrorMetadata { code: Some("ThrottlingException"), message: Some("Rate exceeded") } }) })"#;
        assert_eq!(opaque_kms_failure(throttled), Some(KmsFailure::Busy));
        let denied = r#"ServiceError(ServiceError { source: Unhandled(Unhandled { source: ErrorMetadata { code: Some("AccessDeniedException"), message: None } }) })"#;
        assert_eq!(opaque_kms_failure(denied), Some(KmsFailure::AccessDenied));
        assert_eq!(
            opaque_kms_failure(
                "DispatchFailure(DispatchFailure { source: ConnectorError { kind: Io } })"
            ),
            Some(KmsFailure::Unreachable)
        );
        assert_eq!(
            opaque_kms_failure("TimeoutError(TimeoutError)"),
            Some(KmsFailure::Unreachable)
        );
        assert_eq!(opaque_kms_failure("something else"), None);
        let error = KmsFailure::AccessDenied.into_error("x".into());
        assert!(!error.is_temporary());
        assert!(error.to_string().contains("kms:Decrypt"), "{error}");
        assert!(KmsFailure::Unreachable
            .into_error("x".into())
            .is_temporary());
    }

    #[test]
    fn long_sdk_messages_are_cut() {
        assert!(one_line(&"word ".repeat(1000)).chars().count() <= 401);
    }
}
