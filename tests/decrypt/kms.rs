//! The KMS decryptor against a local KMS (moto), with codes minted by the
//! independent Python Encryption SDK and by our own encrypt.

use base64::Engine;
use secrecy::ExposeSecret;
use switchboard::cognito::decrypt::{DecryptError, Decryptor, EsdkDecryptor};
use switchboard::cognito::key_arn::KeyArn;
use switchboard::cognito::keys::KeyRefusal;
use switchboard::cognito::mint::CodeMinter;
use switchboard_testkit::moto::moto;
use switchboard_testkit::python::{mint_with_python, mint_with_python_options};

const POOL: &str = "us-east-1_TestPool1";

async fn decryptor_for(key_arn: &str) -> EsdkDecryptor {
    let arn: KeyArn = key_arn.parse().expect("moto returns key ARNs");
    EsdkDecryptor::kms(arn, moto().kms())
        .await
        .expect("KMS decryptor")
}

/// Decrypts `code` of this test's pool under `key_arn`.
async fn decrypt(key_arn: &str, code: &str) -> Result<secrecy::SecretString, DecryptError> {
    decryptor_for(key_arn).await.decrypt(code, POOL).await
}

#[tokio::test(flavor = "multi_thread")]
async fn decrypts_a_code_minted_by_the_python_encryption_sdk() {
    let key = moto().create_kms_key().await;
    let code = mint_with_python(moto(), &key, POOL, "804213");
    let plaintext = decrypt(&key, &code).await.unwrap();
    assert_eq!(plaintext.expose_secret(), "804213");
}

