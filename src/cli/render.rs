use std::path::Path;

use switchboard_providers::Message;

use crate::config::Config;
use crate::event::TriggerSource;
use crate::startup::{self, Runtime, StartupOptions};

/// `switchboard render`: writes what a trigger source would send, with sample
/// data, into `out` for review.
pub async fn run(
    trigger: &str,
    locale: Option<&str>,
    client_id: Option<&str>,
    out: &Path,
) -> anyhow::Result<()> {
    let mut config = Config::load()?;
    config.cognito.lookup_missing_recipient = false;
    let options = StartupOptions {
        force_insecure_dev_key: true,
        ..StartupOptions::new(Runtime::Local)
    };
    let app = startup::build(&config, options).await?;
    let source = TriggerSource::parse_ignore_case(trigger);
    let message = app.preview(&source, locale, client_id)?;
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
            let count = crate::segments::count(&sms.body);
            write("sms", &sms.body)?;
            println!(
                "{} characters, {} segment(s), {:?}",
                sms.body.chars().count(),
                count.segments,
                count.encoding
            );
        }
    }
    Ok(())
}
