//! Where the templates come from: the files compiled into the binary, then a
//! configured directory's files over them, checked for syntax at start-up and
//! compiled into a minijinja environment with Switchboard's filters when first
//! rendered.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use minijinja::Environment;

use super::error::{render_error, RenderError};
use super::{dates, direction, links};

/// The templates compiled into the binary (see `build.rs`): (file name, source).
pub const EMBEDDED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/templates.rs"));

const EXTENSIONS: &[&str] = &["subject", "html", "txt", "sms"];

/// The embedded sources, overridden and extended by the template files in `dir`.
fn sources(dir: Option<&Path>) -> Result<BTreeMap<String, String>, RenderError> {
    let mut sources: BTreeMap<String, String> = EMBEDDED
        .iter()
        .map(|(name, source)| (name.to_string(), source.to_string()))
        .collect();
    let Some(dir) = dir else {
        return Ok(sources);
    };
    let entries = std::fs::read_dir(dir).map_err(|e| RenderError {
        file: dir.display().to_string(),
        detail: format!("cannot read the template directory (templates.dir): {e}"),
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let known = EXTENSIONS
            .iter()
            .any(|ext| name.ends_with(&format!(".{ext}")));
        if !path.is_file() || !known {
            continue;
        }
        let source = std::fs::read_to_string(&path).map_err(|e| RenderError {
            file: path.display().to_string(),
            detail: format!("cannot read: {e}"),
        })?;
        sources.insert(name.to_string(), source);
    }
    Ok(sources)
}

/// The template sources by file name, shared by every environment built on them.
pub(super) type Sources = Arc<BTreeMap<String, String>>;

/// The sources of `dir` over the embedded ones, each checked for syntax (one at
/// a time, so the check never holds more than one compiled template).
pub(super) fn load(dir: Option<&Path>) -> Result<Sources, RenderError> {
    let sources = sources(dir)?;
    for (name, source) in &sources {
        Environment::new()
            .add_template(name, source)
            .map_err(|e| render_error(name, &e))?;
    }
    Ok(Arc::new(sources))
}

/// An environment with Switchboard's filters that compiles a template the first
/// time it is rendered, then keeps it. Compiling every file at start-up held
/// all of them (every locale's) for the life of the function, though an event
/// renders one locale's; docs/performance.md has the figures.
pub(super) fn environment(sources: &Sources) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_keep_trailing_newline(false);
    env.add_function("link", links::link);
    env.add_filter("web_url", links::web_url_filter);
    env.add_filter("isolate", direction::isolate_filter);
    env.add_filter("event_time", dates::event_time_filter);
    let sources = Arc::clone(sources);
    env.set_loader(move |name| Ok(sources.get(name).cloned()));
    env
}
