//! scripts/ holds entry points at the top and helpers in folders by area
//! (scripts/README.md): a top-level file is an executable named with words and
//! dashes, no extension, listed in the README; Python helpers sit in folders;
//! the test peers the Rust tests start sit in tests/support/peers/.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The files and folders of `dir` the repository holds: Python's byte-code
/// cache (ignored by git) is none of them.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| !path.ends_with("__pycache__"))
        .collect();
    entries.sort();
    entries
}

fn is_entry_point_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|word| {
            !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

#[test]
fn scripts_at_the_top_are_entry_points_and_helpers_live_in_folders() {
    let scripts = repo().join("scripts");
    let readme = std::fs::read_to_string(scripts.join("README.md")).unwrap();
    for path in entries(&scripts) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "README.md" {
            continue;
        }
        if path.is_dir() {
            assert!(
                readme.contains(&format!("`{name}/`")),
                "scripts/README.md names the folder `{name}/`"
            );
            for helper in entries(&path) {
                let helper_name = helper.file_name().unwrap().to_string_lossy().into_owned();
                if helper_name.ends_with(".py") {
                    assert!(
                        !helper_name.contains('-'),
                        "scripts/{name}/{helper_name}: a Python helper's name uses underscores"
                    );
                }
            }
            continue;
        }
        assert!(
            is_entry_point_name(&name),
            "scripts/{name}: a file here is an entry point, named with words and dashes (a helper goes in a folder)"
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert!(mode & 0o111 != 0, "scripts/{name} is executable");
        assert!(
            readme.contains(&format!("`{name}`")),
            "scripts/README.md lists the entry point `{name}`"
        );
    }
}

#[test]
fn the_test_peers_are_helpers_not_entry_points() {
    for path in entries(&repo().join("tests/support/peers")) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            (name.ends_with(".py") && !name.contains('-')) || name == "requirements.txt",
            "tests/support/peers/{name}: a peer is a Python helper named with underscores"
        );
    }
}
