//! Amazon SES v2 `SendEmail`: simple content (text + HTML) or an SES template.

use async_trait::async_trait;
use aws_sdk_sesv2::error::{DisplayErrorContext, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, MessageTag, Template};

mod config;
mod receipts;

pub use config::SesConfig;

use crate::correlation::Correlation;
use crate::text::redact;
use crate::{mime, Backend, Channel, EmailMessage, ErrorKind, EspTemplateRef, SendError};

/// The Amazon SES backend. The client comes from the function's credentials.
#[derive(Debug)]
pub struct Ses {
    client: aws_sdk_sesv2::Client,
    config: SesConfig,
}

impl Ses {
    /// An SES backend on `client` (built once per cold start).
    pub fn new(client: aws_sdk_sesv2::Client, config: SesConfig) -> Self {
        Ses { client, config }
    }

    fn content(
        &self,
        email: &EmailMessage,
        template: Option<EspTemplateRef<'_>>,
    ) -> Result<EmailContent, SendError> {
        let built = |what: &str, e: aws_sdk_sesv2::error::BuildError| {
            SendError::backend(ErrorKind::Other, format!("cannot build the SES {what}: {e}"))
        };
        if let Some(template) = template {
            let template = Template::builder()
                .template_name(template.id)
                .template_data(template.variables.to_string())
                .build();
            return Ok(EmailContent::builder().template(template).build());
        }
        let text = |data: &str| Content::builder().data(data).charset("UTF-8").build();
        let message = aws_sdk_sesv2::types::Message::builder()
            .subject(text(&email.subject).map_err(|e| built("subject", e))?)
            .body(
                Body::builder()
                    .text(text(&email.text).map_err(|e| built("text body", e))?)
                    .html(text(&email.html).map_err(|e| built("HTML body", e))?)
                    .build(),
            )
            .build();
        Ok(EmailContent::builder().simple(message).build())
    }

    fn error(from: &str, error: SdkError<SendEmailError>) -> SendError {
        let detail = redact(&DisplayErrorContext(&error).to_string());
        let Some(service) = error.as_service_error() else {
            let kind = match &error {
                SdkError::TimeoutError(_) => ErrorKind::Timeout,
                _ => ErrorKind::Unavailable,
            };
            return SendError::backend(kind, format!("SES unreachable: {detail}"));
        };
        // SES names unverified identities, addresses included: masked.
        let message = redact(service.meta().message().unwrap_or_default());
        let (kind, temporary, hint) = match service {
            SendEmailError::TooManyRequestsException(_) | SendEmailError::LimitExceededException(_) => {
                (ErrorKind::RateLimited, true, String::new())
            }
            SendEmailError::MessageRejected(_) if message.contains("not verified") => (
                ErrorKind::Config,
                false,
                format!("; verify the sending identity `{from}` in SES (and, in the SES sandbox, the recipient)"),
            ),
            SendEmailError::MessageRejected(_) => (ErrorKind::Rejected, false, String::new()),
            SendEmailError::MailFromDomainNotVerifiedException(_) => {
                (ErrorKind::Config, false, format!("; verify the MAIL FROM domain of `{from}`"))
            }
            SendEmailError::AccountSuspendedException(_) | SendEmailError::SendingPausedException(_) => {
                (ErrorKind::Unavailable, false, "; sending is paused for this account or configuration set".to_string())
            }
            SendEmailError::NotFoundException(_) => {
                (ErrorKind::Config, false, "; check `configuration_set` and template names".to_string())
            }
            SendEmailError::BadRequestException(_) => (ErrorKind::Rejected, false, String::new()),
            _ => (ErrorKind::Other, false, String::new()),
        };
        let code = service.meta().code().unwrap_or("error");
        SendError::backend(kind, format!("SES {code}: {message}{hint}")).with_temporary(temporary)
    }
}

#[async_trait]
impl Backend for Ses {
    const CHANNELS: &'static [Channel] = &[Channel::Email];

    async fn send_email(
        &self,
        email: &EmailMessage,
        template: Option<EspTemplateRef<'_>>,
    ) -> Result<String, SendError> {
        let to = mime::recipient(&email.to)?;
        let from = mime::mailbox("sender", &email.from)?;
        let mut request = self
            .client
            .send_email()
            .from_email_address(from.to_string())
            .destination(Destination::builder().to_addresses(to.to_string()).build())
            .content(self.content(email, template)?)
            .set_configuration_set_name(self.config.configuration_set.clone())
            .set_from_email_address_identity_arn(self.config.from_arn.clone());
        if let Some(reply_to) = &email.reply_to {
            request = request
                .reply_to_addresses(mime::mailbox("reply-to", reply_to)?.to_string());
        }
        for tag in tags(&email.context) {
            request = request.email_tags(tag);
        }
        let output = request
            .send()
            .await
            .map_err(|e| Self::error(from.email.as_ref(), e))?;
        Ok(output.message_id().unwrap_or("unknown").to_string())
    }
}

/// `EmailTags`: the trigger source, the event's id and the send time
/// (`crate::correlation`), which a configuration set's event destination
/// publishes with each delivery event. Tag values allow `[A-Za-z0-9_-]` only;
/// these fit, and an empty value is left out (the service refuses it).
fn tags(context: &crate::MessageContext) -> Vec<MessageTag> {
    let mut pairs = vec![(
        crate::correlation::TRIGGER_SOURCE,
        context
            .trigger_source
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect::<String>(),
    )];
    if let Some(correlation) = Correlation::now(context) {
        pairs.extend(correlation.pairs());
    }
    pairs
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .filter_map(|(name, value)| MessageTag::builder().name(name).value(value).build().ok())
        .collect()
}
