//! Where an SMS may go, in ISO 3166 regions: the region a configured entry
//! names (or, as configurations said before regions, the calling code it
//! names), the allow and deny lists, and the number types refused. A calling
//! code is shared — +1 is the US, Canada, Jamaica, the Dominican Republic and
//! twenty more — so only a region says where a message goes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

use super::phone::{NumberType, E164};
pub use super::region::{regions_of, Region};

/// One entry of `allowed_countries`, `denied_countries` or a `per_country` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountryEntry {
    /// A region: `"US"`, `"JM"`, `"001"`.
    Region(Region),
    /// A calling code (`1`, `"+44"`): what these lists held before regions.
    /// It keeps that meaning — the numbers with that code — for one release,
    /// with a start-up warning; `check-config` fails until it is rewritten.
    CallingCode(u16),
}

impl FromStr for CountryEntry {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        if let Some(region) = Region::parse(trimmed) {
            return Ok(CountryEntry::Region(region));
        }
        let digits = trimmed.strip_prefix('+').unwrap_or(trimmed);
        let code = ((1..=3).contains(&digits.len())
            && !digits.starts_with('0')
            && digits.chars().all(|c| c.is_ascii_digit()))
        .then(|| digits.parse::<u16>().ok())
        .flatten()
        .filter(|code| !regions_of(*code).is_empty());
        match code {
            Some(code) => Ok(CountryEntry::CallingCode(code)),
            None => Err(format!(
                "`{trimmed}` is not a region: write an ISO 3166 code such as \"US\", \"GB\" or \"DE\" (or \"001\" for numbers of no region){}",
                if trimmed.eq_ignore_ascii_case("UK") { "; the United Kingdom is \"GB\"" } else { "" }
            )),
        }
    }
}

impl fmt::Display for CountryEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CountryEntry::Region(region) => region.fmt(f),
            CountryEntry::CallingCode(code) => write!(f, "{code}"),
        }
    }
}

impl<'de> Deserialize<'de> for CountryEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Number(u64),
            Text(String),
        }
        let text = match Written::deserialize(deserializer)? {
            Written::Number(n) => n.to_string(),
            Written::Text(text) => text,
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A calling code still written where a region belongs: the setting, the code
/// and the regions it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyCallingCode {
    /// `sms.allowed_countries`, `sms.limits.per_country.44`, …
    pub setting: String,
    /// The calling code.
    pub code: u16,
}

impl LegacyCallingCode {
    /// What to say about it: the regions it covers and the rewrite.
    pub fn describe(&self) -> String {
        let regions: Vec<String> = regions_of(self.code)
            .iter()
            .map(Region::to_string)
            .collect();
        format!(
            "`{}` names calling code {} (+{}), which now means every region that shares it: {}. Countries are ISO 3166 regions: list the ones you mean (\"{}\")",
            self.setting,
            self.code,
            self.code,
            regions.join(", "),
            regions.first().map_or("US", String::as_str)
        )
    }
}

/// Every calling code in `entries`, as [`LegacyCallingCode`]s of `setting`.
pub fn legacy_codes(setting: &str, entries: &[CountryEntry]) -> Vec<LegacyCallingCode> {
    entries
        .iter()
        .filter_map(|entry| match entry {
            CountryEntry::CallingCode(code) => Some(LegacyCallingCode {
                setting: setting.to_string(),
                code: *code,
            }),
            CountryEntry::Region(_) => None,
        })
        .collect()
}

