//! The shape of the code, checked on every run: modules stand on floors and
//! import only their own floor or below, no file imports one that imports it
//! back (directly or through others), no source file holds more than 400 lines
//! of code outside its tests, and every file opens with a `//!` line saying its
//! one job. Both crates: `src/` and `providers/src/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The root crate's top-level modules, from the top floor down.
const FLOORS: &[&[&str]] = &[
    &["cli", "testing"],
    &["startup", "lambda"],
    &["pipeline", "receipts"],
    &["route", "store", "health"],
    &["config"],
    &["render", "cognito"],
    &["sms", "secrets", "aws", "logging"],
];
const MAX_CODE_LINES: usize = 400;
/// Rooms on one floor that must not import each other: the two entry points'
/// per-request work (a Cognito event; a provider's delivery receipt) share only
/// what stands below them (`store`, `route`, `config`).
const APART: &[(&str, &str)] = &[("pipeline", "receipts")];

/// One source file: its module path and the code before its `#[cfg(test)]` module.
struct SourceFile {
    path: PathBuf,
    module: Vec<String>,
    code: String,
    first_line: String,
}

fn source_files(root: &Path) -> Vec<SourceFile> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = match text.find("\n#[cfg(test)]") {
                    Some(at) => text[..at].to_string(),
                    None => text.clone(),
                };
                let relative = path.strip_prefix(root).unwrap().with_extension("");
                let mut module: Vec<String> = relative
                    .iter()
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect();
                if matches!(
                    module.last().map(String::as_str),
                    Some("mod" | "lib" | "main")
                ) {
                    module.pop();
                }
                files.push(SourceFile {
                    first_line: text.lines().next().unwrap_or_default().to_string(),
                    path,
                    module,
                    code,
                });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// Lines that are neither blank nor only a comment.
fn code_lines(code: &str) -> usize {
    code.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .count()
}

/// Every `crate::`, `super::` and `self::` path in `code`, braces expanded.
fn paths(code: &str) -> Vec<Vec<String>> {
    let code: String = code
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let bytes = code.as_bytes();
    let mut found = Vec::new();
    for keyword in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(keyword) {
            let start = from + at;
            from = start + keyword.len();
            let before = start.checked_sub(1).map(|i| bytes[i]);
            if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':') {
                continue;
            }
            let base = vec![keyword.trim_end_matches(':').to_string()];
            expand(&code[start + keyword.len()..], base, &mut found);
        }
    }
    found
}

/// Reads `a::b::{c, d::e}` after a prefix into full paths.
fn expand(rest: &str, prefix: Vec<String>, found: &mut Vec<Vec<String>>) {
    let mut path = prefix;
    let mut rest = rest;
    loop {
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item_start = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' | ',' if depth == 1 => {
                        let item = group[item_start..i].trim();
                        if !item.is_empty() && item != "self" {
                            expand(item, path.clone(), found);
                        }
                        item_start = i + 1;
                        if c == '}' {
                            return;
                        }
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            return;
        }
        let ident: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if ident.is_empty() {
            break;
        }
        path.push(ident.clone());
        rest = &rest[ident.len()..];
        match rest.strip_prefix("::") {
            Some(after) => rest = after,
            None => break,
        }
    }
    found.push(path);
}

/// The file a path in `from` refers to: the longest module prefix that is a file.
fn resolve<'a>(
    from: &[String],
    path: &[String],
    modules: &'a BTreeMap<Vec<String>, PathBuf>,
) -> Option<&'a PathBuf> {
    let mut base: Vec<String> = match path[0].as_str() {
        "crate" => Vec::new(),
        "self" => from.to_vec(),
        _ => from[..from.len().saturating_sub(1)].to_vec(),
    };
    let mut segments = &path[1..];
    while segments.first().map(String::as_str) == Some("super") {
        base.pop();
        segments = &segments[1..];
    }
    let mut best = modules.get(&base);
    let mut candidate = base;
    for segment in segments {
        candidate.push(segment.clone());
        if let Some(file) = modules.get(&candidate) {
            best = Some(file);
        }
    }
    best
}

/// File → files it imports, within one crate (the crate root left out).
fn imports(files: &[SourceFile]) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let modules: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .filter(|f| !f.module.is_empty())
        .map(|f| (f.module.clone(), f.path.clone()))
        .collect();
    files
        .iter()
        .map(|file| {
            let targets = paths(&file.code)
                .iter()
                .filter_map(|path| resolve(&file.module, path, &modules))
                .filter(|target| **target != file.path)
                .cloned()
                .collect();
            (file.path.clone(), targets)
        })
        .collect()
}

