//! What a configuration implies beyond its keys: the tables the limits count
//! in, the providers some chain names, and the settings still written in an
//! older form.

use std::collections::BTreeSet;

use super::Config;
use crate::sms::countries::{legacy_codes, CountryEntry, LegacyCallingCode};

impl Config {
    /// The table the SMS limits count in: `sms.limits.table`, else `idempotency.table`.
    pub fn sms_limits_table(&self) -> Option<&str> {
        self.sms
            .limits
            .table
            .as_deref()
            .or(self.idempotency.table.as_deref())
    }

    /// The table the email limits count in: `email.limits.table`, else `idempotency.table`.
    pub fn email_limits_table(&self) -> Option<&str> {
        self.email
            .limits
            .table
            .as_deref()
            .or(self.idempotency.table.as_deref())
    }

    /// The providers some chain names: `[email]`'s, `[sms]`'s and the routes'.
    pub fn chained_providers(&self) -> BTreeSet<String> {
        self.email
            .providers
            .iter()
            .chain(&self.sms.providers)
            .chain(
                self.routes
                    .values()
                    .filter_map(|route| route.providers.as_ref())
                    .flatten(),
            )
            .cloned()
            .collect()
    }

    /// Every calling code still written where a region belongs: in the SMS
    /// country lists (the channel's and each route's) and the `per_country`
    /// limits' keys. Each keeps its old meaning for now (start-up warns);
    /// `check-config` fails until it is rewritten as regions.
    pub fn legacy_calling_codes(&self) -> Vec<LegacyCallingCode> {
        let sms = &self.sms;
        let mut found = legacy_codes("sms.allowed_countries", &sms.allowed_countries);
        found.extend(legacy_codes("sms.denied_countries", &sms.denied_countries));
        for (source, route) in &self.routes {
            for (key, list) in [
                ("allowed_countries", &route.allowed_countries),
                ("denied_countries", &route.denied_countries),
            ] {
                if let Some(list) = list {
                    found.extend(legacy_codes(&format!("routes.{source}.{key}"), list));
                }
            }
        }
        for key in sms.limits.per_country.keys() {
            if let Ok(CountryEntry::CallingCode(code)) = key.parse::<CountryEntry>() {
                found.push(LegacyCallingCode {
                    setting: format!("sms.limits.per_country.{key}"),
                    code,
                });
            }
        }
        found
    }
}
