//! docs/deploy.md's "Attaching to an existing user pool" block, run as written
//! (but for where the stack's outputs come from) against moto's Cognito with the
//! AWS CLI: the pool gets the custom sender triggers, `LambdaVersion V1_0` and
//! the key, keeps every setting the block must not reset, and the update it
//! sends carries no `UnusedAccountValidityDays` (UpdateUserPool refuses it beside
//! `TemporaryPasswordValidityDays`; moto does not, so the request is checked).

use std::process::Command;

use serde_json::{json, Value};
use switchboard_testkit::moto::moto;

/// The shell block after the heading `heading` in docs/deploy.md.
fn block_after(heading: &str) -> String {
    let guide =
        std::fs::read_to_string(switchboard_testkit::repo_root().join("docs/deploy.md")).unwrap();
    let section = guide
        .split_once(heading)
        .expect("the heading is in docs/deploy.md")
        .1;
    let code = section.split_once("```sh\n").unwrap().1;
    code.split_once("```").unwrap().0.to_string()
}

#[test]
fn the_attach_procedure_sets_the_triggers_and_keeps_the_pools_settings() {
    switchboard_testkit::require_program("aws", "pip install awscli");
    switchboard_testkit::require_program("jq", "apt-get install jq");
    let dir = tempfile::tempdir().unwrap();
    let cognito = |args: &[&str]| -> Value { moto().aws_cli(&[&["cognito-idp"], args].concat()) };
    let pool = cognito(&[
        "create-user-pool",
        "--pool-name",
        "attach-me",
        "--email-verification-message",
        "Your Acme code is {####}",
        "--email-verification-subject",
        "Acme code",
        "--admin-create-user-config",
        "AllowAdminCreateUserOnly=true,UnusedAccountValidityDays=7",
    ])["UserPool"]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    // The stack's outputs, as `describe-stacks` would list them.
    let outputs = json!([
        {"OutputKey": "FunctionArn", "OutputValue": "arn:aws:lambda:us-east-1:123456789012:function:switchboard"},
        {"OutputKey": "KeyArn", "OutputValue": "arn:aws:kms:us-east-1:123456789012:key/0b9a8f6e-0000-4000-8000-000000000001"},
        {"OutputKey": "SmsRoleArn", "OutputValue": "arn:aws:iam::123456789012:role/switchboard-sms"},
        {"OutputKey": "SmsExternalId", "OutputValue": "switchboard-sms"},
    ]);
    let block = block_after("## Attaching to an existing user pool")
        .replace("POOL=us-east-1_AbCdEf123", &format!("POOL={pool}"))
        .lines()
        .filter(|line| !line.starts_with("aws cloudformation describe-stacks"))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.path().join("outputs.json"), outputs.to_string()).unwrap();
    // The AWS CLI v1 does not read AWS_ENDPOINT_URL for every service.
    let script = format!(
        "set -euo pipefail\naws() {{ command aws --endpoint-url \"$AWS_ENDPOINT_URL\" \"$@\"; }}\n{block}\n"
    );
    let output = Command::new("bash")
        .args(["-c", &script])
        .current_dir(dir.path())
        .envs(moto().env())
        .output()
        .unwrap();
    switchboard_testkit::stdout_of(&output);

    let sent: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("update.json")).unwrap()).unwrap();
    assert!(
        sent["AdminCreateUserConfig"]
            .get("UnusedAccountValidityDays")
            .is_none(),
        "{sent}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let after = &cognito(&["describe-user-pool", "--user-pool-id", &pool])["UserPool"];
    let lambda = &after["LambdaConfig"];
    assert_eq!(
        lambda["CustomEmailSender"]["LambdaVersion"], "V1_0",
        "{lambda}"
    );
    assert_eq!(
        lambda["CustomSMSSender"]["LambdaVersion"], "V1_0",
        "{lambda}"
    );
    assert_eq!(
        lambda["CustomEmailSender"]["LambdaArn"],
        outputs[0]["OutputValue"]
    );
    assert_eq!(lambda["KMSKeyID"], outputs[1]["OutputValue"]);
    assert_eq!(
        after["EmailVerificationMessage"], "Your Acme code is {####}",
        "kept"
    );
    assert_eq!(
        after["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"], true,
        "kept"
    );
    assert_eq!(
        after["SmsConfiguration"]["SnsCallerArn"],
        outputs[2]["OutputValue"]
    );
}
