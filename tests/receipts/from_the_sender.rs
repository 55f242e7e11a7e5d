//! The whole loop: the sender delivers an SMS through Twilio and an email
//! through SendGrid (recording stand-ins), each provider later answers with
//! the receipt the real one would send — our correlation echoed where it
//! echoes it — and the receipts function, running as Lambda, stores each in
//! the event's trail.

use serde_json::{json, Value};
use switchboard::cognito::mint::CodeMinter;
use switchboard::startup::{self, Runtime, StartupOptions};
use switchboard::testing::{example_event, provider, set_attribute};
use switchboard_testkit::hostile::{Hostile, Mode};
use switchboard_testkit::lambda::section_env;

use crate::harness::{
    assert_all_ok, command_line, environment, function_url, metric_lines, run_receipts, sign,
    trail, RECEIPTS_URL,
};

const TWILIO_TOKEN: &str = "loop-twilio-auth-token-0123";
const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";

#[tokio::test(flavor = "multi_thread")]
async fn a_delivered_sms_and_email_come_back_as_receipts_into_their_events_trail() {
    let twilio = Hostile::start(vec![Mode::with_headers(
        201,
        &[("Content-Type", "application/json")],
        r#"{"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"}"#,
    )]);
    let sendgrid = Hostile::start(vec![Mode::with_headers(
        202,
        &[("X-Message-Id", "sg-loop-1")],
        "",
    )]);
    let keys = sign(json!({"kind": "sendgrid-key"}));
    let public_key = keys["public_key"].as_str().unwrap().to_string();

    let mut config = switchboard::testing::defaults();
    config.providers.insert(
        "tw".into(),
        provider(
            "tw",
            &format!(
                "type = 'twilio'\naccount_sid = '{ACCOUNT}'\nauth_token = '{TWILIO_TOKEN}'\nfrom = '+15005550006'\nbase_url = '{}'",
                twilio.url()
            ),
        ),
    );
    config.providers.insert(
        "sg".into(),
        provider(
            "sg",
            &format!(
                "type = 'sendgrid'\napi_key = 'SG.loop'\nbase_url = '{}'\nwebhook_verification_key = '{public_key}'",
                sendgrid.url()
            ),
        ),
    );
    config.sms.providers = vec!["tw".into()];
    config.email.providers = vec!["sg".into()];
    // Written one way for the sender and another for the receipts function:
    // both read it as the same URL, which Twilio signs.
    config.receipts.url = Some(RECEIPTS_URL.to_uppercase().replace("HTTPS", "https") + "/");
    let sender = startup::build(&config, StartupOptions::new(Runtime::Local))
        .await
        .unwrap();
    let minter = CodeMinter::insecure_dev_key().await.unwrap();
    let mut sms = example_event("CustomSMSSender_SignUp");
    set_attribute(&mut sms, "phone_number", "+12025550177");
    sms.request.code = Some(minter.mint("402915", &sms.user_pool_id).await.unwrap());
    let mut email = example_event("CustomEmailSender_SignUp");
    email.request.code = Some(minter.mint("402916", &email.user_pool_id).await.unwrap());
    let (sms_id, email_id) = (sms.id().unwrap(), email.id().unwrap());
    sender.handle(sms).await.unwrap();
    sender.handle(email).await.unwrap();

    // Twilio posts the message's status to the StatusCallback it was given.
    let sent = &twilio.received()[0];
    let callback = url::form_urlencoded::parse(&sent.body)
        .find(|(key, _)| key == "StatusCallback")
        .map(|(_, value)| value.into_owned())
        .expect("a StatusCallback");
    let callback_url = url::Url::parse(&callback).unwrap();
    let params = json!({
        "AccountSid": ACCOUNT,
        "MessageSid": "SM0123456789abcdef0123456789abcdef",
        "MessageStatus": "delivered",
        "SmsStatus": "delivered",
        "To": "+12025550177",
        "From": "+15005550006",
        "ApiVersion": "2010-04-01",
    });
    let signature = sign(
        json!({"kind": "twilio", "auth_token": TWILIO_TOKEN, "url": callback, "params": params}),
    );
    let body: String = crate::harness::form_body(&params);
    let mut headers = signature;
    headers["content-type"] = json!("application/x-www-form-urlencoded");
    let twilio_receipt = function_url(
        callback_url.path(),
        callback_url.query().unwrap_or_default(),
        &headers,
        body.as_bytes(),
    );

    // SendGrid's event webhook: the custom args come back as top-level fields.
    let mail: Value = serde_json::from_slice(&sendgrid.received()[0].body).unwrap();
    let mut delivered = json!({
        "email": "jane.doe@example.com",
        "timestamp": crate::harness::now_secs(),
        "event": "delivered",
        "response": "250 OK",
        "sg_event_id": "sg-loop-delivered",
        "sg_message_id": "sg-loop-1.filter0001",
    });
    for (key, value) in mail["custom_args"].as_object().unwrap() {
        delivered[key] = value.clone();
    }
    let batch = json!([delivered]).to_string();
    let mut headers = sign(json!({
        "kind": "sendgrid",
        "private_key_pem": keys["private_key_pem"],
        "timestamp": crate::harness::now_secs(),
        "body": batch,
    }));
    headers["content-type"] = json!("application/json");
    let sendgrid_receipt = function_url("/sg", "", &headers, batch.as_bytes());

    let mut env = section_env(
        "tw",
        &format!("type=twilio account_sid={ACCOUNT} auth_token={TWILIO_TOKEN} from=+15005550006"),
    );
    env.extend(section_env(
        "sg",
        &format!("type=sendgrid api_key=SG.loop webhook_verification_key={public_key}"),
    ));
    let (mut env, table) = environment(env).await;
    env.push(("SWITCHBOARD_RECEIPTS__URL", format!("{RECEIPTS_URL}:443")));
    let (results, printed) = run_receipts(&[twilio_receipt, sendgrid_receipt], &env);
    assert_all_ok(&results, &printed);
    let sms_trail = trail(&table, &sms_id, "tw").await.expect("the SMS's trail");
    assert_eq!(sms_trail["status"], "delivered");
    assert_eq!(sms_trail["trigger_source"], "CustomSMSSender_SignUp");
    let email_trail = trail(&table, &email_id, "sg")
        .await
        .expect("the email's trail");
    assert_eq!(email_trail["status"], "delivered");
    assert_eq!(email_trail["message_id"], "sg-loop-1.filter0001");
    let metrics = metric_lines(&printed);
    assert_eq!(metrics.len(), 2, "{printed}");

    // The operator's question, "did this code arrive?", on the command line.
    for (event, provider, channel) in [(&sms_id, "tw", "sms"), (&email_id, "sg", "email")] {
        let (ok, out, err) = command_line(&["status", "--event", event], &env);
        assert!(ok, "{err}");
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(provider))
            .unwrap_or_else(|| panic!("a line for {provider}:\n{out}"));
        for part in [channel, "delivered"] {
            assert!(line.contains(part), "{part} in {line}");
        }
    }
    let (ok, _, err) = command_line(&["status", "--event", &"0".repeat(64)], &env);
    assert!(!ok);
    switchboard_testkit::assert_mentions(&err, &["no receipt", "tw", "sg"]);
}
