//! Key rotation, per-pool keys and the pool allow-list, on the real pipeline:
//! keys on moto's KMS, codes minted by the Python Encryption SDK as Cognito
//! does, delivery to the outbox (so "nothing sent" is an empty directory).
// figment's Jail closures return its large error type.
#![allow(clippy::result_large_err)]

use figment::Jail;
use switchboard::cognito::event::{parse_custom_sender, CustomSenderEvent};
use switchboard::config::{Config, PoolKeyConfig};
use switchboard::startup::{self, Runtime, StartupOptions};
use switchboard::App;
use switchboard_testkit::moto::moto;
use switchboard_testkit::python::mint_with_python;

const EVENT: &str = include_str!("../../examples/events/CustomEmailSender_ForgotPassword.json");
const POOL: &str = "us-east-1_Rotation1";

async fn app(outbox: &std::path::Path, tune: impl FnOnce(&mut Config)) -> App {
    let mut config = switchboard::testing::defaults_with_outbox(outbox);
    tune(&mut config);
    let options = StartupOptions {
        aws: Some(moto().sdk_config()),
        ..StartupOptions::new(Runtime::Local)
    };
    startup::build(&config, options).await.unwrap()
}

/// The example event from `pool`, its code minted under `key` for `code_pool`.
fn event(pool: &str, key: &str, code_pool: &str, plaintext: &str) -> CustomSenderEvent {
    let mut event = parse_custom_sender(EVENT.as_bytes()).unwrap();
    event.user_pool_id = pool.to_string();
    event.request.code = Some(mint_with_python(moto(), key, code_pool, plaintext));
    event
}

