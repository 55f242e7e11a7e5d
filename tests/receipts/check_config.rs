//! `check-config` says of each provider whether its receipts are configured,
//! which keys would configure them, or that its service has none.

use crate::harness::{command_line, provider_env};

#[test]
fn check_config_names_each_providers_receipts() {
    let mut env = provider_env(
        "sg",
        &[
            ("type", "sendgrid".into()),
            ("api_key", "SG.check".into()),
            ("webhook_verification_key", "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==".into()),
        ],
    );
    env.extend(provider_env(
        "mg",
        &[
            ("type", "mailgun".into()),
            ("api_key", "key-check".into()),
            ("domain", "mg.acme.test".into()),
        ],
    ));
    env.extend(provider_env(
        "relay",
        &[
            ("type", "smtp".into()),
            ("url", "smtp://localhost:2525".into()),
        ],
    ));
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
    for line in [
        "sg           configured (webhook_verification_key)",
        "mg           not configured: set webhook_signing_key",
        "relay        none: smtp has no per-message receipts",
        "trail table: switchboard-trail",
    ] {
        assert!(section.contains(line), "`{line}` in:\n{section}");
    }
}
