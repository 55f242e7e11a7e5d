//! Renders messages from minijinja templates.
//!
//! A template NAME has up to four files: `NAME.subject`, `NAME.html`, `NAME.txt`
//! (email) and `NAME.sms`, plus per-locale variants `NAME.<locale>.<ext>` (e.g.
//! `sign-up.de.html`, `sign-up.pt-BR.sms`). The defaults in `templates/` are
//! compiled in; files in a configured directory override or add to them. HTML
//! files are auto-escaped, so a `given_name` of `<script>` arrives as text; the
//! others are plain text.
//!
//! One job a file: [`templates`] loads the sources, [`renderer`] renders them,
//! [`locales`] picks the file for a user's locale from the tags [`tags`] reads,
//! [`direction`] and [`dates`] are the filters that make text read right in
//! every language, [`links`] the ones that keep links safe, [`checks`]
//! renders every template at start-up, and [`error`] names what failed.

mod checks;
mod dates;
mod direction;
mod error;
mod links;
mod locales;
mod renderer;
mod tags;
mod templates;

pub use dates::event_time;
pub use direction::{text_direction, FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE};
pub use error::RenderError;
pub use renderer::{AppVars, RenderedEmail, Renderer, TemplateVars};
pub use tags::{language_of, normalise_locale, BASE_LANGUAGE, EMBEDDED_LOCALES};
pub use templates::EMBEDDED;
