//! `check-config` says of each provider whether its receipts are configured,
//! which keys would configure them, or that its service has none.

use switchboard_testkit::lambda::section_env;

use crate::harness::command_line;

#[test]
fn check_config_names_each_providers_receipts() {
    let key = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==";
    let mut env = section_env(
        "sg",
        &format!("type=sendgrid api_key=SG.check webhook_verification_key={key}"),
    );
    env.extend(section_env(
        "mg",
        "type=mailgun api_key=key-check domain=mg.acme.test",
    ));
    env.extend(section_env("relay", "type=smtp url=smtp://localhost:2525"));
    env.extend([
        ("SWITCHBOARD_EMAIL__PROVIDERS", "sg,mg,relay".to_string()),
        (
            "SWITCHBOARD_COGNITO__LOOKUP_MISSING_RECIPIENT",
            "false".to_string(),
        ),
        (
            "SWITCHBOARD_RECEIPTS__TABLE",
            "switchboard-trail".to_string(),
        ),
    ]);
    let (ok, out, err) = command_line(&["check-config"], &env);
    assert!(ok, "{err}\n{out}");
    let section = out
        .split("receipts (docs/receipts.md):")
        .nth(1)
        .expect(&out);
    switchboard_testkit::assert_mentions(
        section,
        &[
            "sg           configured (webhook_verification_key)",
            "mg           not configured: set webhook_signing_key",
            "relay        none: smtp has no per-message receipts",
            "trail table: switchboard-trail",
        ],
    );
}
