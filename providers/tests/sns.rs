//! Amazon SNS SMS against a local moto server.

use switchboard_providers::services::sns::{Sns, SnsConfig};
use switchboard_providers::testing::conformance::{self, SECRET_CODE};
use switchboard_providers::{ErrorKind, Provider, Sender};
use switchboard_testkit::moto::moto;

fn sns() -> Provider<Sns> {
    Provider::new(
        "sns",
        Sns::new(
            aws_sdk_sns::Client::new(&moto().sdk_config()),
            SnsConfig {
                sender_id: Some("Acme".into()),
                max_price: Some("0.50".into()),
                ..SnsConfig::default()
            },
        ),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn publishes_a_transactional_sms_to_the_number() {
    let delivery = conformance::delivers(&sns(), &conformance::sample_sms("+4915100000001")).await;
    let data = moto().data().await;
    let sent = data["sns"]["SMS"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["message_id"] == delivery.message_id.as_str())
        .cloned()
        .expect("moto recorded the SMS");
    assert_eq!(sent["phone_number"], "+4915100000001");
    assert_eq!(sent["message"], format!("Your code is {SECRET_CODE}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_message_is_rejected_not_retried() {
    let mut message = conformance::sample_sms("+4915100000002");
    if let switchboard_providers::Message::Sms(sms) = &mut message {
        sms.body = "x".repeat(1700);
    }
    let err = sns().send(&message).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.is_temporary()),
        (ErrorKind::Rejected, false),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_endpoint_is_temporary_and_email_is_refused() {
    let config =
        aws_sdk_sns::config::Builder::from(&switchboard_testkit::moto::unreachable_sdk_config())
            .build();
    let sender = Provider::new(
        "sns",
        Sns::new(aws_sdk_sns::Client::from_conf(config), SnsConfig::default()),
    );
    let err =
        conformance::maps_transient_failure(&sender, &conformance::sample_sms("+4915100000003"))
            .await;
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    conformance::refuses_other_channel(&sns()).await;
}
