//! The machinery behind the list of services in [`crate::services`]: the macro
//! that turns it into the `ProviderConfig` enum, and what the rest of
//! Switchboard asks of a provider, answered once for every service through its
//! [`Service`] implementation.
//!
//! Adding a service never touches this file: see [`crate::services`].

use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::receipt::ReceiptReader;
use crate::{BuildContext, NeverDelivers, SecretValue, SendError, Sender, Service};

/// Reads one `[providers.NAME]` section (without its `type` key) into a service's
/// settings struct. The configuration layer implements it so that each key is read
/// straight from its source (and `providers.NAME.key` is named in its errors).
pub trait SectionReader {
    /// The reader's error.
    type Error;
    /// Deserializes the section as `T`.
    fn read<T: DeserializeOwned>(self) -> Result<T, Self::Error>;
    /// The error for a `type` that names no service; `known` lists the valid ones.
    fn unknown_type(self, found: &str, known: &[&str]) -> Self::Error;
}

/// Declares the services: one line each, `module => Variant(ConfigType),`.
/// Generates the modules, [`ProviderConfig`] with one variant per service,
/// [`ProviderConfig::TYPES`], reading a section by its `type`, and the one
/// `match` everything else goes through.
macro_rules! services {
    ($( $(#[$attr:meta])* $module:ident => $variant:ident($config:ident), )*) => {
        $( $(#[$attr])* pub mod $module; )*

        /// One configured provider: the settings of the service its `type` names.
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub enum ProviderConfig {
            $(
                #[doc = concat!("The `", stringify!($module), "` service's settings.")]
                $(#[$attr])*
                $variant($module::$config),
            )*
        }

        impl ProviderConfig {
            /// Every `type` value compiled in, in the order the documentation lists them.
            pub const TYPES: &'static [&'static str] =
                &[$( $(#[$attr])* <$module::$config as $crate::Service>::TYPE, )*];

            /// The keys of a `type_name` section (besides `type`), as serde reads
            /// them; `None` for a type that is not compiled in. The documentation
            /// tests check each against the service's `docs.md`.
            pub fn keys(type_name: &str) -> Option<&'static [&'static str]> {
                $(
                    $(#[$attr])*
                    if type_name == <$module::$config as $crate::Service>::TYPE {
                        return Some($crate::registry::struct_fields::<$module::$config>());
                    }
                )*
                None
            }

            /// Reads the section of a provider of `type_name`.
            pub fn read<R: $crate::SectionReader>(
                type_name: &str,
                reader: R,
            ) -> Result<Self, R::Error> {
                $(
                    $(#[$attr])*
                    if type_name == <$module::$config as $crate::Service>::TYPE {
                        return Ok(ProviderConfig::$variant(reader.read()?));
                    }
                )*
                Err(reader.unknown_type(type_name, Self::TYPES))
            }

            fn service(&self) -> &dyn $crate::registry::AnyService {
                match self {
                    $( $(#[$attr])* ProviderConfig::$variant(config) => config, )*
                }
            }

            /// The stand-in of every HTTP service compiled in, by `type`: the
            /// hostile-provider tests run against each.
            #[cfg(feature = "testing")]
            pub fn stand_ins() -> Vec<(&'static str, $crate::testing::StandIn)> {
                let mut all = Vec::new();
                $(
                    $(#[$attr])*
                    if let Some(stand_in) = <$module::$config as $crate::Service>::stand_in() {
                        all.push((<$module::$config as $crate::Service>::TYPE, stand_in));
                    }
                )*
                all
            }

            /// The `type` value.
            pub fn type_name(&self) -> &'static str {
                self.service().type_name()
            }

            /// The secret settings: (key, value).
            pub fn secrets(&self) -> Vec<(&'static str, &$crate::SecretValue)> {
                self.service().secrets()
            }

            /// The secret settings its receipts are verified with.
            pub fn receipt_secrets(&self) -> Vec<(&'static str, &$crate::SecretValue)> {
                self.service().receipt_secrets()
            }

            /// The keys that turn its receipts on (all needed); empty for a
            /// service without per-message receipts.
            pub fn receipt_keys(&self) -> &'static [&'static str] {
                self.service().receipt_keys()
            }

            /// The keys that turn its receipts on and are not set.
            pub fn missing_receipt_keys(&self) -> Vec<&'static str> {
                let settings = serde_json::to_value(self).unwrap_or_default();
                self.receipt_keys()
                    .iter()
                    .copied()
                    .filter(|key| settings[*key].is_null())
                    .collect()
            }

            /// Whether every key that turns its receipts on is set.
            pub fn receipts_configured(&self) -> bool {
                !self.receipt_keys().is_empty() && self.missing_receipt_keys().is_empty()
            }

            /// The reader of this provider's receipts; `None` for a service
            /// without receipts or a section without their settings.
            pub fn receipts(&self, name: &str, context: &$crate::BuildContext<'_>) -> Option<Result<Box<dyn $crate::receipt::ReceiptReader>, $crate::SendError>> {
                self.service().receipts(name, context)
            }

            /// Whether building this provider needs AWS credentials (its service or a secret).
            pub fn needs_aws(&self) -> bool {
                self.service().uses_aws() || self.secrets().iter().any(|(_, value)| value.needs_aws())
            }

            /// Whether messages it delivers reach a person (`false` for the outbox,
            /// which writes files).
            pub fn reaches_people(&self) -> bool {
                self.service().reaches_people()
            }

            /// Why this provider would accept messages without delivering them, judged
            /// on the secrets resolved into `context`.
            pub fn never_delivers(&self, context: &$crate::BuildContext<'_>) -> Option<$crate::NeverDelivers> {
                self.service().never_delivers(context)
            }

            /// Builds the provider named `name`. Errors are configuration errors that
            /// name the key, and carry `name`.
            pub fn build(&self, name: &str, context: &$crate::BuildContext<'_>) -> Result<std::sync::Arc<dyn $crate::Sender>, $crate::SendError> {
                self.service().build(name, context)
            }
        }

        impl serde::Serialize for ProviderConfig {
            /// The section as configured with its `type`; secrets as `SecretValue` shows them.
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut section = serde_json::Map::new();
                section.insert("type".into(), self.type_name().into());
                if let serde_json::Value::Object(fields) = self.service().settings() {
                    section.extend(fields);
                }
                serde::Serialize::serialize(&section, serializer)
            }
        }

        $(
            $(#[$attr])*
            impl From<$module::$config> for ProviderConfig {
                fn from(config: $module::$config) -> Self {
                    ProviderConfig::$variant(config)
                }
            }
        )*
    };
}
pub(crate) use services;

/// [`Service`] as a trait object, so that the one `match` of the generated
/// `ProviderConfig` serves every question.
pub(crate) trait AnyService {
    fn type_name(&self) -> &'static str;
    fn uses_aws(&self) -> bool;
    fn reaches_people(&self) -> bool;
    fn secrets(&self) -> Vec<(&'static str, &SecretValue)>;
    fn never_delivers(&self, context: &BuildContext<'_>) -> Option<NeverDelivers>;
    fn build(&self, name: &str, context: &BuildContext<'_>) -> Result<Arc<dyn Sender>, SendError>;
    fn receipt_secrets(&self) -> Vec<(&'static str, &SecretValue)>;
    fn receipt_keys(&self) -> &'static [&'static str];
    fn receipts(
        &self,
        name: &str,
        context: &BuildContext<'_>,
    ) -> Option<Result<Box<dyn ReceiptReader>, SendError>>;
    fn settings(&self) -> serde_json::Value;
}

impl<S: Service> AnyService for S {
    fn type_name(&self) -> &'static str {
        S::TYPE
    }

    fn uses_aws(&self) -> bool {
        S::USES_AWS
    }

    fn reaches_people(&self) -> bool {
        S::REACHES_PEOPLE
    }

    fn secrets(&self) -> Vec<(&'static str, &SecretValue)> {
        Service::secrets(self)
    }

    fn never_delivers(&self, context: &BuildContext<'_>) -> Option<NeverDelivers> {
        Service::never_delivers(self, context)
    }

    fn build(&self, name: &str, context: &BuildContext<'_>) -> Result<Arc<dyn Sender>, SendError> {
        Ok(Arc::new(Service::provider(self, name, context)?))
    }

    fn receipt_secrets(&self) -> Vec<(&'static str, &SecretValue)> {
        Service::receipt_secrets(self)
    }

    fn receipt_keys(&self) -> &'static [&'static str] {
        S::RECEIPT_KEYS
    }

    fn receipts(
        &self,
        name: &str,
        context: &BuildContext<'_>,
    ) -> Option<Result<Box<dyn ReceiptReader>, SendError>> {
        Service::receipts(self, context).map(|built| built.map_err(|error| error.named(name)))
    }

    fn settings(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// The field names serde reads for `T`: a deserializer that asks for a struct
/// records the names it is given and stops.
pub(crate) fn struct_fields<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Fields(&'static [&'static str]);
    #[derive(Debug)]
    struct Stop;
    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("stop")
        }
    }
    impl std::error::Error for Stop {}
    impl serde::de::Error for Stop {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Stop
        }
    }
    struct Recorder<'a>(&'a mut Fields);
    impl<'de> serde::Deserializer<'de> for Recorder<'_> {
        type Error = Stop;
        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Stop> {
            self.0 .0 = fields;
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
            enum identifier ignored_any
        }
    }
    let mut fields = Fields(&[]);
    let _ = T::deserialize(Recorder(&mut fields));
    fields.0
}