/// A cycle through `start`, if any, as the files on it.
fn cycle_from(
    start: &PathBuf,
    graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
) -> Option<Vec<PathBuf>> {
    let mut stack = vec![(start.clone(), vec![start.clone()])];
    let mut seen = BTreeSet::new();
    while let Some((node, trail)) = stack.pop() {
        for next in graph.get(&node).into_iter().flatten() {
            if next == start {
                return Some(trail);
            }
            if seen.insert(next.clone()) {
                let mut longer = trail.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

pub(crate) fn crate_roots() -> [PathBuf; 2] {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    [root.join("src"), root.join("providers/src")]
}

#[test]
fn no_file_imports_one_that_imports_it_back() {
    for root in crate_roots() {
        let graph = imports(&source_files(&root));
        let cycles: Vec<String> = graph
            .keys()
            .filter_map(|file| cycle_from(file, &graph))
            .map(|cycle| {
                cycle
                    .iter()
                    .map(|p| p.strip_prefix(&root).unwrap().display().to_string())
                    .collect::<Vec<_>>()
                    .join(" → ")
            })
            .collect();
        assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
        assert!(graph.len() > 10, "the crate at {} was read", root.display());
    }
}

#[test]
fn modules_import_only_their_own_floor_or_below() {
    let root = &crate_roots()[0];
    let files = source_files(root);
    let floor = |module: &[String]| {
        let top = module.first()?;
        FLOORS.iter().position(|f| f.contains(&top.as_str()))
    };
    let by_path: BTreeMap<&PathBuf, &SourceFile> = files.iter().map(|f| (&f.path, f)).collect();
    let mut upward = Vec::new();
    for (from, targets) in imports(&files) {
        let Some(from_floor) = floor(&by_path[&from].module) else {
            continue;
        };
        for target in targets {
            let tops = (
                by_path[&from].module.first().map(String::as_str),
                by_path[&target].module.first().map(String::as_str),
            );
            if let (Some(a), Some(b)) = tops {
                if APART.contains(&(a, b)) || APART.contains(&(b, a)) {
                    upward.push(format!(
                        "{} → {} (kept apart)",
                        from.display(),
                        target.display()
                    ));
                }
            }
            if let Some(to_floor) = floor(&by_path[&target].module) {
                if to_floor < from_floor {
                    upward.push(format!("{} → {}", from.display(), target.display()));
                }
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports up a floor:\n{}",
        upward.join("\n")
    );
    for file in &files {
        if let Some(top) = file.module.first() {
            assert!(
                floor(&file.module).is_some(),
                "module `{top}` has no floor in FLOORS"
            );
        }
    }
}

#[test]
fn source_files_are_small_and_say_their_job_first() {
    for root in crate_roots() {
        for file in source_files(&root) {
            let lines = code_lines(&file.code);
            assert!(
                lines <= MAX_CODE_LINES,
                "{}: {lines} lines of code outside tests (at most {MAX_CODE_LINES})",
                file.path.display()
            );
            assert!(
                file.first_line.starts_with("//!"),
                "{} does not open with a `//!` line saying its job",
                file.path.display()
            );
        }
    }
}

#[test]
fn the_path_reader_expands_groups_and_resolves_parents() {
    let found = paths("use super::{compose::Composer, outcome::{HandleError, Outcome}};");
    assert_eq!(
        found,
        [
            vec!["super", "compose", "Composer"],
            vec!["super", "outcome", "HandleError"],
            vec!["super", "outcome", "Outcome"],
        ]
    );
    let modules = BTreeMap::from([
        (
            vec!["pipeline".to_string()],
            PathBuf::from("pipeline/mod.rs"),
        ),
        (
            vec!["pipeline".to_string(), "outcome".to_string()],
            PathBuf::from("pipeline/outcome.rs"),
        ),
    ]);
    let from = vec!["pipeline".to_string(), "recipient".to_string()];
    assert_eq!(
        resolve(&from, &found[1], &modules),
        Some(&PathBuf::from("pipeline/outcome.rs"))
    );
    let to_parent = vec!["super".to_string(), "HandleError".to_string()];
    assert_eq!(
        resolve(&from, &to_parent, &modules),
        Some(&PathBuf::from("pipeline/mod.rs")),
        "a name re-exported by the parent is an import of the parent"
    );
}
