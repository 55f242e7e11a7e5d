//! `switchboard preview --out DIR`: a static gallery of every message the
//! configured templates send — each trigger source in each locale the templates
//! cover, with the default branding and each configured app client's, and in
//! English for a user whose attributes an attacker wrote — for designers to
//! review in a browser. Nothing is sent; the messages come from
//! the same composition as `render` and a real event ([`super::preview`]).

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context;
use minijinja::{context, Environment};
use serde::Serialize;
use switchboard_providers::Message;

use super::examples::EVENTS;
use super::preview::{self, Sample};
use crate::cognito::event::TriggerSource;
use crate::render::{language_of, BASE_LANGUAGE, EMBEDDED_LOCALES};
use crate::sms::segments;
use crate::startup::{self, StartupOptions};
use crate::App;

/// The gallery's section for a user who filled the sign-up form as an attacker would.
const HOSTILE_BRANDING: &str = "hostile attributes";

/// The width the HTML part is shown at beside the phone's: a mail client's pane.
pub const DESKTOP_WIDTH: u32 = 640;
/// The phone width the HTML part must fit without scrolling sideways.
pub const PHONE_WIDTH: u32 = 375;

/// One message in one locale with one branding.
#[derive(Debug, Serialize)]
struct Page {
    /// The page's file name in the gallery.
    file: String,
    source: String,
    channel: String,
    /// The locale asked for.
    locale: String,
    /// The app client whose branding applies (`None`: the default).
    client: Option<String>,
    template: String,
    /// The locale of the files the message came from.
    shown_locale: String,
    /// The template set has no files in `locale`'s language.
    fallback: bool,
    subject: String,
    html: String,
    text: String,
    sms: Option<SmsFacts>,
}

/// What an SMS costs.
#[derive(Debug, Serialize)]
struct SmsFacts {
    body: String,
    characters: usize,
    encoding: String,
    segments: usize,
    max_segments: usize,
}

/// Builds the gallery into `out` from the configuration (`SWITCHBOARD_*`, the
/// TOML layer, `templates.dir`) and prints where its index is.
pub async fn run(out: &Path) -> anyhow::Result<()> {
    let (mut config, options) = startup::configure(StartupOptions::demo()).await?;
    config.cognito.lookup_missing_recipient = false;
    let clients: Vec<Option<String>> = std::iter::once(None)
        .chain(config.clients.keys().cloned().map(Some))
        .chain(std::iter::once(Some(HOSTILE_BRANDING.to_string())))
        .collect();
    let app = startup::build(&config, options).await?;
    let locales = locales(&app);
    let pages = pages(&app, &locales, &clients)?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create `{}`", out.display()))?;
    let env = environment()?;
    for page in &pages {
        let html = env.get_template("page.html")?.render(context! {
            page, desktop_width => DESKTOP_WIDTH, phone_width => PHONE_WIDTH
        })?;
        write(&out.join(&page.file), &html)?;
    }
    let index = env.get_template("index.html")?.render(context! {
        pages, locales, clients, sources => EVENTS.iter().map(|(s, _)| *s).collect::<Vec<_>>()
    })?;
    let path = out.join("index.html");
    write(&path, &index)?;
    let fallbacks = pages.iter().filter(|p| p.fallback).count();
    let brandings = clients.len() - 1;
    println!(
        "{} pages ({} trigger sources × {} locales × {brandings} {}, and a user with hostile attributes in {BASE_LANGUAGE}; {fallbacks} fall back to another language): {}",
        pages.len(),
        EVENTS.len(),
        locales.len(),
        if brandings == 1 { "branding" } else { "brandings" },
        path.display()
    );
    Ok(())
}

fn write(path: &Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("cannot write `{}`", path.display()))
}

/// The gallery's own pages, auto-escaped: a message's HTML goes into an
/// `<iframe srcdoc>` attribute as text.
fn environment() -> anyhow::Result<Environment<'static>> {
    let mut env = Environment::new();
    env.add_template("page.html", include_str!("page.html"))?;
    env.add_template("index.html", include_str!("index.html"))?;
    Ok(env)
}

/// Every locale any template set the routes use is written in: English (the
/// base) first, then the embedded locales' order, then the rest by name.
fn locales(app: &App) -> Vec<String> {
    let renderer = app.composer().renderer();
    let mut found = BTreeSet::new();
    for (_, route) in app.routes().iter() {
        found.extend(renderer.covered_locales(&route.template, route.channel));
    }
    let rank = |l: &String| {
        let mut known = std::iter::once(BASE_LANGUAGE).chain(EMBEDDED_LOCALES.iter().copied());
        known.position(|k| k == l).unwrap_or(usize::MAX)
    };
    let mut ordered: Vec<String> = found.into_iter().collect();
    ordered.sort_by_key(|l| (rank(l), l.clone()));
    ordered
}

fn pages(app: &App, locales: &[String], clients: &[Option<String>]) -> anyhow::Result<Vec<Page>> {
    let renderer = app.composer().renderer();
    let mut pages = Vec::new();
    for (name, _) in EVENTS {
        let source = TriggerSource::parse(name);
        let Some(channel) = source.channel() else {
            continue;
        };
        let route = app.routes().get(&source, channel);
        for client in clients {
            let hostile = client.as_deref() == Some(HOSTILE_BRANDING);
            for locale in locales {
                if hostile && locale != BASE_LANGUAGE {
                    continue;
                }
                let sample = Sample {
                    locale: Some(locale),
                    client_id: client.as_deref().filter(|_| !hostile),
                    to: None,
                    hostile_attributes: hostile,
                };
                let message = preview::message(app, &source, &sample)
                    .with_context(|| format!("{name} in `{locale}`"))?;
                let shown = renderer
                    .resolved_locale(&route.template, channel, Some(locale))
                    .unwrap_or_else(|| BASE_LANGUAGE.to_string());
                let mut page = Page {
                    file: file_name(name, locale, client.as_deref()),
                    source: name.to_string(),
                    channel: channel.to_string(),
                    locale: locale.clone(),
                    client: client.clone(),
                    template: route.template.clone(),
                    fallback: language_of(&shown) != language_of(locale),
                    shown_locale: shown,
                    subject: String::new(),
                    html: String::new(),
                    text: String::new(),
                    sms: None,
                };
                match message {
                    Message::Email(email) => {
                        page.subject = email.subject;
                        page.html = email.html;
                        page.text = email.text;
                    }
                    Message::Sms(sms) => {
                        let count = segments::count(&sms.body);
                        page.sms = Some(SmsFacts {
                            characters: sms.body.chars().count(),
                            encoding: count.encoding.to_string(),
                            segments: count.segments,
                            max_segments: route.max_segments,
                            body: sms.body,
                        });
                    }
                }
                pages.push(page);
            }
        }
    }
    Ok(pages)
}

/// `CustomEmailSender_SignUp.de.html`, `….de.client-abc.html` for a client's
/// branding (its ID reduced to file-safe characters).
fn file_name(source: &str, locale: &str, client: Option<&str>) -> String {
    match client {
        None => format!("{source}.{locale}.html"),
        Some(id) => {
            let safe: String = id
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            format!("{source}.{locale}.client-{safe}.html")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_whatever_the_client_id() {
        assert_eq!(
            file_name("CustomEmailSender_SignUp", "pt-BR", None),
            "CustomEmailSender_SignUp.pt-BR.html"
        );
        assert_eq!(
            file_name("CustomSMSSender_SignUp", "de", Some("../x y")),
            "CustomSMSSender_SignUp.de.client-___x_y.html"
        );
    }
}
