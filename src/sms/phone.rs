//! Phone numbers: validated and normalised to E.164 with libphonenumber's data
//! (the `phonenumber` crate), with the region and the type of line each belongs
//! to, which `countries.rs` filters on.

use std::fmt;
use std::str::FromStr;

use phonenumber::metadata::DATABASE;
use phonenumber::{country, Mode, Type};
use serde::{Deserialize, Deserializer};

use super::region::Region;

/// A validated phone number in E.164 form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct E164 {
    number: String,
    calling_code: u16,
    region: Option<Region>,
    number_type: NumberType,
}

impl E164 {
    /// `+4915112345678`
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// The country calling code (`49`), which several regions may share.
    pub fn calling_code(&self) -> u16 {
        self.calling_code
    }

    /// The region the number belongs to (`+1 876…` → `JM`); `None` for numbers
    /// of no region (+881, +882, +883, +870 …).
    pub fn region(&self) -> Option<Region> {
        self.region
    }

    /// What kind of line it is.
    pub fn number_type(&self) -> NumberType {
        self.number_type
    }
}

/// The kind of line a number is, as libphonenumber classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumberType {
    /// `mobile`
    Mobile,
    /// `fixed_line`
    FixedLine,
    /// `fixed_line_or_mobile`: where the number cannot tell (the US, Canada).
    FixedLineOrMobile,
    /// `toll_free`
    TollFree,
    /// `premium_rate`: the caller pays a surcharge — SMS pumping's payout.
    PremiumRate,
    /// `shared_cost`
    SharedCost,
    /// `voip`
    Voip,
    /// `personal_number`
    PersonalNumber,
    /// `pager`
    Pager,
    /// `uan`: universal access ("company") numbers.
    Uan,
    /// `voicemail`
    Voicemail,
    /// `unknown`
    Unknown,
}

impl NumberType {
    /// Every type with its configuration name.
    pub const ALL: [(NumberType, &'static str); 12] = [
        (NumberType::Mobile, "mobile"),
        (NumberType::FixedLine, "fixed_line"),
        (NumberType::FixedLineOrMobile, "fixed_line_or_mobile"),
        (NumberType::TollFree, "toll_free"),
        (NumberType::PremiumRate, "premium_rate"),
        (NumberType::SharedCost, "shared_cost"),
        (NumberType::Voip, "voip"),
        (NumberType::PersonalNumber, "personal_number"),
        (NumberType::Pager, "pager"),
        (NumberType::Uan, "uan"),
        (NumberType::Voicemail, "voicemail"),
        (NumberType::Unknown, "unknown"),
    ];

    /// `sms.allowed_number_types`' default: all but premium rate, shared cost
    /// and UAN, the numbers SMS pumping profits from.
    pub const DEFAULT_ALLOWED: [NumberType; 9] = [
        NumberType::Mobile,
        NumberType::FixedLine,
        NumberType::FixedLineOrMobile,
        NumberType::TollFree,
        NumberType::Voip,
        NumberType::PersonalNumber,
        NumberType::Pager,
        NumberType::Voicemail,
        NumberType::Unknown,
    ];

    /// `premium_rate`
    pub fn name(self) -> &'static str {
        NumberType::ALL
            .iter()
            .find(|(kind, _)| *kind == self)
            .map_or("unknown", |(_, name)| name)
    }

    fn of(kind: Type) -> NumberType {
        match kind {
            Type::Mobile => NumberType::Mobile,
            Type::FixedLine => NumberType::FixedLine,
            Type::FixedLineOrMobile => NumberType::FixedLineOrMobile,
            Type::TollFree => NumberType::TollFree,
            Type::PremiumRate => NumberType::PremiumRate,
            Type::SharedCost => NumberType::SharedCost,
            Type::Voip => NumberType::Voip,
            Type::PersonalNumber => NumberType::PersonalNumber,
            Type::Pager => NumberType::Pager,
            Type::Uan => NumberType::Uan,
            Type::Voicemail => NumberType::Voicemail,
            _ => NumberType::Unknown,
        }
    }
}

