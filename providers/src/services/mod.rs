//! The registry: every delivery service, one line each. A service is its folder
//! here — `mod.rs` (the [`crate::Backend`]), `config.rs` (its settings and their
//! [`crate::Service`] implementation), `docs.md` (its keys and error table) — plus
//! its line below, its test file `providers/tests/<module>.rs` and, when it brings
//! a dependency, its cargo feature. Nothing else names it.

crate::registry::services! {
    outbox => Outbox(OutboxConfig),
    #[cfg(feature = "sendgrid")] sendgrid => Sendgrid(SendGridConfig),
    #[cfg(feature = "mailgun")] mailgun => Mailgun(MailgunConfig),
    #[cfg(feature = "postmark")] postmark => Postmark(PostmarkConfig),
    #[cfg(feature = "resend")] resend => Resend(ResendConfig),
    #[cfg(feature = "smtp")] smtp => Smtp(SmtpConfig),
    #[cfg(feature = "ses")] ses => Ses(SesConfig),
    #[cfg(feature = "twilio")] twilio => Twilio(TwilioConfig),
    #[cfg(feature = "sns")] sns => Sns(SnsConfig),
    #[cfg(feature = "aws-sms")] aws_sms => AwsSms(AwsSmsConfig),
    #[cfg(feature = "webhook")] webhook => Webhook(WebhookConfig),
}
