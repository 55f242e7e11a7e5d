//! Renders messages from minijinja templates.
//!
//! A template NAME has up to four files: `NAME.subject`, `NAME.html`, `NAME.txt`
//! (email) and `NAME.sms`, plus per-locale variants `NAME.<locale>.<ext>` (e.g.
//! `sign-up.de.html`, `sign-up.pt-BR.sms`). The defaults in `templates/` are
//! compiled in; files in a configured directory override or add to them. HTML
//! files are auto-escaped, so a `given_name` of `<script>` arrives as text; the
//! others are plain text.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use minijinja::value::Kwargs;
use minijinja::{Environment, Error, ErrorKind, Value};
use serde::Serialize;
use switchboard_providers::Channel;

/// The templates compiled into the binary (see `build.rs`): (file name, source).
pub const EMBEDDED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/templates.rs"));

const EXTENSIONS: &[&str] = &["subject", "html", "txt", "sms"];

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
    files: BTreeSet<String>,
    default_locale: Option<String>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("templates", &self.files.len())
            .field("default_locale", &self.default_locale)
            .finish()
    }
}

fn render_error(file: &str, e: &Error) -> RenderError {
    let line = e
        .line()
        .map(|l| format!(" at line {l}"))
        .unwrap_or_default();
    // Not `{:#}`: the alternate form adds debug info that shows variable values.
    let detail = match e.detail() {
        Some(detail) => format!("{}{line}: {detail}", e.kind()),
        None => format!("{}{line}", e.kind()),
    };
    RenderError {
        file: file.to_string(),
        detail,
    }
}

/// `value` if it is an `http:` or `https:` URL, else `None`: a `javascript:` or
/// `data:` "link" from an attribute never reaches an `href`.
fn web_url(value: &str) -> Option<url::Url> {
    url::Url::parse(value.trim())
        .ok()
        .filter(|url| matches!(url.scheme(), "https" | "http"))
}

/// `{{ value | web_url }}`: the value if it is an http(s) URL, else "" (so
/// `{% if x | web_url %}` leaves the link out).
fn web_url_filter(value: String) -> String {
    web_url(&value).map(String::from).unwrap_or_default()
}

/// `link(base, key=value, …)`: `base` with the parameters URL-encoded as a query.
fn link(base: String, params: Kwargs) -> Result<String, Error> {
    let mut url = web_url(&base).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("link(): `{base}` is not an http(s) URL"),
        )
    })?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    for key in params.args() {
        let value: Value = params.get(key)?;
        pairs.push((key.to_string(), value.to_string()));
    }
    pairs.sort();
    url.query_pairs_mut().extend_pairs(pairs);
    Ok(url.to_string())
}

/// `pt_br` / `PT-br` → `pt-BR`; `None` for an empty or odd value.
pub fn normalise_locale(raw: &str) -> Option<String> {
    let mut parts = raw.trim().split(['-', '_']);
    let language = parts.next()?.to_ascii_lowercase();
    if language.is_empty()
        || language.len() > 3
        || !language.chars().all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    match parts.next() {
        Some(region)
            if !region.is_empty()
                && region.len() <= 3
                && region.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            Some(format!("{language}-{}", region.to_ascii_uppercase()))
        }
        _ => Some(language),
    }
}

/// `pt-BR` → [`pt-BR`, `pt`].
fn locale_chain(locale: &str) -> Vec<String> {
    let mut chain = vec![locale.to_string()];
    if let Some((language, _)) = locale.split_once('-') {
        chain.push(language.to_string());
    }
    chain
}

impl Renderer {
    /// The embedded templates, overridden and extended by the files in `dir`.
    pub fn new(dir: Option<&Path>, default_locale: Option<&str>) -> Result<Self, RenderError> {
        let mut sources: BTreeMap<String, String> = EMBEDDED
            .iter()
            .map(|(name, source)| (name.to_string(), source.to_string()))
            .collect();
        if let Some(dir) = dir {
            let entries = std::fs::read_dir(dir).map_err(|e| RenderError {
                file: dir.display().to_string(),
                detail: format!("cannot read the template directory (templates.dir): {e}"),
            })?;
            for entry in entries.flatten() {
                let path = entry.path();
                let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                let known = EXTENSIONS
                    .iter()
                    .any(|ext| name.ends_with(&format!(".{ext}")));
                if !path.is_file() || !known {
                    continue;
                }
                let source = std::fs::read_to_string(&path).map_err(|e| RenderError {
                    file: path.display().to_string(),
                    detail: format!("cannot read: {e}"),
                })?;
                sources.insert(name.to_string(), source);
            }
        }
        let mut env = Environment::new();
        env.set_keep_trailing_newline(false);
        env.add_function("link", link);
        env.add_filter("web_url", web_url_filter);
        let files = sources.keys().cloned().collect();
        for (name, source) in sources {
            env.add_template_owned(name.clone(), source)
                .map_err(|e| render_error(&name, &e))?;
        }
        Ok(Renderer {
            env,
            files,
            default_locale: default_locale.and_then(normalise_locale),
        })
    }

