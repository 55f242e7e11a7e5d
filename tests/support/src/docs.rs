//! Each service's `docs.md` (providers/src/services/<name>/docs.md) read as
//! data: its `type`, its title line, and its key table — so that tests can
//! check the documentation against the code and build what is generated from
//! it (docs/providers.md, the provider block of config/default.toml).

use std::path::PathBuf;

/// One row of a service's key table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDoc {
    /// The key, e.g. `api_key`.
    pub name: String,
    /// `text`, `secret`, `path`, `bool`, `number`, or the values it takes.
    pub value: String,
    /// The default as written, or `required`.
    pub default: String,
    /// What it does.
    pub meaning: String,
}

impl KeyDoc {
    /// Whether the key takes free text (an environment value must arrive as written).
    pub fn is_text(&self) -> bool {
        matches!(self.value.as_str(), "text" | "secret" | "path")
    }

    /// Whether a section without it does not read.
    pub fn is_required(&self) -> bool {
        self.default == "required"
    }
}

/// One service's `docs.md`.
#[derive(Debug, Clone)]
pub struct ServiceDoc {
    /// The folder under providers/src/services/.
    pub folder: String,
    /// The `type` value from the heading.
    pub type_name: String,
    /// The heading's text after the type, e.g. "SendGrid (email)".
    pub title: String,
    /// The whole file.
    pub text: String,
    /// The key table, in order.
    pub keys: Vec<KeyDoc>,
}

/// The services' folder.
pub fn services_dir() -> PathBuf {
    crate::repo_root().join("providers/src/services")
}

/// Every service's `docs.md`, in folder order; panics on a file that does not
/// follow the format (a heading `# \`type\` — title`, then a key table).
pub fn services() -> Vec<ServiceDoc> {
    let mut docs: Vec<ServiceDoc> = std::fs::read_dir(services_dir())
        .expect("providers/src/services exists")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            path.is_dir().then_some(path)
        })
        .map(|dir| {
            let folder = dir.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(dir.join("docs.md"))
                .unwrap_or_else(|e| panic!("services/{folder}/docs.md: {e}"));
            parse(&folder, text)
        })
        .collect();
    docs.sort_by(|a, b| a.folder.cmp(&b.folder));
    docs
}

fn parse(folder: &str, text: String) -> ServiceDoc {
    let heading = text.lines().next().unwrap_or_default();
    let (type_name, title) = heading
        .strip_prefix("# `")
        .and_then(|rest| rest.split_once("` — "))
        .unwrap_or_else(|| panic!("services/{folder}/docs.md must open with \"# `type` — title\""));
    let mut keys = Vec::new();
    let mut in_table = false;
    for line in text.lines() {
        if line.starts_with("| key | value | default | meaning |") {
            in_table = true;
            continue;
        }
        if !in_table || line.starts_with("|---") {
            continue;
        }
        let Some(row) = line.strip_prefix('|') else {
            break;
        };
        let cells: Vec<&str> = row
            .split(" | ")
            .map(|c| c.trim().trim_end_matches('|').trim())
            .collect();
        assert_eq!(
            cells.len(),
            4,
            "services/{folder}/docs.md: a key row has 4 cells: {line}"
        );
        keys.push(KeyDoc {
            name: cells[0].trim_matches('`').to_string(),
            value: cells[1].to_string(),
            default: cells[2].to_string(),
            meaning: cells[3].to_string(),
        });
    }
    assert!(
        !keys.is_empty(),
        "services/{folder}/docs.md has no key table"
    );
    ServiceDoc {
        folder: folder.to_string(),
        type_name: type_name.to_string(),
        title: title.to_string(),
        text,
        keys,
    }
}
