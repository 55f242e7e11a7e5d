//! Configuration layers: embedded defaults → TOML file → SWITCHBOARD_* variables.
//! Each test runs in a figment `Jail` (own directory and environment, serialised).
// `Jail` closures return figment::Error, which is large; that is figment's API.
#![allow(clippy::result_large_err)]

use figment::Jail;
use switchboard::config::{Config, ConfigError};

const FILE: &str = r#"
[providers.primary]
type = "outbox"
dir = "primary-out"

[providers.backup]
type = "outbox"
dir = "backup-out"

[email]
providers = ["primary", "backup"]

[routes.CustomEmailSender_ForgotPassword]
template = "code"
"#;

#[test]
fn a_toml_file_sets_the_provider_chain() {
    Jail::expect_with(|jail| {
        jail.create_file("switchboard.toml", FILE)?;
        let config = Config::load().map_err(|e| e.to_string())?;
        assert_eq!(config.email.providers, ["primary", "backup"]);
        assert_eq!(
            config.sms.providers,
            ["outbox"],
            "untouched keys keep their defaults"
        );
        assert_eq!(config.providers.len(), 3);
        Ok(())
    });
}

#[test]
fn an_environment_variable_swaps_the_chain_without_touching_the_file() {
    Jail::expect_with(|jail| {
        jail.create_file("custom.toml", FILE)?;
        jail.set_env("SWITCHBOARD_CONFIG", "custom.toml");
        jail.set_env("SWITCHBOARD_EMAIL__PROVIDERS", "backup,primary");
        let config = Config::load().map_err(|e| e.to_string())?;
        assert_eq!(config.email.providers, ["backup", "primary"]);
        jail.set_env("SWITCHBOARD_EMAIL__PROVIDERS", "[backup]");
        let config = Config::load().map_err(|e| e.to_string())?;
        assert_eq!(config.email.providers, ["backup"], "array syntax works too");
        Ok(())
    });
}

#[test]
fn an_upper_case_route_variable_overrides_the_files_route() {
    Jail::expect_with(|jail| {
        jail.create_file("switchboard.toml", FILE)?;
        jail.set_env(
            "SWITCHBOARD_ROUTES__CUSTOMEMAILSENDER_FORGOTPASSWORD__PROVIDERS",
            "backup",
        );
        let config = Config::load().map_err(|e| e.to_string())?;
        let route = &config.routes["CustomEmailSender_ForgotPassword"];
        assert_eq!(
            route.providers.as_deref(),
            Some(&["backup".to_string()][..])
        );
        assert_eq!(
            route.template.as_deref(),
            Some("code"),
            "the file's keys for the route survive"
        );
        assert_eq!(config.routes.len(), 1);
        Ok(())
    });
}

#[test]
fn an_unknown_key_in_the_file_is_named_with_its_file() {
    Jail::expect_with(|jail| {
        jail.create_file("switchboard.toml", "[email]\nproviderz = [\"outbox\"]\n")?;
        let err = Config::load().unwrap_err().to_string();
        assert!(err.contains("at key `email.providerz`"), "{err}");
        assert!(err.contains("switchboard.toml"), "names the file: {err}");
        Ok(())
    });
}

#[test]
fn an_unknown_environment_variable_is_named() {
    Jail::expect_with(|jail| {
        jail.set_env("SWITCHBOARD_EMAIL__FORM", "x@y.test");
        let err = Config::load().unwrap_err().to_string();
        switchboard_testkit::assert_mentions(
            &err,
            &["at key `email.form`", "SWITCHBOARD_EMAIL__FORM"],
        );
        assert!(err.contains("expected"), "lists the valid keys: {err}");
        Ok(())
    });
}

#[test]
fn an_unknown_provider_type_lists_the_available_types() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "switchboard.toml",
            "[providers.x]\ntype = \"carrier-pigeon\"\n",
        )?;
        let err = Config::load().unwrap_err().to_string();
        switchboard_testkit::assert_mentions(&err, &["carrier-pigeon", "outbox"]);
        assert!(err.contains("providers.x"), "{err}");
        Ok(())
    });
}

#[test]
fn a_missing_config_file_is_an_error_not_a_silent_default() {
    Jail::expect_with(|jail| {
        jail.set_env("SWITCHBOARD_CONFIG", "does-not-exist.toml");
        let err = Config::load().unwrap_err();
        assert!(matches!(err, ConfigError::MissingFile(_)), "{err}");
        assert!(err.to_string().contains("does-not-exist.toml"));
        Ok(())
    });
}

#[test]
fn the_embedded_defaults_load_with_no_file_and_no_environment() {
    Jail::expect_with(|_jail| {
        let config = Config::load().map_err(|e| e.to_string())?;
        assert_eq!(config.email.providers, ["outbox"]);
        assert_eq!(config.decrypt.key_arn, None, "empty key_arn means unset");
        Ok(())
    });
}

