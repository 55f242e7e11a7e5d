//! `switchboard doctor` against a pool, a function, a key and their policies made
//! on moto with the AWS CLI, as a user's deployment has them: a correct wiring
//! passes every check; each broken one fails exactly the checks it breaks, each
//! with its fix, and the command exits non-zero.

use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Value};
// Its own server: moto's data.json, which other tests read, fails once a function exists.
use switchboard_testkit::moto::lambda_moto as moto;

const BINARY: &str = env!("CARGO_BIN_EXE_switchboard");
const ACCOUNT: &str = "123456789012";

fn aws(args: &[&str]) -> Value {
    moto().aws_cli(args)
}

/// How a deployment is wired; `Default` is correct.
struct Deployment {
    email_version: &'static str,
    sms_trigger: bool,
    sms_configuration: bool,
    /// The pool's KMSKeyID: the key's ARN, or this (an alias, another key).
    key_id: Option<String>,
    /// The key policy lets Cognito create grants.
    cognito_in_key_policy: bool,
    /// Cognito's invoke permission: for this pool, for any, or none.
    permission: Option<&'static str>,
    /// Changes to the function's environment.
    environment: Vec<(&'static str, String)>,
    /// The pool's triggers name another function than the one checked.
    triggers_name_another_function: bool,
}

impl Default for Deployment {
    fn default() -> Self {
        Deployment {
            email_version: "V1_0",
            sms_trigger: true,
            sms_configuration: true,
            key_id: None,
            cognito_in_key_policy: true,
            permission: Some("this pool"),
            environment: Vec::new(),
            triggers_name_another_function: false,
        }
    }
}

/// What was made: the pool and the function to check.
struct Made {
    pool_id: String,
    function: String,
    key_arn: String,
}

fn create_function(name: &str, role: &str, package: &str, environment: &Value) -> String {
    let environment = json!({ "Variables": environment }).to_string();
    aws(&[
        "lambda",
        "create-function",
        "--function-name",
        name,
        "--runtime",
        "provided.al2023",
        "--handler",
        "bootstrap",
        "--role",
        role,
        "--zip-file",
        &format!("fileb://{package}"),
        "--environment",
        &environment,
    ])["FunctionArn"]
        .as_str()
        .unwrap()
        .to_string()
}

fn deploy(deployment: Deployment) -> Made {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = tempfile::tempdir().unwrap();
    let bootstrap = dir.path().join("bootstrap");
    std::fs::write(&bootstrap, "#!/bin/sh\n").unwrap();
    let package = dir.path().join("package.zip");
    let zipped = Command::new(switchboard_testkit::python())
        .arg(switchboard_testkit::repo_root().join("tests/support/peers/zip_bootstrap.py"))
        .args([&package, &bootstrap])
        .output()
        .unwrap();
    switchboard_testkit::stdout_of(&zipped);
    let package = package.to_str().unwrap();

    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let role = aws(&[
        "iam",
        "create-role",
        "--role-name",
        &format!("doctor-{n}"),
        "--assume-role-policy-document",
        &trust.to_string(),
    ])["Role"]["Arn"]
        .as_str()
        .unwrap()
        .to_string();
    let mut statements = vec![json!({"Sid": "AccountAdministration", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"})];
    if deployment.cognito_in_key_policy {
        statements.push(json!({"Sid": "CognitoCreatesGrantsForThePool", "Effect": "Allow",
            "Principal": {"Service": "cognito-idp.amazonaws.com"}, "Action": "kms:CreateGrant",
            "Resource": "*", "Condition": {
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                "ArnLike": {"aws:SourceArn": format!("arn:aws:cognito-idp:us-east-1:{ACCOUNT}:userpool/*")}}}));
    }
    let key_policy = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
    let key_arn = aws(&["kms", "create-key", "--policy", &key_policy])["KeyMetadata"]["Arn"]
        .as_str()
        .unwrap()
        .to_string();

    let mut environment = json!({
        "SWITCHBOARD_APP__NAME": "Acme",
        "SWITCHBOARD_EMAIL__FROM": "Acme <no-reply@acme.test>",
        "SWITCHBOARD_EMAIL__PROVIDERS": "ses",
        "SWITCHBOARD_SMS__PROVIDERS": "sns",
        "SWITCHBOARD_PROVIDERS__SES__TYPE": "ses",
        "SWITCHBOARD_PROVIDERS__SNS__TYPE": "sns",
        "SWITCHBOARD_DECRYPT__KEY_ARN": key_arn,
    });
    for (key, value) in &deployment.environment {
        environment[*key] = json!(value);
    }
    let function = create_function(&format!("switchboard-{n}"), &role, package, &environment);
    let invoked = if deployment.triggers_name_another_function {
        create_function(&format!("other-{n}"), &role, package, &environment)
    } else {
        function.clone()
    };

    let mut lambda_config = json!({
        "CustomEmailSender": {"LambdaVersion": deployment.email_version, "LambdaArn": invoked},
        "KMSKeyID": deployment.key_id.clone().unwrap_or(key_arn.clone()),
    });
    if deployment.sms_trigger {
        lambda_config["CustomSMSSender"] = json!({"LambdaVersion": "V1_0", "LambdaArn": invoked});
    }
    let mut create_pool = vec![
        "cognito-idp".to_string(),
        "create-user-pool".into(),
        "--pool-name".into(),
        format!("doctor-{n}"),
        "--lambda-config".into(),
        lambda_config.to_string(),
    ];
    if deployment.sms_configuration {
        create_pool.push("--sms-configuration".into());
        create_pool.push(format!(
            "SnsCallerArn=arn:aws:iam::{ACCOUNT}:role/switchboard-sms,ExternalId=switchboard-sms"
        ));
    }
    let pool = aws(&create_pool.iter().map(String::as_str).collect::<Vec<_>>())["UserPool"].clone();
    let pool_id = pool["Id"].as_str().unwrap().to_string();
    let pool_arn = pool["Arn"].as_str().unwrap();
    let mut permission = vec![
        "lambda",
        "add-permission",
        "--function-name",
        &invoked,
        "--statement-id",
        "cognito",
        "--action",
        "lambda:InvokeFunction",
        "--principal",
        "cognito-idp.amazonaws.com",
    ];
    match deployment.permission {
        Some("this pool") => permission.extend(["--source-arn", pool_arn]),
        Some(_) => {}
        None => permission.clear(),
    }
    if !permission.is_empty() {
        aws(&permission);
    }
    Made {
        pool_id,
        function,
        key_arn,
    }
}

fn doctor(made: &Made) -> Output {
    Command::new(BINARY)
        .args([
            "doctor",
            "--user-pool-id",
            &made.pool_id,
            "--function",
            &made.function,
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(moto().env())
        .output()
        .unwrap()
}

/// The checks that did not pass (`FAIL` or `--`), by name, and the whole report.
fn not_passed(output: &Output) -> (Vec<String>, String) {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let names = stdout
        .lines()
        .filter(|line| line.starts_with("FAIL") || line.starts_with("--"))
        .map(|line| line[6..24].trim().to_string())
        .collect();
    (names, stdout)
}

#[test]
fn a_correct_wiring_passes_every_check() {
    switchboard_testkit::require_program("aws", "pip install awscli");
    let made = deploy(Deployment::default());
    let output = doctor(&made);
    let stdout = switchboard_testkit::stdout_of(&output);
    assert!(stdout.contains("8 of 8 checks passed"), "{stdout}");
    switchboard_testkit::assert_mentions(
        &stdout,
        &[
            "ok    CustomEmailSender",
            "ok    CustomSMSSender",
            "(LambdaVersion V1_0)",
            "for this pool",
            "CognitoCreatesGrantsForThePool",
            &format!("decrypts this pool's codes under {}", made.key_arn),
            "switchboard-sms (ExternalId switchboard-sms)",
        ],
    );
    switchboard_testkit::assert_absent(&stdout, &["no-reply@acme.test"], "doctor's report");
}

#[test]
fn each_broken_wiring_fails_its_checks_with_the_fix() {
    switchboard_testkit::require_program("aws", "pip install awscli");
    // A key that exists (the function's start checks it), but not the pool's.
    let other_key = aws(&["kms", "create-key"])["KeyMetadata"]["Arn"]
        .as_str()
        .unwrap()
        .to_string();
    let cases: Vec<(&str, Deployment, Vec<&str>, Vec<&str>)> = vec![
        (
            "no SMS trigger, no SMS configuration",
            Deployment {
                sms_trigger: false,
                sms_configuration: false,
                ..Default::default()
            },
            vec!["CustomSMSSender", "SMS role"],
            vec![
                "not set: Cognito sends every SMS message itself",
                "LambdaVersion V1_0: follow docs/deploy.md",
            ],
        ),
        (
            "an SMS trigger without the pool's SMS role",
            Deployment {
                sms_configuration: false,
                ..Default::default()
            },
            vec!["SMS role"],
            vec![
                "a CustomSMSSender needs Cognito's SNS caller role",
                "--sms-configuration SnsCallerArn=",
            ],
        ),
        (
            "another LambdaVersion",
            Deployment {
                email_version: "V2_0",
                ..Default::default()
            },
            vec!["CustomEmailSender"],
            vec!["LambdaVersion is `V2_0`", "set LambdaVersion to V1_0"],
        ),
        (
            "the triggers name another function",
            Deployment {
                triggers_name_another_function: true,
                ..Default::default()
            },
            vec!["CustomEmailSender", "CustomSMSSender"],
            vec![
                "not the function checked",
                "point it at arn:aws:lambda:us-east-1:123456789012:function:switchboard-",
            ],
        ),
        (
            "an alias for KMSKeyID",
            Deployment {
                key_id: Some(format!("arn:aws:kms:us-east-1:{ACCOUNT}:alias/switchboard")),
                ..Default::default()
            },
            vec!["KMSKeyID", "key policy", "decrypt keys"],
            vec![
                "is not a key ARN",
                "not an alias or a key ID",
                "kms:GetKeyPolicy",
            ],
        ),
        (
            "no invoke permission",
            Deployment {
                permission: None,
                ..Default::default()
            },
            vec!["invoke permission"],
            vec![
                "has no resource policy",
                "aws lambda add-permission --function-name",
                "--principal cognito-idp.amazonaws.com --source-arn arn:aws:cognito-idp:us-east-1:",
            ],
        ),
        (
            "an invoke permission for any pool",
            Deployment {
                permission: Some("any pool"),
                ..Default::default()
            },
            vec!["invoke permission"],
            vec![
                "for any pool, in any account (no aws:SourceArn condition)",
                "remove that statement",
            ],
        ),
        (
            "a key policy without Cognito",
            Deployment {
                cognito_in_key_policy: false,
                ..Default::default()
            },
            vec!["key policy"],
            vec![
                "Cognito may not use the key (kms:CreateGrant): no statement allows",
                "CognitoCreatesGrantsForThePool",
            ],
        ),
        (
            "the function decrypts under another key",
            Deployment {
                environment: vec![("SWITCHBOARD_DECRYPT__KEY_ARN", other_key.clone())],
                ..Default::default()
            },
            vec!["decrypt keys"],
            vec![
                "but decrypt.key_arn allows only",
                &other_key,
                "SWITCHBOARD_DECRYPT__KEY_ARN",
            ],
        ),
        (
            "the function serves other pools only",
            Deployment {
                environment: vec![("SWITCHBOARD_DECRYPT__USER_POOLS", "us-east-1_Other".into())],
                ..Default::default()
            },
            vec!["decrypt keys"],
            vec!["decrypt.user_pools allows only us-east-1_Other"],
        ),
        (
            "a configuration that does not load",
            Deployment {
                environment: vec![("SWITCHBOARD_SMS__PROVIDERS", "twilio".into())],
                ..Default::default()
            },
            vec!["configuration", "decrypt keys"],
            vec![
                "check-config --lambda fails",
                "`sms.providers` names provider `twilio`",
                "not checked: the function's configuration does not load",
            ],
        ),
    ];
    for (what, deployment, failing, phrases) in cases {
        let output = doctor(&deploy(deployment));
        let (names, stdout) = not_passed(&output);
        assert!(!output.status.success(), "{what}: doctor passed:\n{stdout}");
        assert_eq!(names, failing, "{what}:\n{stdout}");
        assert!(
            !stdout.contains("ServiceError"),
            "{what}: AWS's answer in brief, not the SDK's Debug:\n{stdout}"
        );
        for phrase in phrases {
            assert!(
                stdout.contains(phrase),
                "{what}: `{phrase}` is not in:\n{stdout}"
            );
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("{} of 8 checks did not pass", failing.len())),
            "{what}: {stderr}"
        );
    }
}

#[test]
fn an_unknown_pool_is_a_clear_error() {
    let output = doctor(&Made {
        pool_id: "us-east-1_Nothere".into(),
        function: "switchboard".into(),
        key_arn: String::new(),
    });
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    switchboard_testkit::assert_mentions(
        &stderr,
        &[
            "cannot read user pool `us-east-1_Nothere` (cognito-idp:DescribeUserPool)",
            "check the pool ID, the region",
        ],
    );
}
