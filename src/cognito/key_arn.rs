//! A KMS key ARN, validated: the strict KMS keyring cannot decrypt with a bare key
//! ID or an alias, and users often paste one of those.

use std::fmt;
use std::str::FromStr;

/// A full KMS key ARN: `arn:<partition>:kms:<region>:<account>:key/<id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyArn {
    arn: String,
    region_start: usize,
    region_end: usize,
}

/// Why a value is not a usable key ARN; the message says what to put instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is {problem}; decrypt.key_arn needs the full key ARN, e.g. `arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab` (the KMSKeyID of the user pool's LambdaConfig)")]
pub struct KeyArnError {
    value: String,
    problem: &'static str,
}

impl KeyArn {
    /// The ARN as text.
    pub fn as_str(&self) -> &str {
        &self.arn
    }

    /// The key's region.
    pub fn region(&self) -> &str {
        &self.arn[self.region_start..self.region_end]
    }

    /// Whether this is a multi-Region key (`key/mrk-…`), whose replicas in other
    /// Regions share its key material and decrypt each other's codes.
    pub fn is_multi_region(&self) -> bool {
        self.resource().starts_with("key/mrk-")
    }

    /// Whether a data key wrapped under `arn` (as an Encryption SDK header names
    /// it) is this key: the same ARN, or for a multi-Region key any replica of it.
    pub fn names_same_key(&self, arn: &str) -> bool {
        if arn == self.arn {
            return true;
        }
        let Ok(other) = arn.parse::<KeyArn>() else {
            return false;
        };
        self.is_multi_region()
            && other.is_multi_region()
            && self.partition() == other.partition()
            && self.account() == other.account()
            && self.resource() == other.resource()
    }

    fn partition(&self) -> &str {
        &self.arn["arn:".len()..self.region_start - ":kms:".len()]
    }

    fn account(&self) -> &str {
        let rest = &self.arn[self.region_end + 1..];
        rest.split(':').next().unwrap_or_default()
    }

    fn resource(&self) -> &str {
        let rest = &self.arn[self.region_end + 1..];
        rest.split_once(':').map(|(_, r)| r).unwrap_or_default()
    }
}

impl FromStr for KeyArn {
    type Err = KeyArnError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let fail = |problem| {
            Err(KeyArnError {
                value: value.to_string(),
                problem,
            })
        };
        let value = value.trim();
        if value.is_empty() {
            return fail("empty");
        }
        if !value.starts_with("arn:") {
            if value.starts_with("alias/") {
                return fail("a key alias");
            }
            return fail("a bare key ID, not an ARN");
        }
        let parts: Vec<&str> = value.splitn(6, ':').collect();
        if parts.len() != 6 || parts[2] != "kms" {
            return fail("not a KMS ARN");
        }
        let (partition, region, account, resource) = (parts[1], parts[3], parts[4], parts[5]);
        if partition.is_empty() || region.is_empty() {
            return fail("missing its partition or region");
        }
        if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
            return fail("missing a 12-digit account ID");
        }
        if resource.starts_with("alias/") {
            return fail("an alias ARN (the keyring needs the key itself)");
        }
        match resource.strip_prefix("key/") {
            Some(id) if !id.is_empty() => {}
            _ => return fail("not a key ARN (`…:key/<key-id>`)"),
        }
        let region_start = "arn:".len() + partition.len() + ":kms:".len();
        Ok(KeyArn {
            arn: value.to_string(),
            region_start,
            region_end: region_start + region.len(),
        })
    }
}

impl fmt::Display for KeyArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_key_arns_in_any_partition() {
        let arn: KeyArn = "arn:aws:kms:eu-west-1:111122223333:key/abc-123"
            .parse()
            .unwrap();
        assert_eq!(arn.region(), "eu-west-1");
        let arn: KeyArn = "arn:aws-cn:kms:cn-north-1:111122223333:key/abc"
            .parse()
            .unwrap();
        assert_eq!(arn.region(), "cn-north-1");
    }

    #[test]
    fn a_multi_region_key_is_the_same_key_in_every_region() {
        let here: KeyArn = "arn:aws:kms:eu-west-1:111122223333:key/mrk-1234"
            .parse()
            .unwrap();
        assert!(here.is_multi_region());
        assert!(here.names_same_key("arn:aws:kms:us-east-1:111122223333:key/mrk-1234"));
        assert!(!here.names_same_key("arn:aws:kms:us-east-1:111122223333:key/mrk-9999"));
        assert!(!here.names_same_key("arn:aws:kms:us-east-1:444455556666:key/mrk-1234"));
        let single: KeyArn = "arn:aws:kms:eu-west-1:111122223333:key/abc"
            .parse()
            .unwrap();
        assert!(!single.is_multi_region());
        assert!(single.names_same_key("arn:aws:kms:eu-west-1:111122223333:key/abc"));
        assert!(!single.names_same_key("arn:aws:kms:us-east-1:111122223333:key/abc"));
    }

    #[test]
    fn rejects_key_ids_aliases_and_other_arns_with_a_fix() {
        for (value, problem) in [
            ("1234abcd-12ab-34cd-56ef-1234567890ab", "bare key ID"),
            ("alias/cognito", "key alias"),
            (
                "arn:aws:kms:us-east-1:111122223333:alias/cognito",
                "alias ARN",
            ),
            ("arn:aws:s3:us-east-1:111122223333:key/x", "not a KMS ARN"),
            ("arn:aws:kms:us-east-1:1111:key/x", "12-digit"),
            ("", "empty"),
        ] {
            let err = value.parse::<KeyArn>().unwrap_err().to_string();
            assert!(err.contains(problem), "{value}: {err}");
            assert!(err.contains("full key ARN"), "{err}");
        }
    }
}
