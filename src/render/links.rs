//! The filters that keep links safe: only http(s) URLs reach an `href`, and
//! `link()` builds a URL with its parameters encoded.

use minijinja::value::Kwargs;
use minijinja::{Error, ErrorKind, Value};

/// `value` if it is an `http:` or `https:` URL, else `None`: a `javascript:` or
/// `data:` "link" from an attribute never reaches an `href`.
fn web_url(value: &str) -> Option<url::Url> {
    url::Url::parse(value.trim())
        .ok()
        .filter(|url| matches!(url.scheme(), "https" | "http"))
}

/// `{{ value | web_url }}`: the value if it is an http(s) URL, else "" (so
/// `{% if x | web_url %}` leaves the link out).
pub(super) fn web_url_filter(value: String) -> String {
    web_url(&value).map(String::from).unwrap_or_default()
}

/// `link(base, key=value, …)`: `base` with the parameters URL-encoded as a query.
pub(super) fn link(base: String, params: Kwargs) -> Result<String, Error> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::Environment;

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
}
