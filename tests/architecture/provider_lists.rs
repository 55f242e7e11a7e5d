//! Every list of providers outside the registry is derived from it: the README's
//! list by channel and docs/providers.md's list of HTTP services are generated
//! between markers (run the tests with `SB_BLESS=1` to rewrite them), and every
//! service has its Cargo feature, in `all`, with `http` when it speaks HTTP. A new
//! service needs its folder, its registry line, its feature line and its test.

use std::collections::BTreeMap;
use std::path::PathBuf;

use switchboard::providers::ProviderConfig;
use switchboard_testkit::docs::ServiceDoc;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The features of providers/Cargo.toml, by name.
fn features() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(repo().join("providers/Cargo.toml")).unwrap();
    let manifest: toml::Table = text.parse().unwrap();
    let features = manifest["features"].as_table().expect("[features]");
    features
        .iter()
        .map(|(name, list)| {
            let list = list.as_array().unwrap().iter();
            let list = list.map(|v| v.as_str().unwrap().to_string()).collect();
            (name.clone(), list)
        })
        .collect()
}

/// Whether the service's code goes through the shared HTTP client.
fn speaks_http(doc: &ServiceDoc) -> bool {
    let folder = switchboard_testkit::docs::services_dir().join(&doc.folder);
    std::fs::read_dir(folder).unwrap().any(|entry| {
        let path = entry.unwrap().path();
        path.extension().is_some_and(|e| e == "rs")
            && std::fs::read_to_string(&path)
                .unwrap()
                .contains("crate::http")
    })
}

/// `SendGrid (email)` → (`SendGrid`, `email`); `files in a directory (email and
/// SMS, development)` → (`files in a directory`, `email and SMS, development`).
fn name_and_channels(doc: &ServiceDoc) -> (&str, &str) {
    doc.title
        .strip_suffix(')')
        .and_then(|t| t.rsplit_once(" ("))
        .unwrap_or_else(|| {
            panic!(
                "`{}`'s title ends with its channels in parentheses",
                doc.type_name
            )
        })
}

/// The README's sentence: the services by channel, in the registry's order.
fn readme_list(docs: &[ServiceDoc]) -> String {
    let mut groups: Vec<(&str, Vec<String>)> = vec![
        ("email", vec![]),
        ("SMS", vec![]),
        ("email and SMS", vec![]),
    ];
    for doc in docs {
        let (name, channels) = name_and_channels(doc);
        let (channels, note) = match channels.split_once(", ") {
            Some((channels, note)) => (channels, format!(", {note}")),
            None => (channels, String::new()),
        };
        let group = groups
            .iter_mut()
            .find(|(label, _)| *label == channels)
            .unwrap_or_else(|| {
                panic!(
                    "`{}`: channels `{channels}` are email, SMS, or email and SMS",
                    doc.type_name
                )
            });
        group.1.push(format!("{name} (`{}`{note})", doc.type_name));
    }
    let groups: Vec<String> = groups
        .into_iter()
        .filter(|(_, names)| !names.is_empty())
        .map(|(label, names)| {
            format!(
                "for {}: {}",
                label.replace("email and SMS", "both"),
                names.join(", ")
            )
        })
        .collect();
    format!(
        "Providers {} — each with its keys in [docs/providers.md](docs/providers.md).",
        groups.join("; ")
    )
}

/// The HTTP services, as docs/providers.md names them.
pub(crate) fn http_list(docs: &[ServiceDoc]) -> String {
    let names: Vec<String> = docs
        .iter()
        .filter(|doc| speaks_http(doc))
        .map(|doc| format!("`{}`", doc.type_name))
        .collect();
    names.join(", ")
}

/// `text` with the span between `<!-- generated: NAME -->` and `<!-- end: NAME -->` set to `content`.
pub(crate) fn with_span(text: &str, name: &str, content: &str) -> String {
    let begin = format!("<!-- generated: {name} (SB_BLESS=1) -->");
    let end = format!("<!-- end: {name} -->");
    let (before, rest) = text
        .split_once(&begin)
        .unwrap_or_else(|| panic!("the marker {begin} is kept"));
    let (_, after) = rest
        .split_once(&end)
        .unwrap_or_else(|| panic!("the marker {end} is kept"));
    format!("{before}{begin}{content}{end}{after}")
}

#[test]
fn the_readme_lists_every_provider_from_the_registry() {
    let path = repo().join("README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let list = format!("\n{}\n", readme_list(&crate::docs::in_registry_order()));
    crate::docs::generated(&path, &with_span(&text, "providers", &list));
}

#[test]
fn every_service_has_its_feature_in_all_and_http_when_it_speaks_it() {
    let features = features();
    let all = &features["all"];
    let services = std::fs::read_to_string(repo().join("providers/src/services/mod.rs")).unwrap();
    for doc in crate::docs::in_registry_order() {
        let kind = doc.type_name.as_str();
        if kind == "outbox" {
            continue; // always compiled in: the embedded default
        }
        let feature = features
            .get(kind)
            .unwrap_or_else(|| panic!("providers/Cargo.toml has no feature `{kind}`"));
        assert!(all.contains(&doc.type_name), "feature `all` lists `{kind}`");
        assert!(
            services.contains(&format!("#[cfg(feature = \"{kind}\")] {} =>", doc.folder)),
            "services/mod.rs compiles `{}` under feature `{kind}`",
            doc.folder
        );
        assert_eq!(
            feature.contains(&"http".to_string()),
            speaks_http(&doc),
            "feature `{kind}` turns on `http` exactly when the service uses crate::http"
        );
    }
    let stand_ins: Vec<&str> = ProviderConfig::stand_ins()
        .iter()
        .map(|(kind, _)| *kind)
        .collect();
    let http: Vec<String> = crate::docs::in_registry_order()
        .into_iter()
        .filter(speaks_http)
        .map(|doc| doc.type_name)
        .collect();
    assert_eq!(
        stand_ins, http,
        "every HTTP service declares its stand-in for the hostile tests"
    );
}
