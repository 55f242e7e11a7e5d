//! Small text helpers shared by backends: one-line excerpts and epoch time.

use std::time::{SystemTime, UNIX_EPOCH};

/// `text` with whitespace folded to single spaces, cut to `max` characters (`…` marks a cut).
pub fn one_line(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub fn epoch_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_folds_and_cuts() {
        assert_eq!(one_line(" a \n b\t c ", 10), "a b c");
        assert_eq!(one_line(&"word ".repeat(100), 9), "word word…");
        assert_eq!(one_line("äöü", 2), "äö…");
    }
}
