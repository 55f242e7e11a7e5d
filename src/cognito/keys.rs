//! Which keys may decrypt which pool's codes: key rotation (`[new, old]`), one
//! key per pool, and the allow-list of pools.
//!
//! Each pool's keys make one keyring — a strict KMS keyring per key (MRK-aware
//! for multi-Region keys), joined by a multi-keyring when there are several — so
//! a code decrypts only under a key configured for the event's own pool.

use std::collections::HashMap;
use std::fmt;

use aws_esdk::material_providers::types::keyring::KeyringRef;

use super::esdk_header::HeaderSummary;
use super::key_arn::KeyArn;

/// Key namespace of the insecure development keyring.
pub const DEV_KEY_NAMESPACE: &str = "switchboard-dev";

/// Why the keys configured for an event's pool refuse its code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyRefusal {
    /// The code was encrypted under another key than the configured ones.
    #[error("the code was encrypted under {found}, but {setting} allows only {expected}; set it to the KMSKeyID of the user pool's LambdaConfig (during a key rotation, list both keys in decrypt.key_arns)")]
    WrongKey {
        /// What the message names.
        found: String,
        /// The setting the expected keys come from.
        setting: String,
        /// What we are configured with.
        expected: String,
    },
    /// The event's pool is not in `decrypt.user_pools`.
    #[error("events from user pool `{pool}` are refused: decrypt.user_pools allows only {allowed}; add the pool there if this function should serve it (nothing was decrypted)")]
    PoolNotAllowed {
        /// The event's pool.
        pool: String,
        /// The allowed pools.
        allowed: String,
    },
    /// No key is configured for the event's pool.
    #[error("no key is configured for user pool `{pool}`: decrypt.pools has keys for [{configured}] only; add [decrypt.pools.\"{pool}\"] key_arn, or set decrypt.key_arn for every other pool")]
    NoKeyForPool {
        /// The event's pool.
        pool: String,
        /// The pools with keys (as compared: lower case, `_` for `-`).
        configured: String,
    },
}

/// The keys one pool's codes may be encrypted under, and their keyring.
#[derive(Clone)]
pub struct KeySet {
    keyring: KeyringRef,
    expected: Expected,
    /// The setting the keys come from, for messages (`decrypt.key_arn`, …).
    setting: String,
}

#[derive(Debug, Clone)]
enum Expected {
    Kms(Vec<KeyArn>),
    DevKey,
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySet")
            .field("setting", &self.setting)
            .field("keys", &self.expected)
            .finish_non_exhaustive()
    }
}

impl KeySet {
    /// KMS keys (already joined into `keyring`), configured by `setting`.
    pub fn kms(setting: impl Into<String>, keys: Vec<KeyArn>, keyring: KeyringRef) -> Self {
        KeySet {
            keyring,
            expected: Expected::Kms(keys),
            setting: setting.into(),
        }
    }

    /// The insecure development key.
    pub fn dev_key(keyring: KeyringRef) -> Self {
        KeySet {
            keyring,
            expected: Expected::DevKey,
            setting: "decrypt.mode".into(),
        }
    }

    /// The keyring to decrypt with.
    pub fn keyring(&self) -> KeyringRef {
        self.keyring.clone()
    }

