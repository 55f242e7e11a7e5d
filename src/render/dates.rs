//! Event times in the reader's language: `{{ user.LOGIN_TIME | event_time }}`
//! turns an RFC 3339 time into the date and time the locale writes (chrono's
//! localized formats, from the glibc locale data), always in UTC and saying so.
//! A value that is not an RFC 3339 time is shown as it came.

use chrono::{DateTime, Locale, Utc};
use minijinja::State;

use super::tags::language_of;

/// The region a bare language's dates are written for when the locale data
/// has no `xx_XX` of the same letters.
const LANGUAGE_REGIONS: &[(&str, &str)] = &[
    ("en", "US"),
    ("ar", "EG"),
    ("ja", "JP"),
    ("pt", "BR"),
    ("he", "IL"),
    ("zh", "CN"),
    ("ko", "KR"),
];

/// The locale data for a tag such as `pt-BR` or `de`: the tag itself, else its
/// language's usual region, else the POSIX formats.
fn locale_data(tag: &str) -> Locale {
    let language = language_of(tag);
    let region = tag.split('-').nth(1);
    let usual = LANGUAGE_REGIONS
        .iter()
        .find(|(l, _)| *l == language)
        .map_or(language.to_ascii_uppercase(), |(_, r)| r.to_string());
    [region.map(str::to_string), Some(usual)]
        .into_iter()
        .flatten()
        .find_map(|region| Locale::try_from(format!("{language}_{region}").as_str()).ok())
        .unwrap_or(Locale::POSIX)
}

/// `value` as a date and time of `locale`, in UTC; `None` when it is not an
/// RFC 3339 time.
pub fn event_time(value: &str, locale: &str) -> Option<String> {
    let time = DateTime::parse_from_rfc3339(value.trim())
        .ok()?
        .with_timezone(&Utc);
    let text = time.format_localized("%c", locale_data(locale)).to_string();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(match text.contains("UTC") {
        true => text,
        false => format!("{text} UTC"),
    })
}

/// The `event_time` filter: the template's own locale.
pub(super) fn event_time_filter(state: &State, value: String) -> String {
    let locale = state.lookup("locale");
    let locale = locale.as_ref().and_then(|l| l.as_str()).unwrap_or("en");
    event_time(&value, locale).unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIME: &str = "2026-11-23T10:15:02Z";

    #[test]
    fn each_language_writes_the_time_its_own_way_in_utc() {
        let shown = |locale| event_time(TIME, locale).unwrap();
        assert_eq!(shown("en"), "Mon 23 Nov 2026 10:15:02 AM UTC");
        assert_eq!(shown("de"), "Mo 23 Nov 2026 10:15:02 UTC");
        assert_eq!(shown("ja"), "2026年11月23日 10時15分02秒 UTC");
        assert!(
            shown("fr").starts_with("lun. 23 nov. 2026 10:15:02"),
            "{}",
            shown("fr")
        );
        assert!(shown("pt-BR").contains("nov"), "{}", shown("pt-BR"));
        assert!(
            shown("ar").contains("نوف"),
            "Arabic month names: {}",
            shown("ar")
        );
        assert!(shown("xx").contains("2026"), "unknown languages get POSIX");
    }

    #[test]
    fn an_offset_is_converted_and_other_values_are_left_alone() {
        assert_eq!(
            event_time("2026-11-23T12:15:02+02:00", "de").unwrap(),
            event_time(TIME, "de").unwrap()
        );
        assert_eq!(event_time("yesterday", "de"), None);
        assert_eq!(event_time("1764000000", "de"), None);
    }
}
