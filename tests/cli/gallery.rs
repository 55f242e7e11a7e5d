//! `switchboard preview --out DIR`, looked at in a real browser (headless
//! Chromium): every page loads, each locale's sign-up mail is drawn (a
//! screenshot that is not blank) with the sample code in its DOM, and no mail
//! scrolls sideways at phone width — a check shown to fail on a mail that does.

use std::path::{Path, PathBuf};
use std::process::Command;

use switchboard_testkit::browser::Chromium;

const LOCALES: [&str; 8] = ["en", "de", "es", "fr", "pt-BR", "it", "ja", "ar"];
/// The demo's sample code (`cli/examples.rs`).
const SAMPLE_CODE: &str = "491305";

/// Runs `preview` in `dir` (with its `switchboard.toml`, if any) into `dir/gallery`.
fn preview(dir: &Path, env: &[(&str, &str)]) -> PathBuf {
    let output = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["preview", "--out", "gallery"])
        .current_dir(dir)
        .env_clear()
        .env("SWITCHBOARD_COGNITO__LOOKUP_MISSING_RECIPIENT", "false")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stdout = switchboard_testkit::stdout_of(&output);
    assert!(stdout.contains("index.html"), "{stdout}");
    dir.join("gallery")
}

/// A test page that frames every gallery page and reports, once all loaded,
/// each one's title and whether its phone-width frame overflows.
fn harness(gallery: &Path, pages: &[String]) -> PathBuf {
    let frames: String = pages
        .iter()
        .map(|p| format!("<iframe src=\"{p}\" width=\"1200\" height=\"200\"></iframe>\n"))
        .collect();
    let page = format!(
        r#"<!DOCTYPE html><html><body>
{frames}<script>
window.addEventListener("load", () => {{
  const rows = [];
  for (const frame of document.querySelectorAll("body > iframe")) {{
    const doc = frame.contentDocument;
    const phone = doc.querySelector("iframe.phone");
    rows.push([frame.getAttribute("src"), doc.title, phone ? phone.dataset.overflow : "sms"].join("|"));
  }}
  const out = document.createElement("pre");
  out.id = "report";
  out.textContent = rows.join("\n");
  document.body.appendChild(out);
}});
</script></body></html>"#
    );
    let path = gallery.join("harness.test.html");
    std::fs::write(&path, page).unwrap();
    path
}

/// (page, title, overflow) for every framed page.
fn report(dom: &str) -> Vec<(String, String, String)> {
    let start = dom
        .find("<pre id=\"report\">")
        .expect("the harness reported")
        + 17;
    let end = start + dom[start..].find("</pre>").unwrap();
    dom[start..end]
        .lines()
        .map(|line| {
            let mut parts = line.split('|').map(str::to_string);
            let page = parts.next().unwrap();
            let title = parts.next().unwrap_or_default();
            (page, title, parts.next().unwrap_or_default())
        })
        .collect()
}

fn gallery_pages(gallery: &Path) -> Vec<String> {
    let mut pages: Vec<String> = std::fs::read_dir(gallery)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".html") && n != "index.html" && !n.contains(".test."))
        .collect();
    pages.sort();
    pages
}

/// Share of pixels unlike the most common colour, and how many colours there are.
fn ink(png: &Path) -> (f64, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let channels = info.color_type.samples();
    let mut counts = std::collections::HashMap::new();
    for pixel in buffer[..info.buffer_size()].chunks(channels) {
        *counts.entry(pixel[..3].to_vec()).or_insert(0usize) += 1;
    }
    let total: usize = counts.values().sum();
    let background = counts.values().max().copied().unwrap_or(0);
    ((total - background) as f64 / total as f64, counts.len())
}

