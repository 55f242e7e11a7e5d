//! What the pipeline tests share: an app whose chains are the test's own
//! scripted senders, and example events carrying a freshly minted code.

use std::sync::Arc;

use switchboard::cognito::mint::CodeMinter;
use switchboard::config::Config;
use switchboard::providers::testing::BOTH_CHANNELS;
use switchboard::providers::{Message, ScriptedSender, Sender};
use switchboard::testing::TestApp;
use switchboard::App;

/// An app whose email and SMS chains are the given scripted senders.
pub async fn app_with(config: &mut Config, senders: &[&Arc<ScriptedSender>]) -> App {
    let senders: Vec<Arc<dyn Sender>> = senders
        .iter()
        .map(|s| Arc::clone(s) as Arc<dyn Sender>)
        .collect();
    TestApp::new(config.clone()).senders(&senders).start().await
}

/// An app on the embedded defaults whose only provider is a scripted `memory`.
pub async fn app_with_memory() -> (Arc<ScriptedSender>, App) {
    let memory = scripted("memory");
    let app = app_with(&mut switchboard::testing::defaults(), &[&memory]).await;
    (memory, app)
}

pub fn scripted(name: &str) -> Arc<ScriptedSender> {
    Arc::new(ScriptedSender::new(name, BOTH_CHANNELS))
}

pub async fn example_with_code(
    trigger: &str,
    plaintext: &str,
) -> switchboard::cognito::event::CustomSenderEvent {
    let mut event = switchboard::testing::example_event(trigger);
    let minter = CodeMinter::insecure_dev_key().await.unwrap();
    event.request.code = Some(minter.mint(plaintext, &event.user_pool_id).await.unwrap());
    event
}

/// What `sender` accepted, as a reader sees it: each email's text part or each SMS's body.
pub fn texts(sender: &ScriptedSender) -> Vec<String> {
    sender
        .accepted()
        .iter()
        .map(|m| match m {
            Message::Email(e) => e.text.clone(),
            Message::Sms(s) => s.body.clone(),
        })
        .collect()
}

/// The demo's app on the embedded defaults, delivering to an outbox in `dir`.
pub async fn outbox_app(dir: &std::path::Path) -> App {
    let config = switchboard::testing::defaults_with_outbox(dir);
    switchboard::startup::build(&config, switchboard::startup::StartupOptions::demo())
        .await
        .unwrap()
}
