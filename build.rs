//! Embeds every file in `templates/` (the default templates) and `examples/events/`
//! (the demo's events), so the binary works from any directory and a new template
//! file needs no code change.

use std::fmt::Write;
use std::path::Path;

fn embed(dir: &str, out_file: &str, strip_extension: bool) {
    println!("cargo:rerun-if-changed={dir}");
    let root = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets this")).join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    let mut code = String::from("&[\n");
    for path in files {
        let name = if strip_extension {
            path.file_stem()
        } else {
            path.file_name()
        };
        let name = name.and_then(|n| n.to_str()).expect("UTF-8 file names");
        let file = path.file_name().and_then(|n| n.to_str()).expect("UTF-8");
        // Resolved when the crate compiles, not here: a target directory shared by
        // two checkouts (CI's clone and a working tree) must never embed the
        // other checkout's files, which an absolute path written here would do.
        let relative = format!("/{dir}/{file}");
        writeln!(
            code,
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {relative:?}))),"
        )
        .expect("write to String");
    }
    code.push(']');
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets this")).join(out_file);
    std::fs::write(out, code).expect("write generated file");
}

fn main() {
    embed("templates", "templates.rs", false);
    embed("examples/events", "events.rs", true);
}
