//! The documentation is checked against the code, and what can be generated
//! is: each service's `docs.md` must document exactly the keys serde reads for
//! it; docs/providers.md and the provider block of config/default.toml are
//! built from those files (run the tests with `SB_BLESS=1` to rewrite them
//! after changing a `docs.md`); the README stays short and every relative link
//! in it and in docs/ leads to a file that exists.

use std::path::{Path, PathBuf};

use switchboard::providers::ProviderConfig;
use switchboard_testkit::docs::{self, ServiceDoc};

const PROVIDERS_MARKER: &str = "<!-- Generated from providers/src/services/*/docs.md: edit those, then run the tests with SB_BLESS=1. -->";
const TOML_BEGIN: &str = "# --- providers: generated from providers/src/services/*/docs.md (run the tests with SB_BLESS=1) ---";
const TOML_END: &str = "# --- end of the generated provider keys ---";
const README_MAX_LINES: usize = 150;
const DOCS: &[&str] = &[
    "configuration.md",
    "providers.md",
    "deploy.md",
    "decryption.md",
    "guarantees.md",
    "testing.md",
    "performance.md",
    "dependencies.md",
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The services' docs in the registry's order.
pub(crate) fn in_registry_order() -> Vec<ServiceDoc> {
    let all = docs::services();
    ProviderConfig::TYPES
        .iter()
        .map(|kind| {
            all.iter()
                .find(|doc| doc.type_name == *kind)
                .unwrap_or_else(|| panic!("type `{kind}` has no providers/src/services/*/docs.md"))
                .clone()
        })
        .collect()
}

/// Compares `path` with `expected`, or rewrites it under `SB_BLESS=1`.
pub(crate) fn generated(path: &Path, expected: &str) {
    let actual = std::fs::read_to_string(path).unwrap_or_default();
    if std::env::var_os("SB_BLESS").is_some() {
        std::fs::write(path, expected).unwrap();
        return;
    }
    assert!(
        actual == expected,
        "{} is out of date with providers/src/services/*/docs.md: run `SB_BLESS=1 cargo test --test architecture` and commit the result",
        path.display()
    );
}

#[test]
fn every_service_documents_exactly_the_keys_it_reads() {
    let docs = docs::services();
    let types: Vec<&str> = docs.iter().map(|d| d.type_name.as_str()).collect();
    let mut registered = ProviderConfig::TYPES.to_vec();
    registered.sort_unstable();
    let mut documented = types.clone();
    documented.sort_unstable();
    assert_eq!(documented, registered, "one docs.md per registered type");
    for doc in &docs {
        let read = ProviderConfig::keys(&doc.type_name).expect("a registered type");
        let written: Vec<&str> = doc.keys.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(
            written, read,
            "services/{}/docs.md must list the keys serde reads for `{}`, in the struct's order",
            doc.folder, doc.type_name
        );
    }
}

#[test]
fn the_required_keys_are_the_ones_a_section_cannot_do_without() {
    for doc in docs::services() {
        let section = |keys: &[&docs::KeyDoc]| -> String {
            let mut text = format!("type = '{}'\n", doc.type_name);
            for key in keys {
                text.push_str(&format!("{} = 'x'\n", key.name));
            }
            text
        };
        let required: Vec<&docs::KeyDoc> = doc.keys.iter().filter(|k| k.is_required()).collect();
        assert!(
            read(&doc.type_name, &section(&required)).is_ok(),
            "`{}` reads with only its required keys {:?}",
            doc.type_name,
            required.iter().map(|k| &k.name).collect::<Vec<_>>()
        );
        for left_out in &required {
            let others: Vec<&docs::KeyDoc> = required
                .iter()
                .copied()
                .filter(|k| k.name != left_out.name)
                .collect();
            let error =
                read(&doc.type_name, &section(&others)).expect_err("a required key is missing");
            assert!(
                error.contains(&left_out.name),
                "`{}` without `{}`: {error}",
                doc.type_name,
                left_out.name
            );
        }
    }
}

fn read(kind: &str, section: &str) -> Result<(), String> {
    use figment::providers::{Format, Toml};
    let figment = figment::Figment::from(Toml::string(switchboard::config::DEFAULT_TOML))
        .merge(Toml::string(&format!("[providers.p]\n{section}")));
    switchboard::config::Config::from_figment(&figment)
        .map(|config| assert_eq!(config.providers["p"].type_name(), kind))
        .map_err(|e| e.to_string())
}

#[test]
fn docs_providers_md_is_generated_from_the_services_docs() {
    let path = repo().join("docs/providers.md");
    let text = std::fs::read_to_string(&path).expect("docs/providers.md exists");
    let intro = text
        .split_once(PROVIDERS_MARKER)
        .map(|(intro, _)| intro)
        .unwrap_or_else(|| panic!("docs/providers.md keeps the marker line {PROVIDERS_MARKER}"));
    let http = crate::provider_lists::http_list(&in_registry_order());
    let intro = crate::provider_lists::with_span(intro, "http-providers", &http);
    let mut expected = format!("{intro}{PROVIDERS_MARKER}\n\n| type | service |\n|---|---|\n");
    for doc in in_registry_order() {
        expected.push_str(&format!("| `{}` | {} |\n", doc.type_name, doc.title));
    }
    for doc in in_registry_order() {
        expected.push('\n');
        expected.push_str(&format!("#{}", doc.text));
    }
    generated(&path, &expected);
}

#[test]
fn default_toml_documents_every_provider_key_from_the_services_docs() {
    let path = repo().join("config/default.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let (before, rest) = text
        .split_once(TOML_BEGIN)
        .expect("config/default.toml keeps the begin marker");
    let (_, after) = rest
        .split_once(TOML_END)
        .expect("config/default.toml keeps the end marker");
    let mut block = String::new();
    for doc in in_registry_order() {
        block.push_str(&format!(
            "#\n# type = \"{}\": {}.\n",
            doc.type_name, doc.title
        ));
        for key in &doc.keys {
            let default = if key.is_required() {
                "required".to_string()
            } else {
                format!("default {}", key.default)
            };
            block.push_str(&format!(
                "#   {} ({}, {default}): {}.\n",
                key.name, key.value, key.meaning
            ));
        }
    }
    let expected = format!("{before}{TOML_BEGIN}\n{block}{TOML_END}{after}");
    generated(&path, &expected);
}

#[test]
fn the_readme_is_short_and_the_reference_is_complete() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(
        lines <= README_MAX_LINES,
        "README.md has {lines} lines (at most {README_MAX_LINES}): move reference into docs/"
    );
    for doc in DOCS {
        assert!(repo().join("docs").join(doc).is_file(), "docs/{doc} exists");
        assert!(
            readme.contains(&format!("docs/{doc}")),
            "README.md links docs/{doc}"
        );
    }
}

#[test]
fn every_relative_link_leads_to_a_file() {
    let mut files = vec![repo().join("README.md")];
    for entry in std::fs::read_dir(repo().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    let mut broken = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (at, _) in text.match_indices("](") {
            let target: String = text[at + 2..].chars().take_while(|c| *c != ')').collect();
            let target = target.split('#').next().unwrap_or_default();
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let resolved = file.parent().unwrap().join(target);
            if !resolved.exists() {
                broken.push(format!(
                    "{}: {target}",
                    file.strip_prefix(repo()).unwrap().display()
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "links to nothing:\n{}",
        broken.join("\n")
    );
}