/// Every text setting of every provider type (from the services' `docs.md`,
/// whose keys `tests/architecture` checks against the code), given a
/// numeric-looking value in an environment variable: it must arrive exactly as
/// written (figment's own env parser turns `+15005550006` into the number
/// 15005550006 and `007` into 7).
#[test]
fn numeric_looking_environment_values_arrive_as_written_for_every_provider_string() {
    let services = switchboard_testkit::docs::services();
    let mut checked = 0;
    for service in &services {
        let kind = service.type_name.as_str();
        for field in service.keys.iter().filter(|k| k.is_text()) {
            for value in ["+15005550006", "007", "1e3", "true"] {
                Jail::expect_with(|jail| {
                    jail.set_env("SWITCHBOARD_PROVIDERS__P__TYPE", kind);
                    for required in service.keys.iter().filter(|k| k.is_required()) {
                        jail.set_env(format!("SWITCHBOARD_PROVIDERS__P__{}", required.name), "s");
                    }
                    jail.set_env(
                        format!("SWITCHBOARD_PROVIDERS__P__{}", field.name.to_uppercase()),
                        value,
                    );
                    let config =
                        Config::load().map_err(|e| format!("{kind}.{}: {e}", field.name))?;
                    let provider = &config.providers["p"];
                    // The sender's secrets, and those only the receipts function resolves.
                    let secret = provider
                        .secrets()
                        .into_iter()
                        .chain(provider.receipt_secrets())
                        .find(|(key, _)| *key == field.name)
                        .map(|(_, secret)| secret.configured().to_string());
                    let plain = serde_json::to_value(provider).unwrap()[&field.name]
                        .as_str()
                        .map(str::to_string);
                    let arrived = secret.or(plain);
                    assert_eq!(
                        arrived.as_deref(),
                        Some(value),
                        "{kind}.{} = {value}: {provider:?}",
                        field.name
                    );
                    assert_eq!(provider.type_name(), kind);
                    Ok(())
                });
                checked += 1;
            }
        }
    }
    let text_keys: usize = services
        .iter()
        .map(|s| s.keys.iter().filter(|k| k.is_text()).count())
        .sum();
    assert!(
        text_keys >= 38,
        "every text key of every service was found: {text_keys}"
    );
    assert_eq!(checked, text_keys * 4);
}

#[test]
fn numeric_looking_environment_values_arrive_as_written_outside_providers() {
    Jail::expect_with(|jail| {
        jail.set_env("SWITCHBOARD_APP__NAME", "1234");
        jail.set_env("SWITCHBOARD_SMS__SENDER_ID", "+15005550006");
        jail.set_env(
            "SWITCHBOARD_ROUTES__CUSTOMSMSSENDER_SIGNUP__SENDER_ID",
            "007",
        );
        jail.set_env("SWITCHBOARD_CLIENTS__ABC__SENDER_ID", "12345");
        jail.set_env("SWITCHBOARD_IDEMPOTENCY__TABLE", "0042");
        jail.set_env("SWITCHBOARD_DELIVERY__MAX_ATTEMPTS", "5");
        jail.set_env("SWITCHBOARD_SMS__ALLOWED_COUNTRIES", "US,gb,001,44");
        let config = Config::load().map_err(|e| e.to_string())?;
        assert_eq!(config.app.name, "1234");
        assert_eq!(config.sms.sender_id.as_deref(), Some("+15005550006"));
        assert_eq!(
            config.routes["CustomSMSSender_SignUp"].sender_id.as_deref(),
            Some("007")
        );
        assert_eq!(config.clients["abc"].sender_id.as_deref(), Some("12345"));
        assert_eq!(config.idempotency.table.as_deref(), Some("0042"));
        assert_eq!(
            config.delivery.max_attempts, 5,
            "numbers are read from text"
        );
        let countries: Vec<String> = config
            .sms
            .allowed_countries
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            countries,
            ["US", "GB", "001", "44"],
            "regions, and a calling code as before"
        );
        Ok(())
    });
}

#[test]
fn a_bad_provider_value_names_the_full_key_and_its_variable() {
    Jail::expect_with(|jail| {
        jail.set_env("SWITCHBOARD_PROVIDERS__TW__TYPE", "twilio");
        jail.set_env("SWITCHBOARD_PROVIDERS__TW__ACCOUNT_SID", "AC1");
        jail.set_env("SWITCHBOARD_PROVIDERS__TW__TIMEOUT_MS", "soon");
        let err = Config::load().unwrap_err().to_string();
        switchboard_testkit::assert_mentions(
            &err,
            &[
                "`providers.tw.timeout_ms`",
                "SWITCHBOARD_PROVIDERS__TW__TIMEOUT_MS",
            ],
        );
        jail.set_env("SWITCHBOARD_PROVIDERS__TW__TIMEOUT_MS", "5000");
        jail.set_env("SWITCHBOARD_PROVIDERS__MG__TYPE", "mailgun");
        jail.set_env("SWITCHBOARD_PROVIDERS__MG__API_KEY", "k");
        let err = Config::load().unwrap_err().to_string();
        assert!(
            err.contains("`providers.mg.domain`"),
            "a missing key by its full name: {err}"
        );
        jail.set_env("SWITCHBOARD_PROVIDERS__MG__DOMAIN", "mg.acme.test");
        jail.set_env("SWITCHBOARD_PROVIDERS__MG__DOMIAN", "typo");
        let err = Config::load().unwrap_err().to_string();
        assert!(
            err.contains("`providers.mg.domian`") && err.contains("expected"),
            "an unknown key by its full name: {err}"
        );
        Ok(())
    });
}

/// `SWITCHBOARD_*` is the configuration's prefix, and an unknown key there is an
/// error: a script knob named `SWITCHBOARD_X` would make `cargo run -- demo` fail
/// for whoever exports it. Scripts read `SB_*` (or no variable) instead.
#[test]
fn no_script_reads_a_variable_with_the_configuration_prefix() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(root.join("scripts"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.push(root.join(".ci/run"));
    let mut offenders = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for pattern in [
            "${SWITCHBOARD_",
            "$SWITCHBOARD_",
            "environ.get(\"SWITCHBOARD_",
        ] {
            if text.contains(pattern) {
                offenders.push(format!("{} reads {pattern}…", file.display()));
            }
        }
    }
    assert!(files.len() > 5, "found the scripts: {files:?}");
    assert!(offenders.is_empty(), "{offenders:#?}");
}
