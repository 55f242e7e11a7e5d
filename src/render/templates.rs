//! Where the templates come from: the files compiled into the binary, then a
//! configured directory's files over them, loaded into one minijinja
//! environment with Switchboard's filters.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

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

/// The environment holding every template of `dir` over the embedded ones, and
/// the file names it holds.
pub(super) fn load(
    dir: Option<&Path>,
) -> Result<(Environment<'static>, BTreeSet<String>), RenderError> {
    let sources = sources(dir)?;
    let mut env = Environment::new();
    env.set_keep_trailing_newline(false);
    env.add_function("link", links::link);
    env.add_filter("web_url", links::web_url_filter);
    env.add_filter("isolate", direction::isolate_filter);
    env.add_filter("event_time", dates::event_time_filter);
    let files = sources.keys().cloned().collect();
    for (name, source) in sources {
        env.add_template_owned(name.clone(), source)
            .map_err(|e| render_error(&name, &e))?;
    }
    Ok((env, files))
}
