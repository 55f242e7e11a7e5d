//! Reads the unauthenticated header of an AWS Encryption SDK message, for
//! diagnostics only: which user pool and which key a code was made for, so a
//! mismatch gets a precise message instead of the SDK's generic failure. The
//! Encryption SDK still verifies everything; nothing here is trusted for security.
//!
//! Layout: <https://docs.aws.amazon.com/encryption-sdk/latest/developer-guide/message-format.html>

use std::collections::BTreeMap;

/// The parts of a message header that explain a decryption failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderSummary {
    /// Message format version (1 or 2).
    pub version: u8,
    /// Algorithm suite ID (Cognito uses 0x0378).
    pub suite_id: u16,
    /// The encryption context stored in the header.
    pub encryption_context: BTreeMap<String, String>,
    /// Encrypted data keys: (provider ID, provider info), e.g. ("aws-kms", key ARN).
    pub data_keys: Vec<(String, String)>,
}

/// Why bytes are not an Encryption SDK message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HeaderError(String);

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], HeaderError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len());
        let end =
            end.ok_or_else(|| HeaderError(format!("message ends inside the {what} (truncated?)")))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u8(&mut self, what: &str) -> Result<u8, HeaderError> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16, HeaderError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn string(&mut self, what: &str) -> Result<String, HeaderError> {
        let len = self.u16(what)? as usize;
        let bytes = self.take(len, what)?;
        Ok(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// Parses the header up to and including the encrypted data keys.
pub fn summarise(message: &[u8]) -> Result<HeaderSummary, HeaderError> {
    let mut r = Reader {
        bytes: message,
        at: 0,
    };
    let version = r.u8("version")?;
    let message_id_len = match version {
        1 => {
            let kind = r.u8("message type")?;
            if kind != 0x80 {
                return Err(HeaderError(format!("unknown message type 0x{kind:02x}")));
            }
            16
        }
        2 => 32,
        other => {
            return Err(HeaderError(format!(
                "first byte is 0x{other:02x}, not an Encryption SDK message version (0x01 or 0x02)"
            )))
        }
    };
    let suite_id = r.u16("algorithm suite")?;
    r.take(message_id_len, "message ID")?;
    let context_len = r.u16("encryption context length")? as usize;
    let mut encryption_context = BTreeMap::new();
    if context_len > 0 {
        let mut ctx = Reader {
            bytes: r.take(context_len, "encryption context")?,
            at: 0,
        };
        let pairs = ctx.u16("encryption context count")?;
        for _ in 0..pairs {
            let key = ctx.string("encryption context key")?;
            let value = ctx.string("encryption context value")?;
            encryption_context.insert(key, value);
        }
    }
    let key_count = r.u16("encrypted data key count")?;
    let mut data_keys = Vec::with_capacity(key_count as usize);
    for _ in 0..key_count {
        let provider = r.string("key provider ID")?;
        let info = r.string("key provider info")?;
        let key_len = r.u16("encrypted data key length")? as usize;
        r.take(key_len, "encrypted data key")?;
        data_keys.push((provider, info));
    }
    Ok(HeaderSummary {
        version,
        suite_id,
        encryption_context,
        data_keys,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v1_header(ctx: &[(&str, &str)], keys: &[(&str, &str)]) -> Vec<u8> {
        let mut out = vec![0x01, 0x80, 0x03, 0x78];
        out.extend([7u8; 16]);
        let mut aad = Vec::new();
        if !ctx.is_empty() {
            aad.extend((ctx.len() as u16).to_be_bytes());
            for (k, v) in ctx {
                for s in [k, v] {
                    aad.extend((s.len() as u16).to_be_bytes());
                    aad.extend(s.as_bytes());
                }
            }
        }
        out.extend((aad.len() as u16).to_be_bytes());
        out.extend(aad);
        out.extend((keys.len() as u16).to_be_bytes());
        for (p, i) in keys {
            for s in [p, i] {
                out.extend((s.len() as u16).to_be_bytes());
                out.extend(s.as_bytes());
            }
            out.extend(3u16.to_be_bytes());
            out.extend([1, 2, 3]);
        }
        out
    }

    #[test]
    fn reads_context_and_keys_of_a_v1_header() {
        let bytes = v1_header(
            &[("userpool-id", "us-east-1_A")],
            &[("aws-kms", "arn:aws:kms:us-east-1:1:key/k")],
        );
        let h = summarise(&bytes).unwrap();
        assert_eq!(h.version, 1);
        assert_eq!(h.suite_id, 0x0378);
        assert_eq!(h.encryption_context["userpool-id"], "us-east-1_A");
        assert_eq!(
            h.data_keys,
            vec![("aws-kms".into(), "arn:aws:kms:us-east-1:1:key/k".into())]
        );
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let bytes = v1_header(&[("a", "b")], &[("aws-kms", "arn")]);
        for len in 0..bytes.len() {
            assert!(summarise(&bytes[..len]).is_err(), "prefix of {len} bytes");
        }
    }

    #[test]
    fn a_raw_kms_ciphertext_is_not_mistaken_for_a_message() {
        // KMS ciphertext blobs start with 0x01 0x02 0x02 0x00.
        let err = summarise(&[0x01, 0x02, 0x02, 0x00, 0x78]).unwrap_err();
        assert!(err.to_string().contains("message type"), "{err}");
    }
}
