//! Phone numbers: validated and normalised to E.164 with libphonenumber's data
//! (the `phonenumber` crate), and filtered by country calling code — the cheapest
//! defence against SMS pumping.

use std::str::FromStr;

use phonenumber::country;
use phonenumber::Mode;

/// A validated phone number in E.164 form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct E164 {
    number: String,
    calling_code: u16,
}

impl E164 {
    /// `+4915112345678`
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// The country calling code (`49`).
    pub fn calling_code(&self) -> u16 {
        self.calling_code
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
    })
}

/// Allow and deny lists of country calling codes, with the configuration keys
/// they come from (for errors); an empty allow list allows all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CountryFilter {
    /// Only these calling codes, if non-empty.
    pub allowed: Vec<u16>,
    /// Never these calling codes.
    pub denied: Vec<u16>,
    /// Where `allowed` is configured (`sms.allowed_countries`, or a route's).
    pub allowed_key: String,
    /// Where `denied` is configured.
    pub denied_key: String,
}

impl CountryFilter {
    /// `None` when `number` may receive SMS; else the key of the list that refuses it.
    pub fn refusing_key(&self, number: &E164) -> Option<&str> {
        let code = number.calling_code();
        if self.denied.contains(&code) {
            Some(&self.denied_key)
        } else if !self.allowed.is_empty() && !self.allowed.contains(&code) {
            Some(&self.allowed_key)
        } else {
            None
        }
    }

    /// Whether `number` may receive SMS.
    pub fn permits(&self, number: &E164) -> bool {
        self.refusing_key(number).is_none()
    }

    /// The lists as a person reads them: `allowed +1 +44, denied +234` or `all countries`.
    pub fn describe(&self) -> String {
        let codes = |list: &[u16]| {
            list.iter()
                .map(|c| format!("+{c}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        match (self.allowed.is_empty(), self.denied.is_empty()) {
            (true, true) => "all countries".into(),
            (false, true) => format!("only {}", codes(&self.allowed)),
            (true, false) => format!("all but {}", codes(&self.denied)),
            (false, false) => format!(
                "only {}, never {}",
                codes(&self.allowed),
                codes(&self.denied)
            ),
        }
    }
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
    fn country_filters() {
        let de = normalise("+4915112345678", None).unwrap();
        let us = normalise("+12025550123", None).unwrap();
        assert!(CountryFilter::default().permits(&de));
        let allow_us = CountryFilter {
            allowed: vec![1],
            allowed_key: "sms.allowed_countries".into(),
            ..CountryFilter::default()
        };
        assert!(allow_us.permits(&us) && !allow_us.permits(&de));
        assert_eq!(allow_us.refusing_key(&de), Some("sms.allowed_countries"));
        let deny_de = CountryFilter {
            denied: vec![49],
            denied_key: "routes.CustomSMSSender_SignUp.denied_countries".into(),
            ..CountryFilter::default()
        };
        assert!(deny_de.permits(&us) && !deny_de.permits(&de));
        assert_eq!(
            deny_de.refusing_key(&de),
            Some("routes.CustomSMSSender_SignUp.denied_countries")
        );
        assert_eq!(deny_de.describe(), "all but +49");
    }
}
