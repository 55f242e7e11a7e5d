//! Locale tags as users and pool attributes write them, read into the one form
//! template files are named by (`pt-BR`), and the locales the embedded
//! templates come in.

/// The locales the embedded templates are written in besides the English base.
pub const EMBEDDED_LOCALES: &[&str] = &["de", "es", "fr", "pt-BR", "it", "ja", "ar"];

/// The language of the base files (`NAME.html` without a locale).
pub const BASE_LANGUAGE: &str = "en";

/// `pt_br` / `PT-br` → `pt-BR`; `None` for an empty or odd value.
pub fn normalise_locale(raw: &str) -> Option<String> {
    let mut parts = raw.trim().split(['-', '_']);
    let language = parts.next()?.to_ascii_lowercase();
    if language.is_empty()
        || language.len() > 3
        || !language.chars().all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    match parts.next() {
        Some(region)
            if !region.is_empty()
                && region.len() <= 3
                && region.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            Some(format!("{language}-{}", region.to_ascii_uppercase()))
        }
        _ => Some(language),
    }
}

/// `pt-BR` → `pt`.
pub fn language_of(locale: &str) -> &str {
    locale.split('-').next().unwrap_or(locale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_names_are_normalised() {
        assert_eq!(normalise_locale("pt_br").as_deref(), Some("pt-BR"));
        assert_eq!(normalise_locale(" DE ").as_deref(), Some("de"));
        assert_eq!(normalise_locale("").as_deref(), None);
        assert_eq!(normalise_locale("../../etc").as_deref(), None);
        assert_eq!(language_of("pt-BR"), "pt");
    }
}
