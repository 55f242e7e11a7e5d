//! How many SMS segments a text costs: GSM 03.38 7-bit (160 per single message,
//! 153 per part of a concatenated one; extension-table characters take two
//! septets and are never split across parts) or UCS-2 (70 / 67 UTF-16 units,
//! surrogate pairs never split). Carriers bill per segment, so routes cap it.
//!
//! Hand-written because the rule is small and fixed and no well-kept crate does it.

/// The GSM 7-bit basic character set.
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The GSM 7-bit extension table (each costs an escape plus the character).
const GSM_EXTENSION: &str = "^{}\\[~]|€\u{000C}";

/// The encoding a text needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsEncoding {
    /// GSM 03.38 7-bit.
    Gsm7,
    /// UCS-2 (UTF-16).
    Ucs2,
}

impl std::fmt::Display for SmsEncoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SmsEncoding::Gsm7 => "GSM-7",
            SmsEncoding::Ucs2 => "UCS-2",
        })
    }
}

/// Encoding and segment count of an SMS body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentCount {
    /// The encoding the body needs.
    pub encoding: SmsEncoding,
    /// Segments billed.
    pub segments: usize,
}

fn septets(c: char) -> Option<usize> {
    if GSM_BASIC.contains(c) {
        Some(1)
    } else if GSM_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Counts the segments of `body`.
pub fn count(body: &str) -> SegmentCount {
    let gsm: Option<Vec<usize>> = body.chars().map(septets).collect();
    match gsm {
        Some(units) => SegmentCount {
            encoding: SmsEncoding::Gsm7,
            segments: pack(&units, 160, 153),
        },
        None => {
            let units: Vec<usize> = body.chars().map(char::len_utf16).collect();
            SegmentCount {
                encoding: SmsEncoding::Ucs2,
                segments: pack(&units, 70, 67),
            }
        }
    }
}

/// Packs indivisible characters (of `sizes` units each) into segments.
fn pack(sizes: &[usize], single: usize, part: usize) -> usize {
    let total: usize = sizes.iter().sum();
    if total == 0 {
        return 0;
    }
    if total <= single {
        return 1;
    }
    let (mut segments, mut used) = (1, 0);
    for &size in sizes {
        if used + size > part {
            segments += 1;
            used = 0;
        }
        used += size;
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(body: &str) -> (SmsEncoding, usize) {
        let c = count(body);
        (c.encoding, c.segments)
    }

    #[test]
    fn pure_gsm_fits_160_then_153_per_part() {
        assert_eq!(seg(""), (SmsEncoding::Gsm7, 0));
        assert_eq!(seg(&"a".repeat(160)), (SmsEncoding::Gsm7, 1));
        assert_eq!(seg(&"a".repeat(161)), (SmsEncoding::Gsm7, 2));
        assert_eq!(seg(&"a".repeat(306)), (SmsEncoding::Gsm7, 2));
        assert_eq!(seg(&"a".repeat(307)), (SmsEncoding::Gsm7, 3));
        assert_eq!(
            seg("Your code is 123456. Ça marche? Äpfel & £5 @ home_1"),
            (SmsEncoding::Gsm7, 1)
        );
    }

    #[test]
    fn extension_characters_cost_two_septets_and_are_not_split() {
        assert_eq!(seg(&"€".repeat(80)), (SmsEncoding::Gsm7, 1));
        assert_eq!(seg(&"€".repeat(81)), (SmsEncoding::Gsm7, 2));
        // 152 plain + one € (2 septets) = 154 > 153 in a part: the € moves on.
        let text = format!("{}€{}", "a".repeat(152), "a".repeat(10));
        assert_eq!(seg(&text), (SmsEncoding::Gsm7, 2));
        assert_eq!(
            seg(&format!("{}{{}}", "a".repeat(158))),
            (SmsEncoding::Gsm7, 2),
            "{{ and }} cost 2 each"
        );
    }

    #[test]
    fn anything_else_is_ucs2_at_70_then_67() {
        assert_eq!(seg("Ihr Code: 123456 ✓"), (SmsEncoding::Ucs2, 1));
        assert_eq!(seg(&"ж".repeat(70)), (SmsEncoding::Ucs2, 1));
        assert_eq!(seg(&"ж".repeat(71)), (SmsEncoding::Ucs2, 2));
        assert_eq!(seg(&"ж".repeat(134)), (SmsEncoding::Ucs2, 2));
        assert_eq!(seg(&"ж".repeat(135)), (SmsEncoding::Ucs2, 3));
    }

    #[test]
    fn emoji_take_two_units_and_are_not_split() {
        assert_eq!(seg(&"😀".repeat(35)), (SmsEncoding::Ucs2, 1));
        assert_eq!(seg(&"😀".repeat(36)), (SmsEncoding::Ucs2, 2));
        // 66 units + an emoji (2) = 68 > 67: the emoji starts part two.
        let text = format!("{}😀{}", "ж".repeat(66), "ж".repeat(5));
        assert_eq!(seg(&text), (SmsEncoding::Ucs2, 2));
    }
}
