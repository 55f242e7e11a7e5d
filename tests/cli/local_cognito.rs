//! The local Cognito loop (`scripts/local/local_cognito.py`), end to end: cognito-local
//! (npm, patched to send codes shaped as Cognito's) invokes the real binary
//! running as in Lambda, which delivers into the local inbox; the flows confirm
//! with what was delivered. cognito-local as published sends a code real Cognito
//! never sends, and the function refuses it with the documented reason.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, ChallengeNameType, DeliveryMediumType,
};
use aws_sdk_cognitoidentityprovider::Client;
use serde_json::Value;

const PASSWORD: &str = "Local-Passw0rd!";

/// The two cognito-local package directories `scripts/setup-cognito-local`
/// printed (`SB_COGNITO_LOCAL`, set by ./scripts/test): patched, as published.
fn packages() -> (PathBuf, PathBuf) {
    let dirs = std::env::var("SB_COGNITO_LOCAL").expect(
        "SB_COGNITO_LOCAL is not set: run the suite with ./scripts/test, which installs cognito-local (scripts/setup-cognito-local)",
    );
    let mut lines = dirs.lines().map(PathBuf::from);
    let (patched, published) = (lines.next().unwrap(), lines.next().unwrap());
    assert!(
        patched.join("lib/bin/start.js").exists(),
        "{} is not cognito-local",
        patched.display()
    );
    (patched, published)
}

/// A running loop; stopped (its stdin closed) when dropped.
struct Loop {
    process: Child,
    ready: Value,
    _dir: tempfile::TempDir,
}

impl Drop for Loop {
    fn drop(&mut self) {
        drop(self.process.stdin.take());
        let _ = self.process.wait();
    }
}

impl Loop {
    fn start(package: &Path) -> Loop {
        let dir = tempfile::tempdir().unwrap();
        let ready_file = dir.path().join("ready.json");
        let process = Command::new(switchboard_testkit::python())
            .arg(switchboard_testkit::repo_root().join("scripts/local/local_cognito.py"))
            .args(["--binary", env!("CARGO_BIN_EXE_switchboard")])
            .arg("--package")
            .arg(package)
            .arg("--ready-file")
            .arg(&ready_file)
            .arg("--inbox")
            .arg(dir.path().join("inbox"))
            .arg("--work")
            .arg(dir.path().join("work"))
            .args(["--quiet", "--until-stdin-closes"])
            .stdin(Stdio::piped())
            .spawn()
            .expect("start scripts/local/local_cognito.py");
        let mut process = process;
        let deadline = Instant::now() + Duration::from_secs(60);
        while !ready_file.exists() {
            if Instant::now() > deadline || process.try_wait().ok().flatten().is_some() {
                let _ = process.kill();
                panic!("the local loop did not start");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let ready = serde_json::from_slice(&std::fs::read(&ready_file).unwrap()).unwrap();
        Loop {
            process,
            ready,
            _dir: dir,
        }
    }

    fn field(&self, name: &str) -> String {
        self.ready[name].as_str().unwrap().to_string()
    }

    async fn client(&self) -> Client {
        let config = switchboard_testkit::moto::sdk_config_at(&self.field("cognito"));
        Client::new(&config)
    }

    /// The `n`th message delivered (1-based), as the webhook posted it.
    fn message(&self, n: usize) -> Value {
        let file = PathBuf::from(self.field("inbox")).join(format!("{n:04}.json"));
        let deadline = Instant::now() + Duration::from_secs(20);
        while !file.exists() {
            assert!(
                Instant::now() < deadline,
                "message {n} did not arrive; invocations: {}",
                self.invocations()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap()
    }

    fn invocations(&self) -> String {
        std::fs::read_to_string(PathBuf::from(self.field("inbox")).join("invocations.jsonl"))
            .unwrap_or_default()
    }
}

/// The code a reader takes from the mail's text: its own line under the sentence.
fn code_in(message: &Value) -> String {
    let text = message["text"].as_str().unwrap();
    text.lines()
        .map(str::trim)
        .find(|line| line.len() == 6 && line.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no code in:\n{text}"))
        .to_string()
}

fn email(address: &str) -> AttributeType {
    AttributeType::builder()
        .name("email")
        .value(address)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_up_forgot_password_and_admin_create_user_work_with_the_delivered_codes() {
    let (patched, _) = packages();
    let local = Loop::start(&patched);
    let cognito = local.client().await;
    let (pool, client) = (local.field("user_pool_id"), local.field("client_id"));

    cognito
        .sign_up()
        .client_id(&client)
        .username("jane@example.com")
        .password(PASSWORD)
        .user_attributes(email("jane@example.com"))
        .send()
        .await
        .unwrap();
    let sign_up = local.message(1);
    assert_eq!(sign_up["trigger_source"], "CustomEmailSender_SignUp");
    let wrong = cognito
        .confirm_sign_up()
        .client_id(&client)
        .username("jane@example.com")
        .confirmation_code("000000")
        .send()
        .await;
    assert!(wrong.is_err(), "cognito-local checks the code");
    cognito
        .confirm_sign_up()
        .client_id(&client)
        .username("jane@example.com")
        .confirmation_code(code_in(&sign_up))
        .send()
        .await
        .expect("the delivered code confirms the sign-up");

    cognito
        .forgot_password()
        .client_id(&client)
        .username("jane@example.com")
        .send()
        .await
        .unwrap();
    let forgot = local.message(2);
    assert_eq!(forgot["trigger_source"], "CustomEmailSender_ForgotPassword");
    cognito
        .confirm_forgot_password()
        .client_id(&client)
        .username("jane@example.com")
        .confirmation_code(code_in(&forgot))
        .password("Another-Passw0rd!")
        .send()
        .await
        .expect("the delivered code resets the password");

    // Characters Cognito HTML-escapes in a temporary password, and an entity's
    // text, which survives only if the escaping is Cognito's.
    let temporary = "T&lt;mp<&\"1x>Q";
    cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username("max@example.com")
        .temporary_password(temporary)
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .user_attributes(email("max@example.com"))
        .send()
        .await
        .unwrap();
    let created = local.message(3);
    assert_eq!(
        created["trigger_source"],
        "CustomEmailSender_AdminCreateUser"
    );
    let text = created["text"].as_str().unwrap();
    let delivered = text
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("T&"))
        .unwrap_or_else(|| panic!("no temporary password in:\n{text}"));
    assert_eq!(
        delivered, temporary,
        "escaped by the patch as Cognito does, unescaped once by us"
    );
    let signed_in = cognito
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "max@example.com")
        .auth_parameters("PASSWORD", delivered)
        .send()
        .await
        .expect("the delivered temporary password signs in");
    assert_eq!(
        signed_in.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cognito_local_as_published_gets_the_documented_refusal() {
    let (_, published) = packages();
    let local = Loop::start(&published);
    let cognito = local.client().await;
    cognito
        .sign_up()
        .client_id(local.field("client_id"))
        .username("jane@example.com")
        .password(PASSWORD)
        .user_attributes(email("jane@example.com"))
        .send()
        .await
        .expect("cognito-local swallows the function's error");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !local.invocations().contains("DecryptFailed") {
        assert!(
            Instant::now() < deadline,
            "no refusal: {}",
            local.invocations()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let invocations = local.invocations();
    switchboard_testkit::assert_mentions(
        &invocations,
        &[
            "encrypted data keys",
            "real Cognito encrypts under exactly one",
            "docs/decryption.md",
        ],
    );
    assert!(
        !PathBuf::from(local.field("inbox"))
            .join("0001.json")
            .exists(),
        "nothing was delivered"
    );
}
