//! ISO 3166 regions as libphonenumber knows them, and the regions that share
//! a calling code.

use std::fmt;
use std::str::FromStr;

use phonenumber::metadata::DATABASE;

/// An ISO 3166-1 alpha-2 region libphonenumber knows (`US`, `JM`), or `001`,
/// its name for numbers that belong to no region (+881, +882, +883, +870 …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(
    /// The code's ASCII bytes, a two-letter code padded with a space.
    [u8; 3],
);

impl Region {
    /// Numbers of no region: international networks, satellite phones.
    pub const NON_GEOGRAPHIC: Region = Region(*b"001");

    /// `text` as a region, any case; `None` for a code libphonenumber does not know.
    pub fn parse(text: &str) -> Option<Region> {
        let upper = text.trim().to_ascii_uppercase();
        if upper == "001" {
            return Some(Region::NON_GEOGRAPHIC);
        }
        let known = upper.len() == 2 && phonenumber::country::Id::from_str(&upper).is_ok();
        known.then(|| {
            let bytes = upper.as_bytes();
            Region([bytes[0], bytes[1], b' '])
        })
    }

    /// `US`, `001`.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default().trim_end()
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The regions that share `calling_code`, main region first (`1` → US, AG, AI, …);
/// `001` for a code of no region; empty for a code nobody uses.
pub fn regions_of(calling_code: u16) -> Vec<Region> {
    DATABASE
        .region(&calling_code)
        .unwrap_or_default()
        .into_iter()
        .filter_map(Region::parse)
        .collect()
}