/// Allow and deny lists of regions with the keys they come from (for errors),
/// and the number types refused. An empty allow list allows every region; a
/// number of no region (`001`) only when the allow list names `001`. A calling
/// code an older configuration wrote matches the numbers with that code, as it
/// did (so `882` still means +882 only, not every number of no region).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CountryFilter {
    /// Only these regions (with `allowed_codes`), if any is set.
    pub allowed: Vec<Region>,
    /// Only these calling codes, as an older configuration wrote them.
    pub allowed_codes: Vec<u16>,
    /// Never these regions.
    pub denied: Vec<Region>,
    /// Never these calling codes, as an older configuration wrote them.
    pub denied_codes: Vec<u16>,
    /// Where `allowed` is configured (`sms.allowed_countries`, or a route's).
    pub allowed_key: String,
    /// Where `denied` is configured.
    pub denied_key: String,
    /// Number types that may receive SMS (`sms.allowed_number_types`).
    pub number_types: Vec<NumberType>,
}

/// Why a number may not receive SMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Its region is not allowed, by this setting.
    Region {
        /// The setting that refused it.
        setting: String,
    },
    /// Its type (premium rate, …) is not allowed.
    NumberType {
        /// The number's type.
        number_type: NumberType,
    },
}

impl CountryFilter {
    /// Builds the filter from configured entries.
    pub fn new(
        allowed: &[CountryEntry],
        allowed_key: String,
        denied: &[CountryEntry],
        denied_key: String,
        number_types: Vec<NumberType>,
    ) -> Self {
        let split = |entries: &[CountryEntry]| {
            let mut regions = Vec::new();
            let mut codes = Vec::new();
            for entry in entries {
                match *entry {
                    CountryEntry::Region(region) => regions.push(region),
                    CountryEntry::CallingCode(code) => codes.push(code),
                }
            }
            regions.sort();
            regions.dedup();
            codes.sort_unstable();
            codes.dedup();
            (regions, codes)
        };
        let (allowed, allowed_codes) = split(allowed);
        let (denied, denied_codes) = split(denied);
        CountryFilter {
            allowed,
            allowed_codes,
            denied,
            denied_codes,
            allowed_key,
            denied_key,
            number_types,
        }
    }

    /// `None` when `number` may receive SMS; else why not.
    pub fn refusal(&self, number: &E164) -> Option<Refusal> {
        let region = number.region().unwrap_or(Region::NON_GEOGRAPHIC);
        let code = number.calling_code();
        if self.denied.contains(&region) || self.denied_codes.contains(&code) {
            return Some(Refusal::Region {
                setting: self.denied_key.clone(),
            });
        }
        let listed = self.allowed.contains(&region) || self.allowed_codes.contains(&code);
        let open = self.allowed.is_empty() && self.allowed_codes.is_empty();
        let allowed = match region {
            Region::NON_GEOGRAPHIC => listed,
            _ => open || listed,
        };
        if !allowed {
            return Some(Refusal::Region {
                setting: self.allowed_key.clone(),
            });
        }
        if !self.number_types.contains(&number.number_type()) {
            return Some(Refusal::NumberType {
                number_type: number.number_type(),
            });
        }
        None
    }

    /// Whether `number` may receive SMS.
    pub fn permits(&self, number: &E164) -> bool {
        self.refusal(number).is_none()
    }

