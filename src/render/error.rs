//! A template that failed to load or render, named by file and line and never
//! by its rendered content (which may hold a code).

use minijinja::Error;

/// A template that failed to load or render; names the file and line.
#[derive(Debug, thiserror::Error)]
#[error("template `{file}`: {detail}")]
pub struct RenderError {
    /// The template file.
    pub file: String,
    /// What went wrong (kind, line); never the rendered content.
    pub detail: String,
}

pub(super) fn render_error(file: &str, e: &Error) -> RenderError {
    let line = e
        .line()
        .map(|l| format!(" at line {l}"))
        .unwrap_or_default();
    // Not `{:#}`: the alternate form adds debug info that shows variable values.
    let detail = match e.detail() {
        Some(detail) => format!("{}{line}: {detail}", e.kind()),
        None => format!("{}{line}", e.kind()),
    };
    RenderError {
        file: file.to_string(),
        detail,
    }
}
