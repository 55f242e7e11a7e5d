//! The compiled templates and the rendering of one message: the email parts or
//! the SMS body of a template in a user's locale, with the variables a
//! template can use.

use std::collections::HashMap;
use std::path::Path;

use minijinja::{Environment, Value};
use serde::Serialize;

use super::direction::text_direction;
use super::error::{render_error, RenderError};
use super::tags::normalise_locale;
use super::templates;

/// What templates can use. `code` holds the decrypted secret: never log this.
#[derive(Serialize)]
pub struct TemplateVars<'a> {
    /// The verification code or temporary password (empty when the event has none).
    pub code: &'a str,
    /// The Cognito username.
    pub username: &'a str,
    /// Where a CustomMessage mail puts the confirmation link (Cognito's
    /// `request.linkParameter`) when the pool confirms by link; "" otherwise.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub link_parameter: &'a str,
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
    /// `[app]` configuration, with per-client overrides applied.
    pub app: AppVars<'a>,
}

/// `app.*` in templates.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct AppVars<'a> {
    /// Product name.
    pub name: &'a str,
    /// Product URL ("" when not configured).
    pub url: &'a str,
    /// Support URL ("" when not configured).
    pub support_url: &'a str,
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

/// The compiled templates. Built once at cold start.
pub struct Renderer {
    pub(super) env: Environment<'static>,
    pub(super) sources: templates::Sources,
    pub(super) default_locale: Option<String>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("templates", &self.sources.len())
            .field("default_locale", &self.default_locale)
            .finish()
    }
}

impl Renderer {
    /// The embedded templates, overridden and extended by the files in `dir`.
    pub fn new(dir: Option<&Path>, default_locale: Option<&str>) -> Result<Self, RenderError> {
        let sources = templates::load(dir)?;
        Ok(Renderer {
            env: templates::environment(&sources),
            sources,
            default_locale: default_locale.and_then(normalise_locale),
        })
    }

    /// The embedded default templates only.
    pub fn embedded() -> Result<Self, RenderError> {
        Self::new(None, None)
    }

    fn render(
        &self,
        name: &str,
        ext: &str,
        locale: Option<&str>,
        vars: &TemplateVars<'_>,
    ) -> Result<String, RenderError> {
        let (file, resolved) = self.resolve(name, ext, locale);
        let template = self
            .env
            .get_template(&file)
            .map_err(|e| render_error(&file, &e))?;
        let locale = resolved
            .as_deref()
            .or(self.default_locale.as_deref())
            .unwrap_or("en");
        let context = minijinja::context! {
            ..Value::from_serialize(vars),
            ..minijinja::context! { locale => locale, dir => text_direction(locale) }
        };
        template
            .render(context)
            .map_err(|e| render_error(&file, &e))
    }

    /// Renders the email parts of template `name` in `locale` (or the fallback).
    pub fn email(
        &self,
        name: &str,
        locale: Option<&str>,
        vars: &TemplateVars<'_>,
    ) -> Result<RenderedEmail, RenderError> {
        let subject = self.render(name, "subject", locale, vars)?;
        Ok(RenderedEmail {
            subject: one_line(&subject),
            html: self.render(name, "html", locale, vars)?,
            text: self.render(name, "txt", locale, vars)?,
        })
    }

    /// Renders the SMS body of template `name` in `locale` (or the fallback).
    pub fn sms(
        &self,
        name: &str,
        locale: Option<&str>,
        vars: &TemplateVars<'_>,
    ) -> Result<String, RenderError> {
        Ok(self.render(name, "sms", locale, vars)?.trim().to_string())
    }
}

