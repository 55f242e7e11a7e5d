//! Reading configuration values as people write them: `""` for none, lists as
//! `a,b` or `[a, b]`, environment variables exactly as written, and provider
//! sections read straight into their backend's settings.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;

use figment::providers::Env;
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use serde::de::{self, DeserializeOwned, IgnoredAny, IntoDeserializer, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use switchboard_providers::SectionReader;

use crate::cognito::event::TriggerSource;

const ENV_PREFIX: &str = "SWITCHBOARD_";
/// The name figment errors give the environment layer.
pub(super) const ENV_LAYER: &str = "environment variable";

/// `SWITCHBOARD_*` variables as a figment layer, each value as written.
///
/// figment's own `Env` parses values, so `+15005550006` would arrive as the number
/// 15005550006 and `007` as 7 — phone numbers, sender IDs and account IDs lose
/// characters. Here only `[..]` and `{..}` are parsed (lists and tables); every
/// other value stays text, and numbers and booleans are read from their text where
/// the schema asks for one (`Figment::extract_lossy`).
pub(super) struct EnvLayer(Env);

impl EnvLayer {
    pub(super) fn new() -> Self {
        EnvLayer(
            Env::prefixed(ENV_PREFIX)
                // `SWITCHBOARD_FUNCTION` is the deployment's, not configuration.
                .ignore(&["config", "log", "function"])
                .split("__")
                .map(|key| canonical_env_key(key.as_str()).into())
                // Last: every `map`/`filter` resets this flag to true.
                .lowercase(false),
        )
    }
}

impl Provider for EnvLayer {
    fn metadata(&self) -> Metadata {
        Metadata::named(ENV_LAYER).interpolater(|_: &Profile, keys: &[&str]| {
            let keys: Vec<String> = keys.iter().map(|k| k.to_ascii_uppercase()).collect();
            format!("{ENV_PREFIX}{}", keys.join("__"))
        })
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut root = Dict::new();
        for (key, text) in self.0.iter() {
            insert(&mut root, key.as_str(), as_written(&text));
        }
        Ok(Profile::Default.collect(root))
    }
}

/// A layer under another name in errors ("SSM parameter /switchboard/config").
pub(super) struct Named<P> {
    inner: P,
    name: String,
}

impl<P> Named<P> {
    pub(super) fn new(inner: P, name: String) -> Self {
        Named { inner, name }
    }
}

impl<P: Provider> Provider for Named<P> {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name.clone())
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        self.inner.data()
    }
}

/// `[..]` and `{..}` become lists and tables; anything else stays exactly as written.
fn as_written(text: &str) -> Value {
    let trimmed = text.trim();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        let parsed: Value = trimmed.parse().unwrap_or_else(|never| match never {});
        if matches!(parsed, Value::Array(..) | Value::Dict(..)) {
            return parsed;
        }
    }
    Value::from(text.to_string())
}

/// Inserts `value` at the dotted `key`, creating tables on the way.
fn insert(dict: &mut Dict, key: &str, value: Value) {
    match key.split_once('.') {
        None => {
            dict.insert(key.to_string(), value);
        }
        Some((head, rest)) => {
            let child = dict
                .entry(head.to_string())
                .or_insert_with(|| Value::from(Dict::new()));
            if !matches!(child, Value::Dict(..)) {
                *child = Value::from(Dict::new());
            }
            if let Value::Dict(_, child) = child {
                insert(child, rest, value);
            }
        }
    }
}

/// Environment variables are upper-case by convention; keys are lower-case, except
/// trigger source names under `routes`, which get their canonical spelling so that
/// `SWITCHBOARD_ROUTES__CUSTOMEMAILSENDER_SIGNUP__TEMPLATE` overrides the same route
/// as `[routes.CustomEmailSender_SignUp]` in a file.
fn canonical_env_key(key: &str) -> String {
    let mut parts: Vec<String> = key.split('.').map(str::to_ascii_lowercase).collect();
    if parts.len() >= 2 && parts[0] == "routes" {
        let source = TriggerSource::parse_ignore_case(&parts[1]);
        if !matches!(source, TriggerSource::Unknown(_)) {
            parts[1] = source.to_string();
        }
    }
    parts.join(".")
}

/// The first pass over `[providers.NAME]`: only its `type`.
#[derive(Deserialize)]
pub(super) struct ProviderType {
    #[serde(rename = "type")]
    pub kind: String,
}

/// The first pass skips provider sections; [`super::Config::from_figment`] reads them.
pub(super) fn read_in_second_pass<'de, D, T>(
    deserializer: D,
) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
{
    BTreeMap::<String, IgnoredAny>::deserialize(deserializer)?;
    Ok(BTreeMap::new())
}

/// The second pass: one provider section, without its `type` key, read by figment
/// itself (so errors keep the key's full name and source).
pub(super) struct ProviderSection<'a> {
    figment: &'a Figment,
    key: String,
}

impl<'a> ProviderSection<'a> {
    pub(super) fn new(figment: &'a Figment, name: &str) -> Self {
        ProviderSection {
            figment,
            key: format!("providers.{name}"),
        }
    }
}

