//! A provider is its folder: no file outside `providers/src/services/<name>/`,
//! the registry line in `providers/src/services/mod.rs`, and its own test and
//! bench files (`providers/tests/<name>.rs`, `providers/benches/<name>.rs`)
//! names a service's Rust items — its settings type, its backend, its
//! constants, its `ProviderConfig` variant. Everything else reaches providers
//! through `ProviderConfig`, the `Service` trait and configuration text, so
//! adding a provider touches its folder, one registry line and its test file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `pub` items a service's folder defines (type, const, fn names).
fn items_of(folder: &Path) -> Vec<String> {
    let mut items = Vec::new();
    for file in rust_files(folder) {
        let text = std::fs::read_to_string(&file).unwrap();
        for line in text.lines() {
            let line = line.trim_start();
            for keyword in [
                "pub struct ",
                "pub enum ",
                "pub const ",
                "pub fn ",
                "pub trait ",
            ] {
                if let Some(rest) = line.strip_prefix(keyword) {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    // Methods (`pub fn new`) are indented inside impls; only
                    // top-level items name the service.
                    if !name.is_empty() && !text.contains(&format!("    {keyword}{name}")) {
                        items.push(name);
                    }
                }
            }
        }
    }
    items
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("target") && !path.ends_with("node_modules") {
                    dirs.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The code of `text` without comments and string literals (prose may name a
/// provider; code may not).
fn code_only(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut in_string = false;
        let mut previous = ' ';
        let mut kept = String::new();
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if !in_string && c == '/' && chars.get(i + 1) == Some(&'/') {
                break;
            }
            if c == '"' && previous != '\\' {
                in_string = !in_string;
                kept.push(' ');
            } else if !in_string {
                kept.push(c);
            }
            previous = if previous == '\\' && c == '\\' {
                ' '
            } else {
                c
            };
            i += 1;
        }
        out.push_str(&kept);
        out.push('\n');
    }
    out
}

fn names_word(code: &str, word: &str) -> bool {
    code.match_indices(word).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + word.len()..].chars().next();
        let boundary = |c: Option<char>| !c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        boundary(before) && boundary(after)
    })
}

/// service folder → the words that name it in code.
fn services() -> BTreeMap<String, Vec<String>> {
    let registry = std::fs::read_to_string(repo().join("providers/src/services/mod.rs")).unwrap();
    let mut services = BTreeMap::new();
    for line in registry.lines() {
        let Some((left, right)) = line.split_once(" => ") else {
            continue;
        };
        let module = left.split_whitespace().last().unwrap().to_string();
        let variant: String = right
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let mut words = items_of(&repo().join("providers/src/services").join(&module));
        words.push(format!("ProviderConfig::{variant}"));
        words.push(format!("services::{module}"));
        services.insert(module, words);
    }
    services
}

#[test]
fn no_file_outside_a_services_folder_and_its_own_tests_names_the_service() {
    let services = services();
    assert!(services.len() >= 11, "the registry was read: {services:?}");
    assert!(
        services["sendgrid"].contains(&"SendGridConfig".to_string()),
        "the service's items were read: {:?}",
        services["sendgrid"]
    );
    let roots = [
        "src",
        "providers/src",
        "providers/tests",
        "providers/benches",
        "tests",
        "benches",
    ];
    let mut offences = Vec::new();
    for root in roots {
        for file in rust_files(&repo().join(root)) {
            let relative = file
                .strip_prefix(repo())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let code = code_only(&std::fs::read_to_string(&file).unwrap());
            for (module, words) in &services {
                let own = relative.starts_with(&format!("providers/src/services/{module}/"))
                    || relative == format!("providers/tests/{module}.rs")
                    || relative == format!("providers/benches/{module}.rs");
                if own || relative == "providers/src/services/mod.rs" {
                    continue;
                }
                for word in words {
                    if names_word(&code, word) {
                        offences.push(format!("{relative} names `{word}` of the {module} service"));
                    }
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "a service is named outside its folder and its own tests (configure it by `type` in text, or move the code into the service):\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_rule_sees_code_and_ignores_prose() {
    let code = code_only("let x = SendGridConfig::new(\"SendGrid\"); // SendGrid docs\n");
    assert!(names_word(&code, "SendGridConfig"));
    assert!(!names_word(
        &code_only("// SendGridConfig\nlet s = \"SendGridConfig\";"),
        "SendGridConfig"
    ));
    assert!(!names_word("MySendGridConfigX", "SendGridConfig"));
}
