//! Renders messages from minijinja templates.
//!
//! A template NAME has up to four files: `NAME.subject`, `NAME.html`, `NAME.txt`
//! (email) and `NAME.sms`. The defaults are compiled in. HTML files are
//! auto-escaped, so a `given_name` of `<script>` arrives as text; the others are
//! plain text.

use std::collections::{BTreeMap, HashMap};

use minijinja::{Environment, Value};
use serde::Serialize;
use switchboard_providers::Channel;

macro_rules! embedded_templates {
    ($($file:literal),+ $(,)?) => {
        &[$(($file, include_str!(concat!("../templates/", $file)))),+]
    };
}

/// The templates compiled into the binary: (file name, source).
pub const EMBEDDED: &[(&str, &str)] = embedded_templates![
    "layout.html",
    "macros.html",
    "sign-up.subject",
    "sign-up.html",
    "sign-up.txt",
    "sign-up.sms",
    "resend-code.subject",
    "resend-code.html",
    "resend-code.txt",
    "resend-code.sms",
    "forgot-password.subject",
    "forgot-password.html",
    "forgot-password.txt",
    "forgot-password.sms",
    "update-user-attribute.subject",
    "update-user-attribute.html",
    "update-user-attribute.txt",
    "update-user-attribute.sms",
    "verify-user-attribute.subject",
    "verify-user-attribute.html",
    "verify-user-attribute.txt",
    "verify-user-attribute.sms",
    "authentication.subject",
    "authentication.html",
    "authentication.txt",
    "authentication.sms",
    "admin-create-user.subject",
    "admin-create-user.html",
    "admin-create-user.txt",
    "admin-create-user.sms",
    "account-takeover.subject",
    "account-takeover.html",
    "account-takeover.txt",
    "account-takeover.sms",
    "code.subject",
    "code.html",
    "code.txt",
    "code.sms",
];

/// What templates can use. `code` holds the decrypted secret: never log this.
#[derive(Serialize)]
pub struct TemplateVars<'a> {
    /// The verification code or temporary password (empty when the event has none).
    pub code: &'a str,
    /// The Cognito username.
    pub username: &'a str,
    /// The user's attributes.
    pub user: &'a HashMap<String, String>,
    /// The trigger source name.
    pub trigger_source: &'a str,
    /// The user pool ID.
    pub user_pool_id: &'a str,
    /// The app client ID, if Cognito sent one.
    pub client_id: Option<&'a str>,
    /// Metadata the app passed to Cognito.
    pub client_metadata: &'a HashMap<String, String>,
    /// `[app]` configuration.
    pub app: AppVars<'a>,
}

/// `app.*` in templates.
#[derive(Serialize)]
pub struct AppVars<'a> {
    /// Product name.
    pub name: &'a str,
}

/// A rendered email, without addresses.
pub struct RenderedEmail {
    /// Subject line (one line).
    pub subject: String,
    /// HTML body.
    pub html: String,
    /// Plain-text body.
    pub text: String,
}

/// A template that failed to load or render; names the file and line.
#[derive(Debug, thiserror::Error)]
#[error("template `{file}`: {detail}")]
pub struct RenderError {
    /// The template file.
    pub file: String,
    /// What went wrong (kind, line); never the rendered content.
    pub detail: String,
}

/// The compiled templates. Built once at cold start.
pub struct Renderer {
    env: Environment<'static>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = self
            .env
            .templates()
            .map(|(name, _)| name.to_string())
            .collect();
        f.debug_struct("Renderer")
            .field("templates", &names)
            .finish()
    }
}

fn render_error(file: &str, e: minijinja::Error) -> RenderError {
    let line = e.line().map(|l| format!(" (line {l})")).unwrap_or_default();
    RenderError {
        file: file.to_string(),
        // `Display` without `{:#}` leaves out the debug info, which shows variable values.
        detail: format!("{}{line}", e.kind()).trim().to_string()
            + &e.detail().map(|d| format!(": {d}")).unwrap_or_default(),
    }
}

impl Renderer {
    /// The embedded default templates.
    pub fn embedded() -> Result<Self, RenderError> {
        let mut env = Environment::new();
        env.set_keep_trailing_newline(false);
        for (name, source) in EMBEDDED {
            env.add_template(name, source)
                .map_err(|e| render_error(name, e))?;
        }
        Ok(Renderer { env })
    }

    /// Whether the files for `name` on `channel` exist.
    pub fn has(&self, name: &str, channel: Channel) -> Result<(), RenderError> {
        for file in files(name, channel) {
            self.env
                .get_template(&file)
                .map_err(|e| render_error(&file, e))?;
        }
        Ok(())
    }

