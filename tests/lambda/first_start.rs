//! A first deploy's start, as Lambda runs it: with only its key set, every
//! setting that would lose codes is named in one start — in the Runtime API's
//! init error record, which a synchronous caller, `sam local` or an emulator
//! shows, and in `check-config --lambda` — each with the variable that fixes it.

use std::process::Command;

use serde_json::Value;

use crate::harness::{example, run_as_lambda};

const KEY_ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn assert_every_fix(text: &str) {
    switchboard_testkit::assert_mentions(
        text,
        &[
            "4 settings would lose codes",
            "1. `email.providers` = [outbox]",
            "SWITCHBOARD_EMAIL__PROVIDERS=",
            "2. `sms.providers` = [outbox]",
            "SWITCHBOARD_SMS__PROVIDERS=",
            "3. `app.name` = `Switchboard Demo`",
            "SWITCHBOARD_APP__NAME",
            "4. `email.from`",
            "SWITCHBOARD_EMAIL__FROM",
        ],
    );
}

#[test]
fn a_failed_init_names_every_refusal_in_the_runtime_apis_init_error() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("SWITCHBOARD_DECRYPT__KEY_ARN", KEY_ARN.to_string())];
    let (results, printed) = run_as_lambda(
        dir.path(),
        &[example("events/CustomEmailSender_SignUp")],
        &env,
    );
    let record: Value = serde_json::from_str(
        results["init_error"]
            .as_str()
            .unwrap_or_else(|| panic!("an init error was posted: {results}\n{printed}")),
    )
    .unwrap();
    assert_eq!(record["errorType"], "InitRefused", "{record}");
    assert_every_fix(record["errorMessage"].as_str().unwrap());
    assert!(
        results["invocations"].as_array().is_none_or(Vec::is_empty),
        "no event was taken: {results}"
    );
}

#[test]
fn check_config_as_lambda_names_every_refusal_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["check-config", "--lambda"])
        .current_dir(dir.path())
        .env_clear()
        .env("SWITCHBOARD_DECRYPT__KEY_ARN", KEY_ARN)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert_every_fix(&String::from_utf8_lossy(&output.stderr));
}

/// The README's smallest Lambda environment, exactly as written there but for
/// the key (one of moto's): the function starts and delivers an email (SES) and
/// an SMS (SNS).
#[tokio::test(flavor = "multi_thread")]
async fn the_readmes_smallest_environment_starts_and_delivers() {
    use switchboard_testkit::moto::moto;
    use switchboard_testkit::python::mint_with_python;

    let readme =
        std::fs::read_to_string(switchboard_testkit::repo_root().join("README.md")).unwrap();
    let block = readme
        .split("# The smallest Lambda environment")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the README's smallest environment");
    let key = moto().create_kms_key().await;
    let mut env: Vec<(&'static str, String)> = Vec::new();
    for line in block.lines().skip(1).filter(|l| l.contains('=')) {
        let line = line.split("  #").next().unwrap().trim();
        let (name, value) = line.split_once('=').unwrap();
        let value = match name {
            "SWITCHBOARD_DECRYPT__KEY_ARN" => key.clone(),
            _ => value.trim_matches('"').to_string(),
        };
        env.push((Box::leak(name.to_string().into_boxed_str()), value));
    }
    assert_eq!(env.len(), 7, "{env:?}");
    aws_sdk_sesv2::Client::new(&moto().sdk_config())
        .create_email_identity()
        .email_identity("no-reply@acme.test")
        .send()
        .await
        .expect("verify the sender on SES");
    let events: Vec<Value> = [
        "events/CustomEmailSender_SignUp",
        "events/CustomSMSSender_SignUp",
    ]
    .iter()
    .map(|source| {
        let mut event = example(source);
        event["request"]["code"] =
            mint_with_python(moto(), &key, "us-east-1_EXAMPLE1", "551903").into();
        event
    })
    .collect();
    let dir = tempfile::tempdir().unwrap();
    let (results, printed) = run_as_lambda(dir.path(), &events, &env);
    assert_eq!(results["init_error"], Value::Null, "{results}\n{printed}");
    for invocation in results["invocations"].as_array().unwrap() {
        assert_eq!(invocation["status"], "response", "{invocation}\n{printed}");
        let body: Value = serde_json::from_str(invocation["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["status"], "delivered", "{body}");
    }
    assert_eq!(results["invocations"].as_array().unwrap().len(), 2);
}
