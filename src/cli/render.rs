//! `switchboard render`: writes what a trigger source would send, with sample
//! data, into a directory for review.

use std::path::Path;

use switchboard_providers::Message;

use super::preview::{self, Sample};
use crate::cognito::event::TriggerSource;
use crate::sms::segments;
use crate::startup::{self, StartupOptions};

/// Renders `trigger` (in `locale`, for `client_id`) into `out`.
pub async fn run(
    trigger: &str,
    locale: Option<&str>,
    client_id: Option<&str>,
    out: &Path,
) -> anyhow::Result<()> {
    let (mut config, options) = startup::configure(StartupOptions::demo()).await?;
    config.cognito.lookup_missing_recipient = false;
    let app = startup::build(&config, options).await?;
    // The name becomes the files' names: nothing but a trigger source's characters.
    if trigger.is_empty()
        || !trigger
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        anyhow::bail!(
            "--trigger `{}` is not a trigger source name: use letters, digits and `_`, such as CustomEmailSender_SignUp or CustomSMSSender_Authentication",
            trigger.escape_default()
        );
    }
    let source = TriggerSource::parse_ignore_case(trigger);
    let sample = Sample {
        locale,
        client_id,
        ..Sample::default()
    };
    let message = preview::message(&app, &source, &sample)?;
    std::fs::create_dir_all(out)
        .map_err(|e| anyhow::anyhow!("cannot create `{}`: {e}", out.display()))?;
    let write = |extension: &str, contents: &str| -> anyhow::Result<()> {
        let path = out.join(format!("{source}.{extension}"));
        std::fs::write(&path, contents)
            .map_err(|e| anyhow::anyhow!("cannot write `{}`: {e}", path.display()))?;
        println!("{}", path.display());
        Ok(())
    };
    match &message {
        Message::Email(email) => {
            write("subject", &email.subject)?;
            write("html", &email.html)?;
            write("txt", &email.text)?;
        }
        Message::Sms(sms) => {
            let count = segments::count(&sms.body);
            write("sms", &sms.body)?;
            println!(
                "{} characters, {} segment(s), {}",
                sms.body.chars().count(),
                count.segments,
                count.encoding
            );
        }
    }
    Ok(())
}
