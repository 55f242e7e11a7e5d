//! `check-config` and `render`: what an operator runs before deploying.

use std::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_switchboard");

/// The binary run in `dir` with only `env` (and no Cognito look-up), as an
/// operator runs it before deploying.
pub(crate) fn switchboard(
    dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    Command::new(BINARY)
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("SWITCHBOARD_COGNITO__LOOKUP_MISSING_RECIPIENT", "false")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn check_config_prints_the_route_table_with_secrets_redacted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("switchboard.toml"),
        "[providers.sg]\ntype = \"sendgrid\"\napi_key = \"SG.inline-secret-value\"\n[email]\nproviders = [\"sg\", \"outbox\"]\n",
    )
    .unwrap();
    let output = switchboard(dir.path(), &["check-config"], &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    switchboard_testkit::stdout_of(&output);
    switchboard_testkit::assert_mentions(
        &stdout,
        &["CustomEmailSender_ForgotPassword", "sg > outbox"],
    );
    assert!(
        stdout.contains("<redacted>") && !stdout.contains("inline-secret-value"),
        "{stdout}"
    );
    assert!(stdout.contains("configuration OK"));
    for debug in ["CountryFilter", "Some(", "Sendgrid {", "SecretValue", "{}"] {
        assert!(
            !stdout.contains(debug),
            "no Rust Debug (`{debug}`) in:\n{stdout}"
        );
    }
    switchboard_testkit::assert_mentions(&stdout, &["type=sendgrid", "countries: all regions"]);
}

