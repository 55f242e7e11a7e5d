//! Failover: the next provider after outages and auth failures, never after a rejection.

use std::sync::Arc;

use switchboard_providers::{
    Channel, ErrorKind, Failover, Message, MessageContext, ScriptedSender, Sender, SmsMessage,
};

const BOTH: &[Channel] = &[Channel::Email, Channel::Sms];

fn sms() -> Message {
    Message::Sms(SmsMessage {
        to: "+12025550123".into(),
        body: "Your code is 1".into(),
        sender_id: None,
        default_sender_id: None,
        validity: None,
        context: MessageContext::default(),
    })
}

fn chain(members: &[&Arc<ScriptedSender>]) -> Failover {
    Failover::new(
        "chain",
        members
            .iter()
            .map(|m| Arc::clone(m) as Arc<dyn Sender>)
            .collect(),
    )
}

#[tokio::test]
async fn moves_on_after_temporary_and_auth_failures() {
    for kind in [
        ErrorKind::Unavailable,
        ErrorKind::RateLimited,
        ErrorKind::Timeout,
        ErrorKind::Auth,
        ErrorKind::Config,
    ] {
        let a = Arc::new(ScriptedSender::failing("a", BOTH, kind, 1));
        let b = Arc::new(ScriptedSender::new("b", BOTH));
        let delivery = chain(&[&a, &b]).send(&sms()).await.unwrap();
        assert_eq!(delivery.provider, "b", "after {kind:?}");
    }
}

#[tokio::test]
async fn stops_at_a_rejection() {
    let a = Arc::new(ScriptedSender::failing("a", BOTH, ErrorKind::Rejected, 1));
    let b = Arc::new(ScriptedSender::new("b", BOTH));
    let err = chain(&[&a, &b]).send(&sms()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected);
    assert_eq!(b.attempts(), 0);
}

#[tokio::test]
async fn when_all_fail_the_error_is_temporary_if_any_attempt_was_and_names_each() {
    let a = Arc::new(ScriptedSender::failing(
        "a",
        BOTH,
        ErrorKind::Unavailable,
        1,
    ));
    let b = Arc::new(ScriptedSender::failing("b", BOTH, ErrorKind::Auth, 1));
    let err = chain(&[&a, &b]).send(&sms()).await.unwrap_err();
    assert!(err.is_temporary(), "{err}");
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(
        err.detail().contains("`a`") && err.detail().contains("`b`"),
        "{err}"
    );
}

#[tokio::test]
async fn the_first_success_ends_the_chain() {
    let a = Arc::new(ScriptedSender::new("a", BOTH));
    let b = Arc::new(ScriptedSender::new("b", BOTH));
    chain(&[&a, &b]).send(&sms()).await.unwrap();
    assert_eq!((a.attempts(), b.attempts()), (1, 0));
}

#[test]
fn a_chain_supports_only_the_channels_all_members_support() {
    let email_only = Arc::new(ScriptedSender::new("e", &[Channel::Email]));
    let both = Arc::new(ScriptedSender::new("b", BOTH));
    assert_eq!(chain(&[&email_only, &both]).channels(), &[Channel::Email]);
}
