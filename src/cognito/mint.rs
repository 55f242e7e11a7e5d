//! Makes codes exactly as Cognito does, for the demo, tests and benchmarks:
//! suite 0x0378 (non-committing, ECDSA P-384 signed) under `ForbidEncryptAllowDecrypt`,
//! encryption context `{"userpool-id": …}` (the SDK adds `aws-crypto-public-key`).

use std::collections::HashMap;
use std::fmt;

use aws_esdk::material_providers::types::keyring::KeyringRef;
use aws_esdk::material_providers::types::{EsdkAlgorithmSuiteId, EsdkCommitmentPolicy};
use base64::Engine;

use super::decrypt::{
    esdk_client, insecure_dev_keyring, kms_keyring, DecryptError, USER_POOL_CONTEXT_KEY,
};
use super::key_arn::KeyArn;

/// Encrypts plaintext codes into Cognito's `request.code` format.
pub struct CodeMinter {
    client: aws_esdk::Client,
    keyring: KeyringRef,
}

impl fmt::Debug for CodeMinter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodeMinter").finish_non_exhaustive()
    }
}

impl CodeMinter {
    /// Mints under the insecure development key (what the dev decryptor reads).
    pub async fn insecure_dev_key() -> Result<Self, DecryptError> {
        Ok(CodeMinter {
            client: esdk_client(EsdkCommitmentPolicy::ForbidEncryptAllowDecrypt)?,
            keyring: insecure_dev_keyring().await?,
        })
    }

    /// Mints under a KMS key, as Cognito does with the pool's `KMSKeyID`.
    pub async fn kms(key_arn: &KeyArn, kms: aws_sdk_kms::Client) -> Result<Self, DecryptError> {
        Ok(CodeMinter {
            client: esdk_client(EsdkCommitmentPolicy::ForbidEncryptAllowDecrypt)?,
            keyring: kms_keyring(key_arn, kms).await?,
        })
    }

    /// Returns base64 of an Encryption SDK message holding `plaintext`, bound to `user_pool_id`.
    pub async fn mint(&self, plaintext: &str, user_pool_id: &str) -> Result<String, DecryptError> {
        let context =
            HashMap::from([(USER_POOL_CONTEXT_KEY.to_string(), user_pool_id.to_string())]);
        let output = self
            .client
            .encrypt()
            .plaintext(plaintext.as_bytes().to_vec())
            .keyring(self.keyring.clone())
            .encryption_context(context)
            .algorithm_suite_id(EsdkAlgorithmSuiteId::AlgAes256GcmIv12Tag16HkdfSha384EcdsaP384)
            .send()
            .await
            .map_err(|e| DecryptError::Setup(format!("encrypt failed: {e:?}")))?;
        let ciphertext = output
            .ciphertext
            .ok_or_else(|| DecryptError::Setup("encrypt returned no ciphertext".into()))?;
        Ok(base64::engine::general_purpose::STANDARD.encode(ciphertext.into_inner()))
    }
}

/// Escapes a temporary password the way Cognito does before encrypting it.
pub fn cognito_escape(password: &str) -> String {
    password
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