#[test]
fn check_config_lists_the_locales_of_each_template_set_and_what_one_lacks() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::write(dir.path().join("templates/sign-up.sv.sms"), "{{ code }}").unwrap();
    let output = switchboard(
        dir.path(),
        &["check-config"],
        &[("SWITCHBOARD_TEMPLATES__DIR", "templates")],
    );
    let stdout = switchboard_testkit::stdout_of(&output);
    let line = |prefix: &str| {
        stdout
            .lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` line in:\n{stdout}"))
            .to_string()
    };
    let sign_up_sms = line("sign-up (sms)");
    for locale in ["en", "de", "es", "fr", "pt-BR", "it", "ja", "ar", "sv"] {
        assert!(
            sign_up_sms.split_whitespace().any(|w| w == locale),
            "{locale}: {sign_up_sms}"
        );
    }
    assert!(!sign_up_sms.contains("missing"), "{sign_up_sms}");
    let forgot_sms = line("forgot-password (sms)");
    assert!(forgot_sms.ends_with("missing: sv"), "{forgot_sms}");
    assert!(!line("sign-up (email)").contains("missing"));
}

#[test]
fn check_config_catches_an_unknown_provider_and_a_broken_template() {
    let dir = tempfile::tempdir().unwrap();
    let output = switchboard(
        dir.path(),
        &["check-config"],
        &[("SWITCHBOARD_SMS__PROVIDERS", "twilio")],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`sms.providers` names provider `twilio`"),
        "{stderr}"
    );

    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("templates/forgot-password.de.txt"),
        "Hallo\n{% if %}",
    )
    .unwrap();
    let output = switchboard(
        dir.path(),
        &["check-config"],
        &[("SWITCHBOARD_TEMPLATES__DIR", "templates")],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    switchboard_testkit::assert_mentions(&stderr, &["forgot-password.de.txt", "line 2"]);
}

#[test]
fn check_config_prints_the_aws_sms_provider_and_the_sms_limits_and_names_a_bad_limit_key() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("SWITCHBOARD_PROVIDERS__EUM__TYPE", "aws-sms"),
        (
            "SWITCHBOARD_PROVIDERS__EUM__ORIGINATION_IDENTITY",
            "pool-0123",
        ),
        (
            "SWITCHBOARD_PROVIDERS__EUM__PROTECT_CONFIGURATION_ID",
            "protect-1",
        ),
        ("SWITCHBOARD_SMS__PROVIDERS", "eum"),
        ("SWITCHBOARD_SMS__LIMITS__PER_NUMBER", "5"),
        ("SWITCHBOARD_SMS__LIMITS__PER_COUNTRY__DEFAULT", "500"),
        ("SWITCHBOARD_SMS__LIMITS__PER_COUNTRY__GB", "100"),
        ("SWITCHBOARD_IDEMPOTENCY__TABLE", "switchboard-counts"),
        // Building the DynamoDB client needs a region; nothing is called.
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "AKIDCHECKCONFIG"),
        ("AWS_SECRET_ACCESS_KEY", "check-config-secret"),
    ];
    let output = switchboard(dir.path(), &["check-config"], &env);
    let stdout = String::from_utf8_lossy(&output.stdout);
    switchboard_testkit::stdout_of(&output);
    switchboard_testkit::assert_mentions(
        &stdout,
        &[
            "type=aws-sms",
            "origination_identity=pool-0123",
            "protect_configuration_id=protect-1",
            "message_type=TRANSACTIONAL",
        ],
    );
    let limits = stdout
        .split("sms limits:")
        .nth(1)
        .expect("an sms limits section");
    for line in [
        "per_number   5",
        "per_country  GB=100 default=500",
        "window       3600 s",
        "table        switchboard-counts",
    ] {
        assert!(limits.contains(line), "`{line}` in:\n{limits}");
    }

    let mut bad = env.to_vec();
    bad.push(("SWITCHBOARD_SMS__LIMITS__PER_COUNTRY__UK", "10"));
    let output = switchboard(dir.path(), &["check-config"], &bad);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    switchboard_testkit::assert_mentions(
        &stderr,
        &["sms.limits.per_country.uk", "ISO 3166", "\"GB\""],
    );
}

#[test]
fn check_config_as_lambda_refuses_the_development_setup() {
    let dir = tempfile::tempdir().unwrap();
    let output = switchboard(dir.path(), &["check-config", "--lambda"], &[]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("insecure development key"));
}

#[test]
fn render_writes_the_message_for_review() {
    let dir = tempfile::tempdir().unwrap();
    let output = switchboard(
        dir.path(),
        &[
            "render",
            "--trigger",
            "CustomEmailSender_ForgotPassword",
            "--locale",
            "de",
            "--out",
            "out",
        ],
        &[],
    );
    switchboard_testkit::stdout_of(&output);
    let subject = std::fs::read_to_string(
        dir.path()
            .join("out/CustomEmailSender_ForgotPassword.subject"),
    )
    .unwrap();
    assert_eq!(subject, "Passwort für Switchboard Demo zurücksetzen");
    let html =
        std::fs::read_to_string(dir.path().join("out/CustomEmailSender_ForgotPassword.html"))
            .unwrap();
    assert!(html.contains("491305") && html.contains("lang=\"de\""));
    let output = switchboard(
        dir.path(),
        &[
            "render",
            "--trigger",
            "CustomSMSSender_SignUp",
            "--out",
            "out",
        ],
        &[],
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("1 segment(s)"));
}

#[test]
fn render_writes_nothing_outside_its_out_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("work")).unwrap();
    for trigger in [
        "CustomEmailSender_../../escaped",
        "CustomEmailSender_a/b",
        "..",
        "",
    ] {
        let output = switchboard(
            &dir.path().join("work"),
            &["render", "--trigger", trigger, "--out", "out"],
            &[],
        );
        assert!(!output.status.success(), "`{trigger}` was rendered");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("is not a trigger source name"), "{stderr}");
    }
    let written: Vec<_> = walk(dir.path());
    assert!(
        written
            .iter()
            .all(|p| !p.contains("escaped") && !p.ends_with(".html")),
        "{written:?}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk(&path));
        }
        found.push(path.display().to_string());
    }
    found
}

#[test]
fn send_test_reads_its_recipient_as_a_real_event_would() {
    let dir = tempfile::tempdir().unwrap();
    let send_test = |to: &str| {
        switchboard(
            dir.path(),
            &["send-test", "--provider", "outbox", "--to", to],
            &[],
        )
    };
    for (to, problem) in [
        ("not an address", "--to is neither an email address nor a phone number: it is not a phone number (it contains letters)"),
        ("12345", "--to is neither an email address nor a phone number"),
        ("ops@", "--to: not a valid mailbox"),
    ] {
        let output = send_test(to);
        assert!(!output.status.success(), "`{to}` was accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(problem), "`{to}`: {stderr}");
    }
    assert!(
        !dir.path().join("outbox").exists()
            || std::fs::read_dir(dir.path().join("outbox"))
                .unwrap()
                .next()
                .is_none(),
        "nothing was written to the outbox"
    );
    let output = send_test("+49 151 12345678");
    switchboard_testkit::stdout_of(&output);
    let sent: Vec<_> = std::fs::read_dir(dir.path().join("outbox"))
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains("+4915112345678"),
        "sent to the E.164 form: {}",
        sent[0]
    );
}

#[test]
fn check_config_shows_the_retries_and_the_circuit_breaker_and_refuses_a_zero_cool_down() {
    let dir = tempfile::tempdir().unwrap();
    let output = switchboard(
        dir.path(),
        &["check-config"],
        &[("SWITCHBOARD_DELIVERY__BREAKER__THRESHOLD", "4")],
    );
    let stdout = switchboard_testkit::stdout_of(&output);
    let delivery = stdout
        .split("delivery:")
        .nth(1)
        .expect("a delivery section");
    switchboard_testkit::assert_mentions(
        delivery,
        &[
            "3 per provider, 4000 ms each",
            "10000 ms per event",
            "after 4 temporary failures in a row a provider is skipped for 30000 ms, then probed once",
        ],
    );
    let off = switchboard(
        dir.path(),
        &["check-config"],
        &[("SWITCHBOARD_DELIVERY__BREAKER__THRESHOLD", "0")],
    );
    assert!(switchboard_testkit::stdout_of(&off)
        .contains("breaker      off (delivery.breaker.threshold = 0)"));
    let zero = switchboard(
        dir.path(),
        &["check-config"],
        &[("SWITCHBOARD_DELIVERY__BREAKER__COOL_DOWN_MS", "0")],
    );
    assert!(!zero.status.success());
    let stderr = String::from_utf8_lossy(&zero.stderr);
    assert!(
        stderr.contains("delivery.breaker.cool_down_ms")
            && stderr.contains("delivery.breaker.threshold = 0"),
        "{stderr}"
    );
}