impl SectionReader for ProviderSection<'_> {
    type Error = figment::Error;

    fn read<T: DeserializeOwned>(self) -> Result<T, figment::Error> {
        // figment appends the section's path after the key's (`timeout_ms.providers.x`).
        let section: Vec<String> = self.key.split('.').map(str::to_string).collect();
        self.figment
            .extract_inner_lossy::<WithoutType<T>>(&self.key)
            .map(|section| section.0)
            .map_err(|error| {
                let mut fixed = error.into_iter().map(|mut e| {
                    if e.path.ends_with(&section) {
                        e.path.truncate(e.path.len() - section.len());
                        e.path.splice(0..0, section.iter().cloned());
                    }
                    e
                });
                let first = fixed.next().expect("an error holds at least itself");
                fixed.fold(first, figment::Error::chain)
            })
    }

    fn unknown_type(self, found: &str, known: &[&str]) -> figment::Error {
        figment::Error::from(format!(
            "unknown provider type `{found}`; expected one of: {}",
            known.join(", ")
        ))
        .with_path(&format!("{}.type", self.key))
    }
}

/// `T` read from a map with its `type` entry left out, so that `T` may deny
/// unknown fields. Unlike serde's internally tagged enums this buffers nothing:
/// every value is read straight from figment.
struct WithoutType<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for WithoutType<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(SkipType(deserializer)).map(WithoutType)
    }
}

struct SkipType<D>(D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for SkipType<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(SkipTypeVisitor(visitor))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
        struct enum identifier ignored_any
    }
}

struct SkipTypeVisitor<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for SkipTypeVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(SkipTypeMap(map))
    }
}

struct SkipTypeMap<A>(A);

impl<'de, A: MapAccess<'de>> MapAccess<'de> for SkipTypeMap<A> {
    type Error = A::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            match self.0.next_key::<String>()? {
                None => return Ok(None),
                Some(key) if key == "type" => {
                    self.0.next_value::<IgnoredAny>()?;
                }
                Some(key) => return seed.deserialize(key.into_deserializer()).map(Some),
            }
        }
    }

    fn next_value_seed<S: de::DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, A::Error> {
        self.0.next_value_seed(seed)
    }
}

/// `""` (or only spaces) means "not set".
pub(super) fn empty_as_none<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    let value = Option::<String>::deserialize(deserializer)?;
    Ok(value.filter(|v| !v.trim().is_empty()))
}

/// As [`empty_as_none`], for a secret setting.
pub(super) fn empty_secret_as_none<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<switchboard_providers::SecretValue>, D::Error> {
    Ok(empty_as_none(deserializer)?.map(switchboard_providers::SecretValue::new))
}

/// As [`empty_as_none`], for paths.
pub(super) fn empty_path_as_none<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<PathBuf>, D::Error> {
    Ok(empty_as_none(deserializer)?.map(PathBuf::from))
}

/// A list as an array, or as text `a,b` (an environment variable).
pub(super) fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + std::str::FromStr,
    T::Err: fmt::Display,
{
    deserializer.deserialize_any(ListVisitor(PhantomData))
}

/// As [`list`], optional.
pub(super) fn optional_list<'de, D, T>(deserializer: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + std::str::FromStr,
    T::Err: fmt::Display,
{
    struct Optional<T>(Vec<T>);
    impl<'de, T> Deserialize<'de> for Optional<T>
    where
        T: Deserialize<'de> + std::str::FromStr,
        T::Err: fmt::Display,
    {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            list(deserializer).map(Optional)
        }
    }
    Ok(Option::<Optional<T>>::deserialize(deserializer)?.map(|o| o.0))
}

struct ListVisitor<T>(PhantomData<T>);

impl<'de, T> Visitor<'de> for ListVisitor<T>
where
    T: Deserialize<'de> + std::str::FromStr,
    T::Err: fmt::Display,
{
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list, as an array or as comma-separated text")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(items)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Vec<T>, E> {
        text.split(',')
            .map(|item| item.trim().trim_matches('"'))
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse()
                    .map_err(|e| E::custom(format!("list item `{item}`: {e}")))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_keys_get_canonical_route_names() {
        assert_eq!(
            canonical_env_key("ROUTES.CUSTOMEMAILSENDER_FORGOTPASSWORD.PROVIDERS"),
            "routes.CustomEmailSender_ForgotPassword.providers"
        );
        assert_eq!(canonical_env_key("EMAIL.PROVIDERS"), "email.providers");
        assert_eq!(
            canonical_env_key("ROUTES.CUSTOMSMSSENDER_NEWTHING.TEMPLATE"),
            "routes.customsmssender_newthing.template"
        );
    }

    #[test]
    fn values_stay_as_written_except_lists_and_tables() {
        assert_eq!(
            as_written("+15005550006"),
            Value::from("+15005550006".to_string())
        );
        assert_eq!(as_written("007"), Value::from("007".to_string()));
        assert_eq!(as_written("true"), Value::from("true".to_string()));
        assert!(matches!(as_written("[a, b]"), Value::Array(..)));
        assert!(matches!(
            as_written("{sendgrid = \"d-1\"}"),
            Value::Dict(..)
        ));
    }
}