    /// The embedded default templates only.
    pub fn embedded() -> Result<Self, RenderError> {
        Self::new(None, None)
    }

    /// The file to use for `name.ext` in `locale`: `pt-BR` → `pt` → default locale → base.
    fn resolve(&self, name: &str, ext: &str, locale: Option<&str>) -> (String, Option<String>) {
        let mut chain = Vec::new();
        if let Some(locale) = locale.and_then(normalise_locale) {
            chain.extend(locale_chain(&locale));
        }
        if let Some(default) = &self.default_locale {
            chain.extend(locale_chain(default));
        }
        for candidate in chain {
            let file = format!("{name}.{candidate}.{ext}");
            if self.files.contains(&file) {
                return (file, Some(candidate));
            }
        }
        (format!("{name}.{ext}"), None)
    }

    /// The locales `name` has files for on `channel` (the base as `None`).
    pub fn locales_of(&self, name: &str, channel: Channel) -> Vec<Option<String>> {
        let ext = match channel {
            Channel::Email => "subject",
            Channel::Sms => "sms",
        };
        let mut locales = vec![None];
        let prefix = format!("{name}.");
        for file in &self.files {
            if let Some(middle) = file
                .strip_prefix(&prefix)
                .and_then(|r| r.strip_suffix(&format!(".{ext}")))
            {
                if !middle.is_empty() && !middle.contains('.') {
                    locales.push(Some(middle.to_string()));
                }
            }
        }
        locales
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
        let context = minijinja::context! {
            ..Value::from_serialize(vars),
            ..minijinja::context! { locale => resolved.as_deref().or(self.default_locale.as_deref()).unwrap_or("en") }
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

    /// Renders `name` for `channel` in every locale it has, with sample data, so
    /// a broken template fails start-up instead of the first real event. Returns
    /// the sample SMS bodies, whose length the caller checks against the route's
    /// segment cap.
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
            user: &user,
            trigger_source: "sample",
            user_pool_id: "us-east-1_sample",
            client_id: None,
            client_metadata: &metadata,
            app,
        };
        let mut sms = Vec::new();
        for locale in self.locales_of(name, channel) {
            match channel {
                Channel::Email => {
                    self.email(name, locale.as_deref(), &vars)?;
                }
                Channel::Sms => sms.push(self.sms(name, locale.as_deref(), &vars)?),
            }
        }
        Ok(sms)
    }
}

/// Subjects are one line: folded whitespace, no CR/LF.
fn one_line(text: &str) -> String {
    switchboard_providers::text::one_line(text, usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: AppVars<'static> = AppVars {
        name: "Acme",
        url: "",
        support_url: "",
    };

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
        assert_eq!(
            r.email("sign-up", Some("de-AT"), &v).unwrap().subject,
            "Ihr Acme-Bestätigungscode"
        );
        assert_eq!(
            r.email("sign-up", Some("fr"), &v).unwrap().subject,
            "Ihr Acme-Bestätigungscode",
            "default locale"
        );
        let r = Renderer::embedded().unwrap();
        assert_eq!(
            r.email("sign-up", Some("pt-BR"), &v).unwrap().subject,
            "Your Acme verification code",
            "base"
        );
        assert!(r
            .email("sign-up", Some("de"), &v)
            .unwrap()
            .html
            .contains("<html lang=\"de\">"));
    }

    #[test]
    fn locale_names_are_normalised() {
        assert_eq!(normalise_locale("pt_br").as_deref(), Some("pt-BR"));
        assert_eq!(normalise_locale(" DE ").as_deref(), Some("de"));
        assert_eq!(normalise_locale("").as_deref(), None);
        assert_eq!(normalise_locale("../../etc").as_deref(), None);
    }

    #[test]
    fn only_web_urls_pass_the_filter_and_link() {
        assert_eq!(
            web_url_filter("https://acme.test/x?a=1".into()),
            "https://acme.test/x?a=1"
        );
        assert_eq!(web_url_filter("javascript:alert(1)".into()), "");
        assert_eq!(web_url_filter("data:text/html,<b>".into()), "");
        assert_eq!(web_url_filter(" JavaScript:alert(1)".into()), "");
        let mut env = Environment::new();
        env.add_function("link", link);
        assert!(env
            .render_str(r#"{{ link("javascript:alert(1)") }}"#, ())
            .is_err());
    }

    #[test]
    fn link_url_encodes_its_parameters() {
        let mut env = Environment::new();
        env.add_function("link", link);
        let out = env
            .render_str(
                r#"{{ link("https://acme.test/confirm", code=c, user=u) }}"#,
                minijinja::context! { c => "12 34&x", u => "jane+doe@x.test" },
            )
            .unwrap();
        assert_eq!(
            out,
            "https://acme.test/confirm?code=12+34%26x&user=jane%2Bdoe%40x.test"
        );
    }

    #[test]
    fn every_embedded_template_checks_in_every_locale() {
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
                assert!(
                    r.locales_of(name, channel)
                        .contains(&Some("de".to_string())),
                    "{name} has German"
                );
                r.check(name, channel, APP)
                    .unwrap_or_else(|e| panic!("{name}/{channel}: {e}"));
            }
        }
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
