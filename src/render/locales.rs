//! Which file a user's locale is rendered from: the locale, its language, a
//! sibling of the language, then the default locale the same way, then the
//! English base files; and the locales a template covers.

use std::collections::BTreeSet;

use switchboard_providers::Channel;

use super::renderer::Renderer;
use super::tags::{language_of, normalise_locale, BASE_LANGUAGE};

/// The file whose presence means a template set exists in a locale on
/// `channel`: an email needs its subject, an SMS its body.
fn key_extension(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "subject",
        Channel::Sms => "sms",
    }
}

impl Renderer {
    /// The file to use for `name.ext` in `locale`: the locale, its language, a
    /// sibling of the language (`pt-PT` → `pt-BR`, when only that exists), then
    /// the same for the default locale, then the base files. The base files are
    /// English: an `en-*` user gets them even where the default locale is another.
    pub(super) fn resolve(
        &self,
        name: &str,
        ext: &str,
        locale: Option<&str>,
    ) -> (String, Option<String>) {
        let wanted = locale.and_then(normalise_locale);
        for candidate in [wanted.as_deref(), self.default_locale.as_deref()]
            .into_iter()
            .flatten()
        {
            if language_of(candidate) == BASE_LANGUAGE {
                break;
            }
            if let Some(found) = self.nearest(name, ext, candidate) {
                let file = format!("{name}.{found}.{ext}");
                return (file, Some(found));
            }
        }
        (format!("{name}.{ext}"), None)
    }

    /// The locale of the file for `name.ext` nearest to `locale`: itself, its
    /// language, else the first regional variant of its language.
    fn nearest(&self, name: &str, ext: &str, locale: &str) -> Option<String> {
        let language = language_of(locale);
        for candidate in [locale, language] {
            if self
                .sources
                .contains_key(&format!("{name}.{candidate}.{ext}"))
            {
                return Some(candidate.to_string());
            }
        }
        let prefix = format!("{name}.{language}-");
        let suffix = format!(".{ext}");
        self.sources
            .range(prefix.clone()..)
            .map(|(file, _)| file)
            .take_while(|file| file.starts_with(&prefix))
            .find_map(|file| {
                let middle = file
                    .strip_prefix(&format!("{name}."))?
                    .strip_suffix(&suffix)?;
                (!middle.contains('.')).then(|| middle.to_string())
            })
    }

    /// The locale of the files `name` is rendered from on `channel` for a user
    /// in `locale` (`None`: the base files), to show where a message falls back.
    pub fn resolved_locale(
        &self,
        name: &str,
        channel: Channel,
        locale: Option<&str>,
    ) -> Option<String> {
        let ext = key_extension(channel);
        self.resolve(name, ext, locale).1
    }

    /// The locales `name` has files for on `channel`, the base files as
    /// [`BASE_LANGUAGE`] (what `check-config` and the gallery list).
    pub fn covered_locales(&self, name: &str, channel: Channel) -> BTreeSet<String> {
        self.locales_of(name, channel)
            .into_iter()
            .map(|l| l.unwrap_or_else(|| BASE_LANGUAGE.to_string()))
            .collect()
    }

    /// The locales `name` has files for on `channel` (the base as `None`).
    pub fn locales_of(&self, name: &str, channel: Channel) -> Vec<Option<String>> {
        let ext = key_extension(channel);
        let mut locales = vec![None];
        let prefix = format!("{name}.");
        for file in self.sources.keys() {
            if let Some(middle) = file
                .strip_prefix(&prefix)
                .and_then(|r| r.strip_suffix(&format!(".{ext}")))
            {
                if !middle.is_empty() && !middle.contains('.') {
                    locales.push(Some(middle.to_string()));
                }
            }
        }
        locales
    }
}