impl fmt::Display for NumberType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for NumberType {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase();
        NumberType::ALL
            .iter()
            .find(|(_, name)| *name == wanted)
            .map(|(kind, _)| *kind)
            .ok_or_else(|| {
                let names: Vec<&str> = NumberType::ALL.iter().map(|(_, name)| *name).collect();
                format!("`{text}` is not a number type; use {}", names.join(", "))
            })
    }
}

impl<'de> Deserialize<'de> for NumberType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// Why a number was refused; never contains the number itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Not parseable as a phone number.
    #[error("is not a phone number{0}")]
    Unparseable(&'static str),
    /// Parseable but not a valid number for its country.
    #[error("is not a valid number for country calling code +{0}")]
    Invalid(u16),
}

/// Parses `raw` (E.164, or national format when `default_region` is set, e.g. "DE").
pub fn normalise(raw: &str, default_region: Option<&str>) -> Result<E164, PhoneError> {
    let raw = raw.trim();
    if raw.chars().any(|c| c.is_ascii_alphabetic()) {
        // libphonenumber would read vanity letters (1-800-FLOWERS) as digits;
        // a Cognito phone_number never contains them.
        return Err(PhoneError::Unparseable(" (it contains letters)"));
    }
    let region = default_region.and_then(|r| country::Id::from_str(&r.to_ascii_uppercase()).ok());
    let parsed = phonenumber::parse(region, raw).map_err(|_| {
        PhoneError::Unparseable(if raw.starts_with('+') {
            ""
        } else {
            " (expected E.164 such as +4915112345678; set sms.default_region to accept national numbers)"
        })
    })?;
    let calling_code = parsed.code().value();
    if !phonenumber::is_valid(&parsed) {
        return Err(PhoneError::Invalid(calling_code));
    }
    Ok(E164 {
        number: parsed.format().mode(Mode::E164).to_string(),
        calling_code,
        region: parsed
            .country()
            .id()
            .and_then(|id| Region::parse(id.as_ref())),
        number_type: NumberType::of(parsed.number_type(&DATABASE)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_numbers_are_accepted_as_they_are() {
        let n = normalise("+4915112345678", None).unwrap();
        assert_eq!((n.as_str(), n.calling_code()), ("+4915112345678", 49));
        assert_eq!(
            normalise(" +1 202-555-0123 ", None).unwrap().as_str(),
            "+12025550123"
        );
    }

    #[test]
    fn national_formats_need_a_default_region() {
        assert_eq!(
            normalise("0151 12345678", Some("de")).unwrap().as_str(),
            "+4915112345678"
        );
        assert_eq!(
            normalise("(202) 555-0123", Some("US")).unwrap().as_str(),
            "+12025550123"
        );
        let err = normalise("015112345678", None).unwrap_err();
        assert!(err.to_string().contains("sms.default_region"), "{err}");
    }

    #[test]
    fn garbage_letters_and_impossible_numbers_are_refused() {
        assert!(normalise("not a number", None).is_err());
        assert_eq!(
            normalise("+1800FLOWERS", None),
            Err(PhoneError::Unparseable(" (it contains letters)"))
        );
        assert!(matches!(
            normalise("+4912", None),
            Err(PhoneError::Invalid(49)) | Err(PhoneError::Unparseable(_))
        ));
        assert!(normalise("", None).is_err());
    }

    #[test]
    fn a_number_knows_its_region_and_type() {
        let jamaica = normalise("+18762345678", None).unwrap();
        assert_eq!(jamaica.calling_code(), 1);
        assert_eq!(jamaica.region().map(|r| r.to_string()), Some("JM".into()));
        let de = normalise("+4915112345678", None).unwrap();
        assert_eq!(de.number_type(), NumberType::Mobile);
        assert_eq!("Premium_Rate".parse(), Ok(NumberType::PremiumRate));
        assert!("premium"
            .parse::<NumberType>()
            .unwrap_err()
            .contains("shared_cost"));
    }
}