/// Subjects are one line: folded whitespace, no CR/LF.
fn one_line(text: &str) -> String {
    switchboard_providers::text::one_line(text, usize::MAX)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The branding the render tests use.
    pub(in crate::render) const APP: AppVars<'static> = AppVars {
        name: "Acme",
        url: "",
        support_url: "",
    };

    /// The variables of a sign-up message for `jane` with `code`.
    pub(in crate::render) fn vars<'a>(
        code: &'a str,
        user: &'a HashMap<String, String>,
        meta: &'a HashMap<String, String>,
    ) -> TemplateVars<'a> {
        TemplateVars {
            code,
            username: "jane",
            link_parameter: "",
            user,
            trigger_source: "CustomEmailSender_SignUp",
            user_pool_id: "us-east-1_x",
            client_id: None,
            client_metadata: meta,
            app: APP,
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
            .email("admin-create-user", None, &vars("P<a&ss>", &user, &meta))
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
        let email = r.email("sign-up", None, &vars("1", &user, &meta)).unwrap();
        assert_eq!(email.subject, "Your Acme verification code");
    }

    #[test]
    fn locales_fall_back_from_region_to_language_to_default_to_base() {
        let r = Renderer::new(None, Some("de")).unwrap();
        let (user, meta) = (HashMap::new(), HashMap::new());
        let v = vars("1", &user, &meta);
        let subject = |locale| r.email("sign-up", locale, &v).unwrap().subject;
        assert_eq!(subject(Some("de-AT")), "Ihr Acme-Bestätigungscode");
        assert_eq!(subject(Some("sv")), "Ihr Acme-Bestätigungscode", "default");
        assert_eq!(subject(None), "Ihr Acme-Bestätigungscode", "default");
        assert_eq!(
            subject(Some("en-GB")),
            "Your Acme verification code",
            "English is the base, whatever the default"
        );
        let r = Renderer::embedded().unwrap();
        let subject = |locale| r.email("sign-up", locale, &v).unwrap().subject;
        assert_eq!(subject(Some("sv")), "Your Acme verification code", "base");
        assert!(r
            .email("sign-up", Some("de"), &v)
            .unwrap()
            .html
            .contains("<html lang=\"de\" dir=\"ltr\">"));
    }

    #[test]
    fn a_language_finds_its_regional_variant() {
        let r = Renderer::embedded().unwrap();
        let (user, meta) = (HashMap::new(), HashMap::new());
        let v = vars("1", &user, &meta);
        let subject = |locale| r.email("sign-up", Some(locale), &v).unwrap().subject;
        let brazilian = "Seu código de verificação do Acme";
        assert_eq!(subject("pt-BR"), brazilian);
        assert_eq!(subject("pt"), brazilian);
        assert_eq!(subject("pt-PT"), brazilian);
        assert_eq!(subject("pt_br"), brazilian);
        assert_eq!(subject("es-MX"), "Tu código de verificación de Acme");
        assert_eq!(subject("fr-CA"), "Votre code de vérification Acme");
        let html = r.email("sign-up", Some("pt-PT"), &v).unwrap().html;
        assert!(
            html.contains("<html lang=\"pt-BR\""),
            "the language of the text"
        );
    }

    #[test]
    fn arabic_reads_right_to_left_with_the_code_left_to_right() {
        let r = Renderer::embedded().unwrap();
        let (user, meta) = (HashMap::new(), HashMap::new());
        let email = r
            .email("sign-up", Some("ar-EG"), &vars("482913", &user, &meta))
            .unwrap();
        assert!(
            email.html.contains("<html lang=\"ar\" dir=\"rtl\">"),
            "{}",
            email.html
        );
        assert!(
            email.html.contains("<div dir=\"ltr\"") && email.html.contains(">482913</div>"),
            "{}",
            email.html
        );
        assert_eq!(text_direction("he-IL"), "rtl");
        assert_eq!(text_direction("ja"), "ltr");
    }

    #[test]
    fn a_syntax_error_in_a_template_directory_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("sign-up.subject"), "Hello\n{{ broken ").unwrap();
        let err = Renderer::new(Some(dir.path()), None).unwrap_err();
        assert_eq!(err.file, "sign-up.subject");
        assert!(err.detail.contains("line 2"), "{err}");
    }

    #[test]
    fn a_template_directory_overrides_and_adds() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("sign-up.subject"),
            "Welcome to {{ app.name }}",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("sign-up.fr.subject"),
            "Bienvenue chez {{ app.name }}",
        )
        .unwrap();
        std::fs::write(dir.path().join("README.md"), "ignored").unwrap();
        let r = Renderer::new(Some(dir.path()), None).unwrap();
        let (user, meta) = (HashMap::new(), HashMap::new());
        let v = vars("1", &user, &meta);
        assert_eq!(
            r.email("sign-up", None, &v).unwrap().subject,
            "Welcome to Acme"
        );
        assert_eq!(
            r.email("sign-up", Some("fr-CA"), &v).unwrap().subject,
            "Bienvenue chez Acme"
        );
        assert!(
            r.email("sign-up", None, &v)
                .unwrap()
                .html
                .contains("Use this code to confirm your account"),
            "the embedded body remains"
        );
    }

    #[test]
    fn a_missing_template_is_named() {
        let r = Renderer::embedded().unwrap();
        let (user, meta) = (HashMap::new(), HashMap::new());
        let err = r.sms("nope", None, &vars("1", &user, &meta)).unwrap_err();
        assert_eq!(err.file, "nope.sms");
    }
}
