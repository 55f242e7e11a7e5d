//! Text direction: `dir` for the HTML of a right-to-left language, and the
//! `isolate` filter for plain text and SMS, where no markup can say which way a
//! run of text reads. Without it a time such as `2026-11-23T10:15:02Z` inside an
//! Arabic line displays as `23T10:15:02Z-11-2026`: the bidirectional algorithm
//! reorders its digits and punctuation around the Arabic words.

use minijinja::State;

use super::tags::language_of;

/// Languages written right to left (ISO 639-1/-3), for `dir` on the HTML.
const RIGHT_TO_LEFT: &[&str] = &[
    "ar", "arc", "ckb", "dv", "fa", "he", "ps", "sd", "ug", "ur", "yi",
];

/// U+2068 FIRST STRONG ISOLATE: what follows, up to its
/// [`POP_DIRECTIONAL_ISOLATE`], reads in the direction of its own first letter
/// (left to right when it has none, as a time or an address) and does not
/// reorder the text around it.
pub const FIRST_STRONG_ISOLATE: char = '\u{2068}';
/// U+2069 POP DIRECTIONAL ISOLATE: ends an isolate.
pub const POP_DIRECTIONAL_ISOLATE: char = '\u{2069}';

/// `rtl` for a right-to-left language (`ar`, `he-IL`), else `ltr`.
pub fn text_direction(locale: &str) -> &'static str {
    if RIGHT_TO_LEFT.contains(&language_of(locale)) {
        "rtl"
    } else {
        "ltr"
    }
}

/// `{{ value | isolate }}`: in a right-to-left template, the value between a
/// first-strong isolate and its pop, so a name, a time, an address or a
/// product name keeps its own order inside the sentence; in a left-to-right
/// one, the value as it is. Never for a code or a password: a user who selects
/// one would copy the invisible marks with it and fail to sign in, so templates
/// put the code on a line of its own instead.
pub(super) fn isolate_filter(state: &State, value: String) -> String {
    let locale = state.lookup("locale");
    let locale = locale.as_ref().and_then(|l| l.as_str()).unwrap_or("en");
    if value.is_empty() || text_direction(locale) == "ltr" {
        return value;
    }
    format!("{FIRST_STRONG_ISOLATE}{value}{POP_DIRECTIONAL_ISOLATE}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(locale: &str, value: &str) -> String {
        let mut env = minijinja::Environment::new();
        env.add_filter("isolate", isolate_filter);
        env.render_str(
            "{{ v | isolate }}",
            minijinja::context! { locale => locale, v => value },
        )
        .unwrap()
    }

    #[test]
    fn only_right_to_left_text_is_isolated() {
        assert_eq!(render("ar", "10.0.0.1"), "\u{2068}10.0.0.1\u{2069}");
        assert_eq!(render("he-IL", "Acme"), "\u{2068}Acme\u{2069}");
        assert_eq!(render("de", "10.0.0.1"), "10.0.0.1");
        assert_eq!(render("ar", ""), "", "nothing to isolate");
        assert_eq!(text_direction("he-IL"), "rtl");
        assert_eq!(text_direction("ja"), "ltr");
    }
}