    fn render(&self, file: &str, vars: &TemplateVars<'_>) -> Result<String, RenderError> {
        let template = self
            .env
            .get_template(file)
            .map_err(|e| render_error(file, e))?;
        template
            .render(Value::from_serialize(vars))
            .map_err(|e| render_error(file, e))
    }

    /// Renders the email parts of template `name`.
    pub fn email(&self, name: &str, vars: &TemplateVars<'_>) -> Result<RenderedEmail, RenderError> {
        let subject = self.render(&format!("{name}.subject"), vars)?;
        Ok(RenderedEmail {
            subject: one_line(&subject),
            html: self.render(&format!("{name}.html"), vars)?,
            text: self.render(&format!("{name}.txt"), vars)?,
        })
    }

    /// Renders the SMS body of template `name`.
    pub fn sms(&self, name: &str, vars: &TemplateVars<'_>) -> Result<String, RenderError> {
        Ok(self
            .render(&format!("{name}.sms"), vars)?
            .trim()
            .to_string())
    }

    /// Renders `name` for `channel` with sample data, so a broken template fails
    /// start-up instead of the first real event. Returns the sample SMS body, whose
    /// length the caller checks against the route's segment cap.
    pub fn check(
        &self,
        name: &str,
        channel: Channel,
        app: AppVars<'_>,
    ) -> Result<Option<String>, RenderError> {
        let user = BTreeMap::from([
            ("email", "jane@example.com"),
            ("given_name", "Jane"),
            ("locale", "en"),
        ])
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let metadata = HashMap::new();
        let vars = TemplateVars {
            code: "123456",
            username: "jane",
            user: &user,
            trigger_source: "sample",
            user_pool_id: "us-east-1_sample",
            client_id: None,
            client_metadata: &metadata,
            app,
        };
        match channel {
            Channel::Email => self.email(name, &vars).map(|_| None),
            Channel::Sms => self.sms(name, &vars).map(Some),
        }
    }
}

fn files(name: &str, channel: Channel) -> Vec<String> {
    match channel {
        Channel::Email => vec![
            format!("{name}.subject"),
            format!("{name}.html"),
            format!("{name}.txt"),
        ],
        Channel::Sms => vec![format!("{name}.sms")],
    }
}

/// Subjects are one line: folded whitespace, no CR/LF.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(
        code: &'a str,
        user: &'a HashMap<String, String>,
        meta: &'a HashMap<String, String>,
    ) -> TemplateVars<'a> {
        TemplateVars {
            code,
            username: "jane",
            user,
            trigger_source: "CustomEmailSender_SignUp",
            user_pool_id: "us-east-1_x",
            client_id: None,
            client_metadata: meta,
            app: AppVars { name: "Acme" },
        }
    }

    #[test]
    fn html_escapes_attributes_and_code_but_text_keeps_them_exact() {
        let r = Renderer::embedded().unwrap();
        let user = HashMap::from([(
            "given_name".to_string(),
            "<script>alert(1)</script>".to_string(),
        )]);
        let meta = HashMap::new();
        let email = r
            .email("admin-create-user", &vars("P<a&ss>", &user, &meta))
            .unwrap();
        assert!(email.html.contains("&lt;script&gt;"), "{}", email.html);
        assert!(!email.html.contains("<script>"));
        assert!(email.html.contains("P&lt;a&amp;ss&gt;"), "{}", email.html);
        assert!(email.text.contains("    P<a&ss>\n"), "{}", email.text);
    }

    #[test]
    fn subject_is_a_single_line() {
        let r = Renderer::embedded().unwrap();
        let (user, meta) = (HashMap::new(), HashMap::new());
        let email = r.email("sign-up", &vars("1", &user, &meta)).unwrap();
        assert_eq!(email.subject, "Your Acme verification code");
    }

    #[test]
    fn every_embedded_template_checks_for_its_channels() {
        let r = Renderer::embedded().unwrap();
        for name in [
            "sign-up",
            "resend-code",
            "forgot-password",
            "update-user-attribute",
            "verify-user-attribute",
            "authentication",
            "admin-create-user",
            "account-takeover",
            "code",
        ] {
            for channel in [Channel::Email, Channel::Sms] {
                r.check(name, channel, AppVars { name: "Acme" })
                    .unwrap_or_else(|e| panic!("{name}/{channel}: {e}"));
            }
        }
    }

    #[test]
    fn missing_template_is_named() {
        let r = Renderer::embedded().unwrap();
        let err = r.has("nope", Channel::Sms).unwrap_err();
        assert_eq!(err.file, "nope.sms");
    }
}
