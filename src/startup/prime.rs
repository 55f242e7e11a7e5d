//! Work the first event would otherwise do for the first time, done during init,
//! where Lambda does not throttle the CPU (at 128 MB an invocation gets ~7 % of a
//! vCPU, so a millisecond of first-use work there costs ~14 ms of wall time).

use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::types::{KeySpec, KeyState, KeyUsageType};

use super::StartupError;
use crate::cognito::decrypt::{Decryptor, EsdkDecryptor};
use crate::cognito::event::parse_custom_sender;
use crate::cognito::key_arn::KeyArn;

/// A code the example event carries, made under the development key.
const SAMPLE_EVENT: &str = include_str!("../../examples/events/CustomEmailSender_SignUp.json");

/// One decryption of a development-key code, in memory: the first decryption's
/// one-time work (the Encryption SDK's and aws-lc's lazy set-up, the P-384
/// verification tables) happens here instead of in the first event. Decrypting
/// only, as an event does: minting a code here would cost ~40 ms of init CPU
/// (key generation and signing) that no event needs.
pub async fn encryption_sdk() -> Result<(), StartupError> {
    // tests/pipeline.rs parses every example; priming is skipped rather than
    // failing the start if this one ever changed shape.
    let Ok(sample) = parse_custom_sender(SAMPLE_EVENT.as_bytes()) else {
        return Ok(());
    };
    let Some(code) = sample.code() else {
        return Ok(());
    };
    EsdkDecryptor::insecure_dev_key()
        .await?
        .decrypt(code, &sample.user_pool_id)
        .await?;
    Ok(())
}

/// `kms:DescribeKey` on the pool's key with the client the keyring uses: the
/// credentials, request signing and the connection to KMS are ready before the
/// first event, and a key that cannot work fails the init instead of every event.
/// Without the permission (or when KMS does not answer) the start goes on: the
/// check is a bonus, decryption is what needs to work.
pub async fn kms_key(kms: &aws_sdk_kms::Client, key_arn: &KeyArn) -> Result<(), StartupError> {
    let unusable = |problem: String| StartupError::KeyUnusable {
        key: key_arn.to_string(),
        problem,
    };
    let metadata = match kms.describe_key().key_id(key_arn.as_str()).send().await {
        Ok(output) => output.key_metadata,
        Err(error) => {
            let code = error.code().unwrap_or("unknown").to_string();
            return match code.as_str() {
                "NotFoundException" => Err(unusable(format!(
                    "KMS has no such key in {}; use the full ARN of the pool's KMSKeyID",
                    key_arn.region()
                ))),
                _ => {
                    tracing::warn!(
                        error = %code,
                        "could not check the KMS key at start-up (grant kms:DescribeKey on it to check it and open the KMS connection during init)"
                    );
                    Ok(())
                }
            };
        }
    };
    let Some(metadata) = metadata else {
        return Ok(());
    };
    if metadata.key_state() != Some(&KeyState::Enabled) {
        let state = metadata
            .key_state()
            .map(|s| s.as_str())
            .unwrap_or("unknown");
        return Err(unusable(format!(
            "the key is {state}, not Enabled; enable it (aws kms enable-key) or point at the pool's current key"
        )));
    }
    // Judged on what KMS reports (moto, for one, leaves KeyUsage out).
    let usage_ok = metadata
        .key_usage()
        .is_none_or(|usage| *usage == KeyUsageType::EncryptDecrypt);
    let spec_ok = metadata
        .key_spec()
        .is_none_or(|spec| *spec == KeySpec::SymmetricDefault);
    if !usage_ok || !spec_ok {
        return Err(unusable(
            "Cognito encrypts codes only with a symmetric encryption key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT); this is not one".to_string(),
        ));
    }
    Ok(())
}
