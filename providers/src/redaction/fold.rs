//! Folding a text before secrets are searched in it: backslash escapes of any
//! depth decoded, line wrapping left out, each byte mapped to where it came from.

/// A text with its backslash escapes decoded, and where each byte came from.
pub(super) struct Folded {
    pub(super) bytes: Vec<u8>,
    /// For each byte of `bytes`, the range of the original text it decodes;
    /// empty when the text had nothing to decode (the bytes are its own).
    pub(super) sources: Vec<(usize, usize)>,
}

impl Folded {
    /// The original range of the folded bytes `start..end`.
    pub(super) fn original(&self, start: usize, end: usize) -> (usize, usize) {
        if self.sources.is_empty() {
            return (start, end);
        }
        (self.sources[start].0, self.sources[end - 1].1)
    }
}

/// `text` as a secret is searched in it: each run of backslashes and the escape
/// it introduces decoded (`\\\"` → `"`, `\u00e9` and `\xc3\xa9` → `é`), so that
/// however deeply a text was quoted a secret in it folds to the secret; and
/// whitespace and quoted-printable soft line breaks (`=` before a line end)
/// left out, so that a secret a MIME body wrapped across lines (base64 at 76
/// characters, quoted-printable's `=`) folds whole. Matching only: what is
/// replaced is the original text a match covers.
pub(super) fn fold(text: &str) -> Folded {
    let bytes = text.as_bytes();
    if !bytes
        .iter()
        .any(|&b| b == b'\\' || b == b'=' || b.is_ascii_whitespace())
    {
        return Folded {
            bytes: bytes.to_vec(),
            sources: Vec::new(),
        };
    }
    // First the escapes decoded, each byte with the original range it came from…
    let mut decoded: Vec<(u8, (usize, usize))> = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != b'\\' {
            decoded.push((bytes[at], (at, at + 1)));
            at += 1;
            continue;
        }
        let start = at;
        while bytes.get(at) == Some(&b'\\') {
            at += 1;
        }
        let (bytes_of, next) = escape_at(bytes, at);
        decoded.extend(bytes_of.into_iter().map(|byte| (byte, (start, next))));
        at = next;
    }
    // …then line wrapping left out, written or escaped: whitespace, and a
    // quoted-printable soft break (`=` before whitespace).
    let mut folded = Folded {
        bytes: Vec::with_capacity(decoded.len()),
        sources: Vec::with_capacity(decoded.len()),
    };
    for (i, &(byte, source)) in decoded.iter().enumerate() {
        let soft_break = byte == b'='
            && decoded
                .get(i + 1)
                .is_some_and(|(next, _)| next.is_ascii_whitespace());
        if byte.is_ascii_whitespace() || soft_break {
            continue;
        }
        folded.bytes.push(byte);
        folded.sources.push(source);
    }
    folded
}

/// The bytes the escape after a run of backslashes stands for, and where the
/// text goes on.
fn escape_at(bytes: &[u8], at: usize) -> (Vec<u8>, usize) {
    let hex = |from: usize, len: usize| -> Option<u32> {
        let digits = bytes.get(from..from.checked_add(len)?)?;
        u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    };
    let utf8 = |code: u32| {
        char::from_u32(code)
            .map(|c| c.to_string().into_bytes())
            .unwrap_or_default()
    };
    match bytes.get(at) {
        None => (Vec::new(), at),
        Some(b'x') => match hex(at + 1, 2) {
            Some(byte) => (vec![byte as u8], at + 3),
            None => (vec![b'x'], at + 1),
        },
        Some(b'u') if bytes.get(at + 1) == Some(&b'{') => {
            // At most six hex digits: never a scan to the end of the text.
            let window = &bytes[at..bytes.len().min(at + 10)];
            let close = window.iter().position(|&b| b == b'}').map(|p| at + p);
            match close.and_then(|close| Some((hex(at + 2, close - at - 2)?, close))) {
                Some((code, close)) => (utf8(code), close + 1),
                None => (vec![b'u'], at + 1),
            }
        }
        Some(b'u') => match hex(at + 1, 4) {
            Some(high @ 0xD800..=0xDBFF) => {
                // A surrogate pair, `\ud83d\ude00`, each half with its own backslashes.
                let mut low_at = at + 5;
                while bytes.get(low_at) == Some(&b'\\') {
                    low_at += 1;
                }
                match (bytes.get(low_at), hex(low_at + 1, 4)) {
                    (Some(b'u'), Some(low @ 0xDC00..=0xDFFF)) => (
                        utf8(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)),
                        low_at + 5,
                    ),
                    _ => (Vec::new(), at + 5),
                }
            }
            Some(code) => (utf8(code), at + 5),
            None => (vec![b'u'], at + 1),
        },
        Some(b'n') => (vec![b'\n'], at + 1),
        Some(b'r') => (vec![b'\r'], at + 1),
        Some(b't') => (vec![b'\t'], at + 1),
        Some(b'0') => (vec![0], at + 1),
        Some(_) => {
            // Any other escaped character stands for itself (`\"`, `\/`, `\'`),
            // a multi-byte one whole.
            let len = match bytes[at] {
                0xF0..=0xF7 => 4,
                0xE0..=0xEF => 3,
                0xC0..=0xDF => 2,
                _ => 1,
            };
            let end = bytes.len().min(at + len);
            (bytes[at..end].to_vec(), end)
        }
    }
}