    /// Compares the unauthenticated header's data key with these keys, to turn
    /// the SDK's generic failure into a precise one. The SDK still checks everything.
    pub fn explain_mismatch(&self, header: &HeaderSummary) -> Result<(), KeyRefusal> {
        let matches = header
            .data_keys
            .iter()
            .any(|(provider, info)| match &self.expected {
                Expected::Kms(keys) => {
                    provider == "aws-kms" && keys.iter().any(|k| k.names_same_key(info))
                }
                Expected::DevKey => provider == DEV_KEY_NAMESPACE,
            });
        if matches {
            return Ok(());
        }
        let found = header
            .data_keys
            .iter()
            .map(|(provider, info)| match provider.as_str() {
                "aws-kms" => format!("KMS key `{info}`"),
                DEV_KEY_NAMESPACE => "the insecure development key".to_string(),
                other => format!("a `{other}` key"),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let expected = match &self.expected {
            Expected::Kms(keys) => keys
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", "),
            Expected::DevKey => "the insecure development key".to_string(),
        };
        Err(KeyRefusal::WrongKey {
            found: if found.is_empty() {
                "no key at all".to_string()
            } else {
                found
            },
            setting: self.setting.clone(),
            expected,
        })
    }
}

/// The key sets by pool, and which pools are served at all. `K` is a [`KeySet`]
/// for decrypting; `switchboard check-config --user-pool` asks the same question
/// of the configured ARNs alone.
#[derive(Debug, Clone)]
pub struct PoolKeys<K = KeySet> {
    default: Option<K>,
    per_pool: HashMap<String, K>,
    allowed: Vec<String>,
}

impl<K> PoolKeys<K> {
    /// Every pool's codes decrypt under `keys`.
    pub fn any_pool(keys: K) -> Self {
        PoolKeys {
            default: Some(keys),
            per_pool: HashMap::new(),
            allowed: Vec::new(),
        }
    }

    /// Key sets by pool ID (`default` for pools without their own), and the only
    /// pools served (`allowed`; empty: any).
    pub fn new(
        default: Option<K>,
        per_pool: impl IntoIterator<Item = (String, K)>,
        allowed: Vec<String>,
    ) -> Self {
        PoolKeys {
            default,
            per_pool: per_pool
                .into_iter()
                .map(|(pool, keys)| (pool_key(&pool), keys))
                .collect(),
            allowed,
        }
    }

    /// The keys for an event of `pool`, or why its codes are not decrypted here.
    pub fn for_pool(&self, pool: &str) -> Result<&K, KeyRefusal> {
        if !self.allowed.is_empty() && !self.allowed.iter().any(|a| pool_key(a) == pool_key(pool)) {
            return Err(KeyRefusal::PoolNotAllowed {
                pool: pool.to_string(),
                allowed: self.allowed.join(", "),
            });
        }
        self.per_pool
            .get(&pool_key(pool))
            .or(self.default.as_ref())
            .ok_or_else(|| KeyRefusal::NoKeyForPool {
                pool: pool.to_string(),
                configured: {
                    let mut pools: Vec<_> = self.per_pool.keys().cloned().collect();
                    pools.sort();
                    pools.join(", ")
                },
            })
    }
}

/// How pool IDs are compared: environment variable names cannot carry `-` and
/// are read in lower case, so `SWITCHBOARD_DECRYPT__POOLS__US_EAST_1_ABC__KEY_ARN`
/// must name the pool `us-east-1_AbC`.
pub fn pool_key(pool: &str) -> String {
    pool.trim().to_ascii_lowercase().replace('-', "_")
}

/// Whether `value` looks like a user pool ID (`<region>_<id>`).
pub fn is_user_pool_id(value: &str) -> bool {
    let Some((region, id)) = value.split_once('_') else {
        return false;
    };
    !region.is_empty()
        && !id.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && id.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_ids_match_as_environment_variables_spell_them() {
        assert_eq!(pool_key("us-east-1_AbC123"), pool_key("US_EAST_1_ABC123"));
        assert_ne!(pool_key("us-east-1_AbC123"), pool_key("us-east-1_AbC124"));
    }

    #[test]
    fn user_pool_ids_are_region_underscore_id() {
        assert!(is_user_pool_id("us-east-1_AbC123"));
        assert!(is_user_pool_id("eu-central-1_x9"));
        for bad in [
            "",
            "us-east-1",
            "_abc",
            "us-east-1_",
            "us east-1_abc",
            "a_b-c",
        ] {
            assert!(!is_user_pool_id(bad), "{bad}");
        }
    }
}