fn sent(outbox: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(outbox)
        .map(|dir| {
            dir.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

/// Three new KMS keys on moto.
async fn three_keys() -> [String; 3] {
    [
        moto().create_kms_key().await,
        moto().create_kms_key().await,
        moto().create_kms_key().await,
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn codes_under_the_new_and_the_old_key_deliver_during_a_rotation() {
    let [new, old, other] = three_keys().await;
    let outbox = tempfile::tempdir().unwrap();
    let app = app(outbox.path(), |c| {
        c.decrypt.key_arns = vec![new.clone(), old.clone()]
    })
    .await;
    app.handle(event(POOL, &new, POOL, "111111")).await.unwrap();
    // A Lambda retry or a redrive of an event made before the pool moved keys.
    app.handle(event(POOL, &old, POOL, "222222")).await.unwrap();
    let mail = sent(outbox.path()).join("\n");
    assert!(mail.contains("111111") && mail.contains("222222"));

    let err = app
        .handle(event(POOL, &other, POOL, "333333"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&other) && err.contains("decrypt.key_arns") && err.contains(&new),
        "names the code's key, the setting and what it allows: {err}"
    );
    assert!(!err.contains("333333"));
    assert_eq!(
        sent(outbox.path()).len(),
        2,
        "nothing sent for the third key"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pool_outside_the_allow_list_is_refused_before_decryption() {
    let key = moto().create_kms_key().await;
    let outbox = tempfile::tempdir().unwrap();
    let app = app(outbox.path(), |c| {
        c.decrypt.key_arn = Some(key.clone());
        c.decrypt.user_pools = vec![POOL.to_string()];
    })
    .await;
    app.handle(event(POOL, &key, POOL, "444444")).await.unwrap();

    let stranger = "eu-west-1_Stranger9";
    let mut foreign = event(stranger, &key, stranger, "555555");
    let err = app.handle(foreign.clone()).await.unwrap_err().to_string();
    assert!(
        err.contains(stranger) && err.contains("decrypt.user_pools") && err.contains(POOL),
        "{err}"
    );
    // Refused before any work on the code: garbage gets the same answer.
    foreign.request.code = Some("not base64 at all".into());
    let err = app.handle(foreign).await.unwrap_err().to_string();
    assert!(err.contains("decrypt.user_pools"), "{err}");
    assert_eq!(sent(outbox.path()).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_pool_decrypts_only_under_its_own_key() {
    let (key_a, key_b) = (moto().create_kms_key().await, moto().create_kms_key().await);
    let (pool_a, pool_b) = ("us-east-1_PoolA1", "us-west-2_PoolB2");
    let outbox = tempfile::tempdir().unwrap();
    let app = app(outbox.path(), |c| {
        for (pool, key) in [(pool_a, &key_a), (pool_b, &key_b)] {
            c.decrypt.pools.insert(
                pool.to_string(),
                PoolKeyConfig {
                    key_arn: Some(key.clone()),
                    ..PoolKeyConfig::default()
                },
            );
        }
    })
    .await;
    app.handle(event(pool_a, &key_a, pool_a, "666666"))
        .await
        .unwrap();
    app.handle(event(pool_b, &key_b, pool_b, "777777"))
        .await
        .unwrap();

    // Pool A's key is not pool B's, even for a code bound to pool B.
    let err = app
        .handle(event(pool_b, &key_a, pool_b, "888888"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("decrypt.pools.{pool_b}.key_arn")) && err.contains(&key_a),
        "{err}"
    );
    let err = app
        .handle(event(
            "us-east-1_NoKey3",
            &key_a,
            "us-east-1_NoKey3",
            "999999",
        ))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no key is configured for user pool `us-east-1_NoKey3`"),
        "{err}"
    );
    assert_eq!(sent(outbox.path()).len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn rotation_allow_list_and_pool_keys_come_from_environment_variables_alone() {
    let [new, old, own] = three_keys().await;
    let mut loaded = None;
    Jail::expect_with(|jail| {
        jail.set_env("SWITCHBOARD_DECRYPT__KEY_ARNS", format!("{new},{old}"));
        jail.set_env(
            "SWITCHBOARD_DECRYPT__USER_POOLS",
            format!("{POOL},us-east-1_OwnKey7"),
        );
        // Variable names cannot hold `-`: the pool is written with `_`, any case.
        jail.set_env(
            "SWITCHBOARD_DECRYPT__POOLS__US_EAST_1_OWNKEY7__KEY_ARN",
            &own,
        );
        loaded = Some(Config::load().map_err(|e| e.to_string())?);
        Ok(())
    });
    let loaded = loaded.unwrap();
    let outbox = tempfile::tempdir().unwrap();
    let app = app(outbox.path(), |c| {
        c.decrypt = loaded.decrypt.clone();
    })
    .await;
    app.handle(event(POOL, &old, POOL, "121212")).await.unwrap();
    app.handle(event(
        "us-east-1_OwnKey7",
        &own,
        "us-east-1_OwnKey7",
        "343434",
    ))
    .await
    .unwrap();
    let err = app
        .handle(event(
            "us-east-1_Other8",
            &new,
            "us-east-1_Other8",
            "565656",
        ))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("decrypt.user_pools"), "{err}");
    assert_eq!(sent(outbox.path()).len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_misspelt_pool_in_the_allow_list_fails_the_start() {
    let key = moto().create_kms_key().await;
    let mut config = switchboard::testing::defaults();
    config.decrypt.key_arn = Some(key);
    config.decrypt.user_pools = vec!["us-east-1 AbC".into()];
    let options = StartupOptions {
        aws: Some(moto().sdk_config()),
        ..StartupOptions::new(Runtime::Local)
    };
    let err = startup::build(&config, options)
        .await
        .unwrap_err()
        .to_string();
    switchboard_testkit::assert_mentions(&err, &["decrypt.user_pools", "us-east-1 AbC"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_allow_list_holds_with_the_development_key_too() {
    let minter = switchboard::cognito::mint::CodeMinter::insecure_dev_key()
        .await
        .unwrap();
    let outbox = tempfile::tempdir().unwrap();
    let app = app(outbox.path(), |c| c.decrypt.user_pools = vec![POOL.into()]).await;
    let mut allowed = parse_custom_sender(EVENT.as_bytes()).unwrap();
    allowed.user_pool_id = POOL.into();
    allowed.request.code = Some(minter.mint("131313", POOL).await.unwrap());
    app.handle(allowed).await.unwrap();
    let stranger = "eu-west-1_Stranger9";
    let mut foreign = parse_custom_sender(EVENT.as_bytes()).unwrap();
    foreign.user_pool_id = stranger.into();
    foreign.request.code = Some(minter.mint("242424", stranger).await.unwrap());
    let err = app.handle(foreign).await.unwrap_err().to_string();
    assert!(
        err.contains(stranger) && err.contains("decrypt.user_pools"),
        "{err}"
    );
    assert_eq!(sent(outbox.path()).len(), 1);
}