    /// The lists as a person reads them: `only US CA, never JM` or `all regions`
    /// (a calling code from an older configuration as `+1`).
    pub fn describe(&self) -> String {
        let names = |regions: &[Region], codes: &[u16]| {
            regions
                .iter()
                .map(Region::to_string)
                .chain(codes.iter().map(|code| format!("+{code}")))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let allowed = names(&self.allowed, &self.allowed_codes);
        let denied = names(&self.denied, &self.denied_codes);
        match (allowed.is_empty(), denied.is_empty()) {
            (true, true) => "all regions".into(),
            (false, true) => format!("only {allowed}"),
            (true, false) => format!("all but {denied}"),
            (false, false) => format!("only {allowed}, never {denied}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sms::phone::normalise;

    fn entries(text: &[&str]) -> Vec<CountryEntry> {
        text.iter().map(|t| t.parse().unwrap()).collect()
    }

    #[test]
    fn entries_are_regions_or_calling_codes() {
        assert_eq!(
            "us".parse::<CountryEntry>(),
            Ok(CountryEntry::Region(Region::parse("US").unwrap()))
        );
        assert_eq!("+44".parse(), Ok(CountryEntry::CallingCode(44)));
        assert_eq!("1".parse(), Ok(CountryEntry::CallingCode(1)));
        for bad in ["UK", "XX", "0", "4444", "999", "U S", ""] {
            let error = bad.parse::<CountryEntry>().unwrap_err();
            assert!(error.contains("ISO 3166"), "{bad}: {error}");
        }
    }

    #[test]
    fn calling_code_1_covers_two_dozen_regions() {
        let regions: Vec<String> = regions_of(1).iter().map(Region::to_string).collect();
        assert_eq!(regions.first().map(String::as_str), Some("US"));
        for region in ["CA", "JM", "DO", "BS"] {
            assert!(regions.iter().any(|r| r == region), "{regions:?}");
        }
        assert!(regions.len() >= 20, "{regions:?}");
        assert_eq!(regions_of(882), vec![Region::NON_GEOGRAPHIC]);
    }

    #[test]
    fn the_filter_reads_the_numbers_region_not_its_calling_code() {
        let us_only = CountryFilter::new(
            &entries(&["US"]),
            "sms.allowed_countries".into(),
            &[],
            "sms.denied_countries".into(),
            NumberType::DEFAULT_ALLOWED.to_vec(),
        );
        let us = normalise("+12025550123", None).unwrap();
        let jamaica = normalise("+18762345678", None).unwrap();
        assert!(us_only.permits(&us));
        assert_eq!(
            us_only.refusal(&jamaica),
            Some(Refusal::Region {
                setting: "sms.allowed_countries".into()
            })
        );
        let legacy = CountryFilter::new(
            &entries(&["1"]),
            "sms.allowed_countries".into(),
            &entries(&["JM"]),
            "sms.denied_countries".into(),
            NumberType::DEFAULT_ALLOWED.to_vec(),
        );
        assert!(legacy.permits(&us), "a calling code keeps its old meaning");
        assert!(!legacy.permits(&jamaica), "a denied region wins");
        assert_eq!(legacy.describe().split(", never ").nth(1), Some("JM"));
    }

    #[test]
    fn numbers_of_no_region_and_premium_numbers_are_refused_by_default() {
        let open = CountryFilter::new(
            &[],
            "sms.allowed_countries".into(),
            &[],
            "sms.denied_countries".into(),
            NumberType::DEFAULT_ALLOWED.to_vec(),
        );
        let satellite = normalise("+881612345678", None).unwrap();
        assert_eq!(satellite.region(), None);
        assert!(!open.permits(&satellite));
        let with_001 = CountryFilter::new(
            &entries(&["001"]),
            "sms.allowed_countries".into(),
            &[],
            "sms.denied_countries".into(),
            NumberType::DEFAULT_ALLOWED.to_vec(),
        );
        assert!(with_001.permits(&satellite));
        let premium = normalise("+19002345678", None).unwrap();
        assert_eq!(premium.number_type(), NumberType::PremiumRate);
        assert_eq!(
            open.refusal(&premium),
            Some(Refusal::NumberType {
                number_type: NumberType::PremiumRate
            })
        );
        let shared_cost = normalise("+33884012345", None).unwrap();
        assert_eq!(shared_cost.number_type(), NumberType::SharedCost);
        assert!(!open.permits(&shared_cost));
    }

    #[test]
    fn a_calling_code_of_no_region_keeps_to_its_own_numbers() {
        let only_882 = CountryFilter::new(
            &entries(&["882"]),
            "sms.allowed_countries".into(),
            &[],
            "sms.denied_countries".into(),
            NumberType::DEFAULT_ALLOWED.to_vec(),
        );
        let iridium = normalise("+881612345678", None).unwrap();
        assert_eq!(iridium.region(), None);
        assert!(!only_882.permits(&iridium), "+881 is not +882");
        assert_eq!(only_882.describe(), "only +882");
    }
}