#[test]
fn the_gallery_shows_every_message_in_a_real_browser() {
    let chromium = Chromium::find();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("switchboard.toml"),
        "[clients.kids-app]\nname = \"Acme Kids\"\n",
    )
    .unwrap();
    let gallery = preview(dir.path(), &[]);
    let pages = gallery_pages(&gallery);
    assert_eq!(
        pages.len(),
        15 * LOCALES.len() * 2 + 15,
        "sources × locales × brandings, and the hostile attributes in English"
    );

    // Every page loads, with its title, and no mail scrolls sideways at phone width.
    let dom = chromium.dump_dom(&harness(&gallery, &pages));
    let rows = report(&dom);
    assert_eq!(rows.len(), pages.len());
    for (page, title, overflow) in &rows {
        let source = page.split('.').next().unwrap();
        assert!(title.starts_with(source), "{page} loaded: `{title}`");
        if source.starts_with("CustomEmailSender_") {
            assert_eq!(overflow, "false", "{page} scrolls sideways at phone width");
        } else {
            assert_eq!(overflow, "sms", "{page}");
        }
    }

    // The index links every page.
    let index = std::fs::read_to_string(gallery.join("index.html")).unwrap();
    for page in &pages {
        assert!(
            index.contains(&format!("href=\"{page}\"")),
            "index links {page}"
        );
    }

    // Each locale's sign-up mail: drawn, in its language, with the code.
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gallery-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for locale in LOCALES {
        let page = gallery.join(format!("CustomEmailSender_SignUp.{locale}.html"));
        let dom = chromium.dump_dom(&page);
        assert!(
            dom.contains(SAMPLE_CODE),
            "{locale}: the code is in the DOM"
        );
        assert!(
            dom.contains(&format!("lang=&quot;{locale}&quot;")),
            "{locale}: the mail is in its language"
        );
        assert!(!dom.contains("id=\"fallback\""), "{locale}: no fallback");
        for (width, name) in [(1200, "desktop"), (390, "phone")] {
            let png = shots.join(format!("sign-up.{locale}.{name}.png"));
            chromium.screenshot(&page, width, 1400, &png);
            let (ink, colours) = ink(&png);
            assert!(
                ink > 0.05 && colours > 32,
                "{locale} at {width} px looks blank: {:.1}% ink, {colours} colours ({})",
                ink * 100.0,
                png.display()
            );
        }
    }
    let dom = chromium.dump_dom(&gallery.join("CustomEmailSender_SignUp.ar.html"));
    assert!(
        dom.contains("dir=&quot;rtl&quot;"),
        "Arabic reads right to left"
    );

    // A user whose attributes an attacker wrote: one line, no override, cut,
    // and still no mail that scrolls sideways (checked with every page above).
    let hostile = chromium
        .dump_dom(&gallery.join("CustomEmailSender_SignUp.en.client-hostile_attributes.html"));
    assert!(hostile.contains("Hello Jane Dear customer LLL"), "one line");
    for written in ["\u{202E}", "LLLLL".repeat(20).as_str(), "evil.example"] {
        assert!(!hostile.contains(written), "`{written}` shown");
    }
    let index = std::fs::read_to_string(gallery.join("index.html")).unwrap();
    assert!(index.contains("Branding: hostile attributes"));

    // The client's branding is on its pages.
    let kids =
        std::fs::read_to_string(gallery.join("CustomEmailSender_SignUp.de.client-kids-app.html"))
            .unwrap();
    assert!(kids.contains("Acme Kids"), "{kids}");
}

#[test]
fn the_phone_check_catches_a_mail_that_scrolls_sideways_and_a_locale_that_falls_back() {
    let chromium = Chromium::find();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("templates/sign-up.html"),
        "<html><body><table width=\"900\"><tr><td>{{ code }}</td></tr></table></body></html>",
    )
    .unwrap();
    std::fs::write(dir.path().join("templates/sign-up.sv.subject"), "Din kod").unwrap();
    let gallery = preview(dir.path(), &[("SWITCHBOARD_TEMPLATES__DIR", "templates")]);
    let wide = "CustomEmailSender_SignUp.en.html".to_string();
    let fine = "CustomEmailSender_ForgotPassword.en.html".to_string();
    let rows = report(&chromium.dump_dom(&harness(&gallery, &[wide.clone(), fine.clone()])));
    assert_eq!(
        rows[0],
        (wide, rows[0].1.clone(), "true".into()),
        "{rows:?}"
    );
    assert_eq!(rows[1].2, "false", "{rows:?}");
    let fallback = gallery.join("CustomEmailSender_ForgotPassword.sv.html");
    let page = std::fs::read_to_string(fallback).unwrap();
    assert!(
        page.contains("id=\"fallback\"") && page.contains("falls back to en"),
        "a locale with no files says so"
    );
}
