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
        assert!(err.contains("providerz") && err.contains("email"), "{err}");
        assert!(err.contains("switchboard.toml"), "names the file: {err}");
        Ok(())
    });
}

#[test]
fn an_unknown_environment_variable_is_named() {
    Jail::expect_with(|jail| {
        jail.set_env("SWITCHBOARD_EMAIL__FORM", "x@y.test");
        let err = Config::load().unwrap_err().to_string();
        assert!(
            err.contains("`form`") && err.contains("SWITCHBOARD_"),
            "{err}"
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
        assert!(
            err.contains("carrier-pigeon") && err.contains("outbox"),
            "{err}"
        );
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
