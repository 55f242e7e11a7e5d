//! The world the hostile-AWS pipeline tests run in: KMS, DynamoDB and Cognito
//! on moto behind `switchboard_testkit::aws_proxy`, which injects the faults,
//! and an app on the real pipeline with the test's scripted sender.

use aws_sdk_dynamodb::types::AttributeValue;
use std::sync::Arc;
use std::time::Duration;
use switchboard::cognito::event::CustomSenderEvent;
use switchboard::cognito::mint::CodeMinter;
use switchboard::pipeline::guards::OnStoreError;
use switchboard::providers::testing::BOTH_CHANNELS;
use switchboard::providers::{ScriptedSender, Sender};
use switchboard::testing::TestApp;
use switchboard::{App, OutcomeStatus};
use switchboard_testkit::aws_proxy::AwsProxy;
use switchboard_testkit::moto::{moto, sdk_config_at};

pub const PUT: &str = "DynamoDB_20120810.PutItem";
pub const UPDATE: &str = "DynamoDB_20120810.UpdateItem";
pub const DELETE: &str = "DynamoDB_20120810.DeleteItem";
pub const DECRYPT: &str = "TrentService.Decrypt";
pub const ADMIN_GET_USER: &str = "AWSCognitoIdentityProviderService.AdminGetUser";
/// Past the DynamoDB client's 1 s attempt timeout (`src/aws.rs`).
pub const LATE: Duration = Duration::from_millis(1600);
/// Past the KMS client's 2 s attempt timeout.
pub const LATE_FOR_KMS: Duration = Duration::from_millis(2600);
pub const CODE: &str = "604817";

/// One test's world: a proxy in front of moto, a KMS key, a table, a sender.
pub struct World {
    pub proxy: AwsProxy,
    pub key: String,
    pub table: String,
    pub sender: Arc<ScriptedSender>,
}

impl World {
    pub async fn new(sender: ScriptedSender) -> World {
        World {
            proxy: AwsProxy::start(&moto().endpoint),
            key: moto().create_kms_key().await,
            table: moto().create_idempotency_table().await,
            sender: Arc::new(sender),
        }
    }

    pub async fn healthy() -> World {
        World::new(ScriptedSender::new("memory", BOTH_CHANNELS)).await
    }

    /// The app: KMS, the idempotency table and (with `per_number`) the SMS
    /// limits counting in it, all through the proxy.
    pub async fn app(&self, per_number: u32, on_store_error: OnStoreError) -> App {
        let (key, table) = (self.key.clone(), self.table.clone());
        TestApp::new(switchboard::testing::defaults())
            .configure(move |c| {
                c.decrypt.key_arn = Some(key);
                c.idempotency.table = Some(table);
                c.idempotency.on_store_error = on_store_error;
                c.sms.limits.per_number = per_number;
                c.sms.limits.window_seconds = switchboard_testkit::WINDOW_WITHOUT_AN_END_SOON;
                c.delivery.max_attempts = 1;
            })
            .sender(Arc::clone(&self.sender) as Arc<dyn Sender>)
            .aws(sdk_config_at(&self.proxy.url()))
            .as_configured()
            .start()
            .await
    }

    /// An event of `trigger` with a code Cognito would send, minted on moto
    /// directly (not through the proxy), for a user of its own.
    pub async fn event(&self, trigger: &str, user: &str) -> CustomSenderEvent {
        let mut event = switchboard::testing::example_event(trigger);
        event.user_name = user.to_string();
        let minter = CodeMinter::kms(&self.key.parse().unwrap(), moto().kms())
            .await
            .unwrap();
        event.request.code = Some(minter.mint(CODE, &event.user_pool_id).await.unwrap());
        event
    }

    /// The item `key` of the table, read on moto directly.
    pub async fn item(
        &self,
        key: &str,
    ) -> Option<std::collections::HashMap<String, AttributeValue>> {
        moto().item(&self.table, key).await
    }

    /// The SMS counts of every item of the table, read on moto directly.
    pub async fn sms_counts(&self) -> Vec<u64> {
        aws_sdk_dynamodb::Client::new(&moto().sdk_config())
            .scan()
            .table_name(&self.table)
            .send()
            .await
            .unwrap()
            .items()
            .iter()
            .filter(|item| {
                item["id"]
                    .as_s()
                    .is_ok_and(|id| id.starts_with("sms-limit#"))
            })
            .map(|item| item["count"].as_n().unwrap().parse().unwrap())
            .collect()
    }
}

pub fn status_of(item: &std::collections::HashMap<String, AttributeValue>) -> &str {
    item["status"].as_s().unwrap()
}

/// What `app` answers for `event`.
pub async fn status(app: &App, event: CustomSenderEvent) -> OutcomeStatus {
    app.handle(event).await.unwrap().status
}
