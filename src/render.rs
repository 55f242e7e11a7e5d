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

/// Languages written right to left (ISO 639-1/-3), for `dir` on the HTML.
const RIGHT_TO_LEFT: &[&str] = &[
    "ar", "arc", "ckb", "dv", "fa", "he", "ps", "sd", "ug", "ur", "yi",
];

/// `rtl` for a right-to-left language (`ar`, `he-IL`), else `ltr`.
pub fn text_direction(locale: &str) -> &'static str {
    if RIGHT_TO_LEFT.contains(&language_of(locale)) {
        "rtl"
    } else {
        "ltr"
    }
}

/// The locales the embedded templates are written in besides the English base.
pub const EMBEDDED_LOCALES: &[&str] = &["de", "es", "fr", "pt-BR", "it", "ja", "ar"];

/// The language of the base files (`NAME.html` without a locale).
pub const BASE_LANGUAGE: &str = "en";

/// The file whose presence means a template set exists in a locale on
/// `channel`: an email needs its subject, an SMS its body.
fn key_extension(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "subject",
        Channel::Sms => "sms",
    }
}

/// `pt-BR` → `pt`.
pub fn language_of(locale: &str) -> &str {
    locale.split('-').next().unwrap_or(locale)
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

    /// The file to use for `name.ext` in `locale`: the locale, its language, a
    /// sibling of the language (`pt-PT` → `pt-BR`, when only that exists), then
    /// the same for the default locale, then the base files. The base files are
    /// English: an `en-*` user gets them even where the default locale is another.
    fn resolve(&self, name: &str, ext: &str, locale: Option<&str>) -> (String, Option<String>) {
        let wanted = locale.and_then(normalise_locale);
        for candidate in [wanted.as_deref(), self.default_locale.as_deref()]
            .into_iter()
            .flatten()
        {
            if language_of(candidate) == BASE_LANGUAGE {
                break;
            }
            if let Some(found) = self.nearest(name, ext, candidate) {
                let file = format!("{name}.{found}.{ext}");
                return (file, Some(found));
            }
        }
        (format!("{name}.{ext}"), None)
    }

    /// The locale of the file for `name.ext` nearest to `locale`: itself, its
    /// language, else the first regional variant of its language.
    fn nearest(&self, name: &str, ext: &str, locale: &str) -> Option<String> {
        let language = language_of(locale);
        for candidate in [locale, language] {
            if self.files.contains(&format!("{name}.{candidate}.{ext}")) {
                return Some(candidate.to_string());
            }
        }
        let prefix = format!("{name}.{language}-");
        let suffix = format!(".{ext}");
        self.files
            .range(prefix.clone()..)
            .take_while(|file| file.starts_with(&prefix))
            .find_map(|file| {
                let middle = file
                    .strip_prefix(&format!("{name}."))?
                    .strip_suffix(&suffix)?;
                (!middle.contains('.')).then(|| middle.to_string())
            })
    }

    /// The locale of the files `name` is rendered from on `channel` for a user
    /// in `locale` (`None`: the base files), to show where a message falls back.
    pub fn resolved_locale(
        &self,
        name: &str,
        channel: Channel,
        locale: Option<&str>,
    ) -> Option<String> {
        let ext = key_extension(channel);
        self.resolve(name, ext, locale).1
    }

    /// The locales `name` has files for on `channel`, the base files as
    /// [`BASE_LANGUAGE`] (what `check-config` and the gallery list).
    pub fn covered_locales(&self, name: &str, channel: Channel) -> BTreeSet<String> {
        self.locales_of(name, channel)
            .into_iter()
            .map(|l| l.unwrap_or_else(|| BASE_LANGUAGE.to_string()))
            .collect()
    }

    /// The locales `name` has files for on `channel` (the base as `None`).
    pub fn locales_of(&self, name: &str, channel: Channel) -> Vec<Option<String>> {
        let ext = key_extension(channel);
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

    /// The segment table in docs/templates.md: every embedded SMS, in every
    /// locale, is one segment with a 16-character product name (UCS-2 for
    /// ja/ar/es/pt-BR halves the budget to 70).
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
