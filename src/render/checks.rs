//! The start-up check of every template: each is rendered in every locale it
//! has, with sample data, so a broken template fails start-up instead of the
//! first real event.

use std::collections::HashMap;

use switchboard_providers::Channel;

use super::error::RenderError;
use super::renderer::{AppVars, Renderer, TemplateVars};
use super::templates;

impl Renderer {
    /// Renders `name` for `channel` in every locale it has, with sample data.
    /// Returns the sample SMS bodies, whose length the caller checks against the
    /// route's segment cap. It renders in environments of its own, dropped as it
    /// goes: the templates it compiles are not kept for the events.
    pub fn check(
        &self,
        name: &str,
        channel: Channel,
        app: AppVars<'_>,
    ) -> Result<Vec<String>, RenderError> {
        let user = [
            ("email", "jane@example.com"),
            ("given_name", "Jane"),
            ("phone_number", "+12025550123"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let metadata = HashMap::new();
        let vars = TemplateVars {
            code: "123456",
            username: "jane.doe",
            link_parameter: "{##Click Here##}",
            user: &user,
            trigger_source: "sample",
            user_pool_id: "us-east-1_sample",
            client_id: None,
            client_metadata: &metadata,
            app,
        };
        let mut sms = Vec::new();
        for locale in self.locales_of(name, channel) {
            // One locale's files at a time, dropped after: start-up never holds
            // more than one set compiled.
            let scratch = Renderer {
                env: templates::environment(&self.sources),
                sources: self.sources.clone(),
                default_locale: self.default_locale.clone(),
            };
            match channel {
                Channel::Email => {
                    scratch.email(name, locale.as_deref(), &vars)?;
                }
                Channel::Sms => sms.push(scratch.sms(name, locale.as_deref(), &vars)?),
            }
        }
        Ok(sms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::renderer::tests::{vars, APP};
    use crate::render::EMBEDDED_LOCALES;

    const EMBEDDED_NAMES: [&str; 9] = [
        "sign-up",
        "resend-code",
        "forgot-password",
        "update-user-attribute",
        "verify-user-attribute",
        "authentication",
        "admin-create-user",
        "account-takeover",
        "code",
    ];

    #[test]
    fn every_embedded_template_checks_in_every_locale() {
        let r = Renderer::embedded().unwrap();
        for name in EMBEDDED_NAMES {
            for channel in [Channel::Email, Channel::Sms] {
                let covered = r.locales_of(name, channel);
                for locale in EMBEDDED_LOCALES {
                    assert!(
                        covered.contains(&Some(locale.to_string())),
                        "{name} ({channel}) has no `{locale}` files"
                    );
                }
                r.check(name, channel, APP)
                    .unwrap_or_else(|e| panic!("{name}/{channel}: {e}"));
            }
        }
    }

    #[test]
    fn every_embedded_sms_is_one_segment_in_every_locale() {
        let r = Renderer::embedded().unwrap();
        let app = AppVars {
            name: "Switchboard Demo",
            ..APP
        };
        for name in EMBEDDED_NAMES {
            for body in r.check(name, Channel::Sms, app).unwrap() {
                let count = crate::sms::segments::count(&body);
                assert_eq!(count.segments, 1, "{name}: {body} ({count:?})");
            }
        }
    }

    #[test]
    fn every_locale_escapes_the_users_attributes_in_html() {
        let r = Renderer::embedded().unwrap();
        let user = HashMap::from([
            ("given_name".to_string(), "<script>x</script>".to_string()),
            ("CITY".to_string(), "<img src=x>".to_string()),
        ]);
        let meta = HashMap::new();
        let v = vars("1", &user, &meta);
        for name in EMBEDDED_NAMES {
            for locale in EMBEDDED_LOCALES {
                let html = r.email(name, Some(locale), &v).unwrap().html;
                assert!(
                    !html.contains("<script>") && !html.contains("<img"),
                    "{name}.{locale}: {html}"
                );
                assert!(
                    html.contains(&format!("lang=\"{locale}\"")),
                    "{name}.{locale}"
                );
            }
        }
    }
}