#[tokio::test(flavor = "multi_thread")]
async fn python_codes_use_cognitos_suite_and_context() {
    let key = moto().create_kms_key().await;
    let code = mint_with_python(moto(), &key, POOL, "1");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(code)
        .unwrap();
    let header = switchboard::cognito::esdk_header::summarise(&bytes).unwrap();
    assert_eq!(header.version, 1);
    assert_eq!(header.suite_id, 0x0378);
    assert_eq!(header.encryption_context["userpool-id"], POOL);
    assert!(header
        .encryption_context
        .contains_key("aws-crypto-public-key"));
    assert_eq!(header.data_keys, vec![("aws-kms".to_string(), key)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn decrypts_a_code_minted_by_our_own_encrypt() {
    let key = moto().create_kms_key().await;
    let minter = CodeMinter::kms(&key.parse().unwrap(), moto().kms())
        .await
        .unwrap();
    let code = minter.mint("Tmp&lt;pw&gt;1", POOL).await.unwrap();
    let plaintext = decrypt(&key, &code).await.unwrap();
    assert_eq!(plaintext.expose_secret(), "Tmp&lt;pw&gt;1");
}

#[tokio::test(flavor = "multi_thread")]
async fn rejects_every_tampered_byte_region() {
    let key = moto().create_kms_key().await;
    let code = mint_with_python(moto(), &key, POOL, "555111");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&code)
        .unwrap();
    let decryptor = decryptor_for(&key).await;
    // Header start, encryption context, data key, body and signature.
    let positions = [
        1usize,
        30,
        bytes.len() / 2,
        bytes.len() - 40,
        bytes.len() - 1,
    ];
    for position in positions {
        let mut tampered = bytes.clone();
        tampered[position] ^= 0x01;
        let tampered = base64::engine::general_purpose::STANDARD.encode(tampered);
        let result = decryptor.decrypt(&tampered, POOL).await;
        assert!(result.is_err(), "flipping byte {position} must be rejected");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rejects_a_code_from_another_user_pool_and_names_both_pools() {
    let key = moto().create_kms_key().await;
    let code = mint_with_python(moto(), &key, "us-east-1_OtherPool", "123456");
    let err = decrypt(&key, &code).await.unwrap_err();
    assert!(matches!(err, DecryptError::WrongUserPool { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("us-east-1_OtherPool") && text.contains(POOL),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rejects_a_code_under_another_key_and_names_that_key() {
    let key = moto().create_kms_key().await;
    let other = moto().create_kms_key().await;
    let code = mint_with_python(moto(), &other, POOL, "123456");
    let err = decrypt(&key, &code).await.unwrap_err();
    assert!(
        matches!(err, DecryptError::Keys(KeyRefusal::WrongKey { .. })),
        "{err}"
    );
    assert!(err.to_string().contains(&other), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_header_rewritten_to_our_pool_fails_authentication() {
    // A message whose context was rewritten to our pool fails authentication
    // inside the Encryption SDK (the header is covered by the signature).
    let key = moto().create_kms_key().await;
    let code = mint_with_python(moto(), &key, "us-east-1_TestPool2", "123456");
    let mut bytes = base64::engine::general_purpose::STANDARD
        .decode(&code)
        .unwrap();
    let needle = b"us-east-1_TestPool2";
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    bytes[at + needle.len() - 1] = b'1'; // now reads us-east-1_TestPool1
    let forged = base64::engine::general_purpose::STANDARD.encode(bytes);
    let err = decrypt(&key, &forged).await.unwrap_err();
    assert!(
        matches!(
            err,
            DecryptError::Authentication(_) | DecryptError::Kms { .. }
        ),
        "{err}"
    );
}

/// The binding to the pool is the Encryption SDK's, not our header check's: a
/// valid message that names no pool passes our header read and must still be
/// refused — it would decrypt if the expected context were not passed.
#[tokio::test(flavor = "multi_thread")]
async fn a_code_without_a_userpool_id_is_refused_by_the_sdk_itself() {
    let key = moto().create_kms_key().await;
    let code = mint_with_python_options(moto(), &key, POOL, "123456", &["--no-pool-context"]);
    let err = decrypt(&key, &code).await.unwrap_err();
    assert!(matches!(err, DecryptError::NoUserPool), "{err}");
    switchboard_testkit::assert_mentions(
        &err.to_string(),
        &[
            "userpool-id",
            "Real Cognito always binds",
            "emulator",
            "docs/decryption.md",
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn codes_cognito_would_never_make_are_refused_before_kms() {
    let key = moto().create_kms_key().await;
    let other = moto().create_kms_key().await;
    let decryptor = decryptor_for(&key).await;
    let unsigned = mint_with_python_options(
        moto(),
        &key,
        POOL,
        "123456",
        &["--suite", "AES_256_GCM_IV12_TAG16_HKDF_SHA256"],
    );
    let err = decryptor.decrypt(&unsigned, POOL).await.unwrap_err();
    assert!(
        matches!(&err, DecryptError::NotCognito(why) if why.contains("0x0178")),
        "{err}"
    );
    let two_keys = mint_with_python_options(moto(), &key, POOL, "123456", &["--also-key", &other]);
    let err = decryptor.decrypt(&two_keys, POOL).await.unwrap_err();
    assert!(
        matches!(&err, DecryptError::NotCognito(why) if why.contains("2 encrypted data keys")),
        "{err}"
    );
    switchboard_testkit::assert_mentions(
        &err.to_string(),
        &[
            "real Cognito encrypts under exactly one",
            "emulator",
            "docs/decryption.md",
        ],
    );
    let huge = "A".repeat(10_000);
    let err = decryptor.decrypt(&huge, POOL).await.unwrap_err();
    assert!(matches!(err, DecryptError::TooLarge(10_000)), "{err}");
}

/// Should Cognito move to key-committing codes, they keep working.
#[tokio::test(flavor = "multi_thread")]
async fn the_committing_successor_suite_decrypts() {
    let key = moto().create_kms_key().await;
    let code = mint_with_python_options(
        moto(),
        &key,
        POOL,
        "246801",
        &["--suite", "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384"],
    );
    let plaintext = decrypt(&key, &code).await.unwrap();
    assert_eq!(plaintext.expose_secret(), "246801");
}

#[tokio::test(flavor = "multi_thread")]
async fn rejects_garbage_base64_and_non_esdk_bytes_with_a_hint() {
    let key = moto().create_kms_key().await;
    let decryptor = decryptor_for(&key).await;
    let err = decryptor
        .decrypt("not base64 at all!", POOL)
        .await
        .unwrap_err();
    assert!(matches!(err, DecryptError::Base64(_)), "{err}");
    // A raw KMS ciphertext, the most common mix-up.
    let blob = moto()
        .kms()
        .encrypt()
        .key_id(&key)
        .plaintext(aws_sdk_kms::primitives::Blob::new("123456"))
        .send()
        .await
        .unwrap();
    let raw =
        base64::engine::general_purpose::STANDARD.encode(blob.ciphertext_blob().unwrap().as_ref());
    let err = decryptor.decrypt(&raw, POOL).await.unwrap_err();
    assert!(matches!(err, DecryptError::NotEsdkMessage(_)), "{err}");
    assert!(err.to_string().contains("Encryption SDK"), "{err}");
}

#[test]
fn a_bare_key_id_is_refused_with_the_fix() {
    let err = "1234abcd-12ab-34cd-56ef-1234567890ab"
        .parse::<KeyArn>()
        .unwrap_err()
        .to_string();
    switchboard_testkit::assert_mentions(&err, &["bare key ID", "full key ARN"]);
}

/// The Encryption SDK's strict KMS keyring for `key_id`, straight from
/// aws-esdk (not through our decryptor).
async fn strict_kms_keyring(
    key_id: &str,
) -> aws_esdk::material_providers::types::keyring::KeyringRef {
    aws_esdk::material_providers::client::Client::from_conf(
        aws_esdk::material_providers::types::material_providers_config::MaterialProvidersConfig::builder().build().unwrap(),
    )
    .unwrap()
    .create_aws_kms_keyring()
    .kms_key_id(key_id)
    .kms_client(moto().kms())
    .send()
    .await
    .unwrap()
}

/// `client` decrypting the base64 `code` with `keyring`.
async fn decrypt_with(
    client: &aws_esdk::Client,
    keyring: aws_esdk::material_providers::types::keyring::KeyringRef,
    code: &str,
) -> Result<aws_esdk::operation::decrypt::DecryptOutput, aws_esdk::types::error::Error> {
    client
        .decrypt()
        .ciphertext(
            base64::engine::general_purpose::STANDARD
                .decode(code)
                .unwrap(),
        )
        .keyring(keyring)
        .send()
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_encryption_sdk_cannot_decrypt_with_a_bare_key_id() {
    // Why we insist on the ARN: the strict keyring matches data keys by ARN.
    let key = moto().create_kms_key().await;
    let code = mint_with_python(moto(), &key, POOL, "123456");
    let key_id = key.rsplit('/').next().unwrap();
    let keyring = strict_kms_keyring(key_id).await;
    let client = aws_esdk::Client::from_conf(
        aws_esdk::AwsEncryptionSdkConfig::builder()
            .commitment_policy(aws_esdk::material_providers::types::EsdkCommitmentPolicy::RequireEncryptAllowDecrypt)
            .build()
            .unwrap(),
    )
    .unwrap();
    let result = decrypt_with(&client, keyring, &code).await;
    assert!(result.is_err(), "a bare key ID must not decrypt");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_default_commitment_policy_would_reject_cognito_codes() {
    // Why we use RequireEncryptAllowDecrypt: Cognito's suite is not key-committing.
    let key = moto().create_kms_key().await;
    let code = mint_with_python(moto(), &key, POOL, "123456");
    let keyring = strict_kms_keyring(&key).await;
    let strict =
        aws_esdk::Client::from_conf(aws_esdk::AwsEncryptionSdkConfig::builder().build().unwrap())
            .unwrap();
    let result = decrypt_with(&strict, keyring, &code).await;
    assert!(
        result.is_err(),
        "RequireEncryptRequireDecrypt must refuse suite 0x0378"
    );
}

/// A KMS client whose endpoint answers every call with `status` and `error_type`
/// (KMS speaks JSON 1.1: the error type is in `__type`). SDK retries are off so
/// the test counts our behaviour, not the SDK's.
async fn failing_kms(status: u16, error_type: &str) -> (wiremock::MockServer, aws_sdk_kms::Client) {
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("content-type", "application/x-amz-json-1.1")
                .set_body_json(
                    serde_json::json!({ "__type": error_type, "message": "injected by the test" }),
                ),
        )
        .mount(&server)
        .await;
    let config = aws_sdk_kms::config::Builder::from(&moto().sdk_config())
        .endpoint_url(server.uri())
        .retry_config(aws_sdk_kms::config::retry::RetryConfig::disabled())
        .build();
    (server, aws_sdk_kms::Client::from_conf(config))
}

#[tokio::test(flavor = "multi_thread")]
async fn kms_throttling_is_a_temporary_error() {
    let key = moto().create_kms_key().await;
    let code = mint_with_python(moto(), &key, POOL, "1");
    let (_server, kms) = failing_kms(400, "ThrottlingException").await;
    let decryptor = EsdkDecryptor::kms(key.parse().unwrap(), kms).await.unwrap();
    let err = decryptor.decrypt(&code, POOL).await.unwrap_err();
    assert!(err.is_temporary(), "{err}");
    assert!(matches!(err, DecryptError::Kms { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn kms_access_denied_names_the_permission() {
    let key = moto().create_kms_key().await;
    let code = mint_with_python(moto(), &key, POOL, "1");
    let (_server, kms) = failing_kms(400, "AccessDeniedException").await;
    let decryptor = EsdkDecryptor::kms(key.parse().unwrap(), kms).await.unwrap();
    let err = decryptor.decrypt(&code, POOL).await.unwrap_err();
    assert!(!err.is_temporary(), "{err}");
    assert!(err.to_string().contains("kms:Decrypt"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_kms_is_a_temporary_error() {
    let key = moto().create_kms_key().await;
    let code = mint_with_python(moto(), &key, POOL, "1");
    let config =
        aws_sdk_kms::config::Builder::from(&switchboard_testkit::moto::unreachable_sdk_config())
            .build();
    let decryptor =
        EsdkDecryptor::kms(key.parse().unwrap(), aws_sdk_kms::Client::from_conf(config))
            .await
            .unwrap();
    let err = decryptor.decrypt(&code, POOL).await.unwrap_err();
    assert!(err.is_temporary(), "{err}");
}

/// moto still decrypts under a disabled key, so KMS's answer is injected.
#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_key_is_a_permanent_error() {
    let key = moto().create_kms_key().await;
    let code = mint_with_python(moto(), &key, POOL, "1");
    let (_server, kms) = failing_kms(400, "DisabledException").await;
    let decryptor = EsdkDecryptor::kms(key.parse().unwrap(), kms).await.unwrap();
    let err = decryptor.decrypt(&code, POOL).await.unwrap_err();
    assert!(!err.is_temporary(), "{err}");
    assert!(err.to_string().contains("disabled"), "{err}");
}
