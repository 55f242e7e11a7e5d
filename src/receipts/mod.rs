//! The receipts function: a provider's delivery receipt (a Function URL
//! request, or an AWS service's event from EventBridge or SNS) → verify it →
//! read it → the status trail (DynamoDB) → one metric line. It holds no
//! decryption key and no sending credential it does not need; it never sends.
//!
//! Answers: 200 for a receipt stored, one already stored (providers retry with
//! the same id), one about a message Switchboard did not send and an event
//! that is no status; 401 for a signature or credentials that do not hold or
//! a signed time outside the window; 413 for a body over the provider's cap;
//! 400 for an unknown provider path or a malformed body; 500 when the trail
//! could not be written (the provider retries). Nothing is stored for a
//! refused request.

mod aws_events;
mod function_url;
pub mod lookup;
pub mod metrics;
pub mod trail;

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::Value;
use switchboard_providers::receipt::{Destination, Read, ReceiptReader, ReceiptRequest};
use switchboard_providers::Channel;

use crate::health::record::HealthTable;
use crate::health::verdict::count_of;
use crate::logging;
use crate::sms::phone::normalise;
use crate::store::now_secs;
use function_url::{answer, HttpRequest};
use trail::{Recorded, Trail};

/// One provider's receipts: its reader and the channel they are about.
#[derive(Debug)]
pub struct Source {
    /// Verifies and reads the provider's requests.
    pub reader: Box<dyn ReceiptReader>,
}

/// An invocation the receipts function does not serve.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptsError {
    /// A Cognito event: the sender's, never this function's.
    #[error("a Cognito event ({0}) reached the receipts function, which never sends: attach the sender function (SWITCHBOARD_FUNCTION unset or `sender`) to the user pool")]
    CognitoEvent(String),
    /// Neither a Function URL request nor an AWS event with receipts.
    #[error("the receipts function takes Function URL requests (payload format 2.0), SES events from EventBridge and End User Messaging events from SNS or EventBridge; this invocation is none")]
    Unknown,
    /// The trail could not be written: the invocation fails, and AWS delivers
    /// the event again.
    #[error("{0}")]
    Store(String),
}

impl ReceiptsError {
    /// The error's class, as the Runtime API records it.
    pub fn class(&self) -> &'static str {
        match self {
            ReceiptsError::CognitoEvent(_) => "CognitoEventRefused",
            ReceiptsError::Unknown => "NotAReceipt",
            ReceiptsError::Store(_) => "TrailNotWritten",
        }
    }
}

/// The receipts function, built once per cold start.
#[derive(Debug)]
pub struct ReceiptsApp {
    sources: BTreeMap<String, Source>,
    trail: Trail,
    /// The receipts function's public URL (`receipts.url`), which the
    /// providers signed; else the Function URL's own host.
    base_url: Option<String>,
    emit_metrics: bool,
    /// The fleet's health: each receipt counted for its provider.
    health: Option<HealthTable>,
}

impl ReceiptsApp {
    /// The function with `sources` by provider name, writing to `trail`.
    pub fn new(
        sources: BTreeMap<String, Source>,
        trail: Trail,
        base_url: Option<String>,
        emit_metrics: bool,
    ) -> ReceiptsApp {
        ReceiptsApp {
            sources,
            trail,
            // As the sender wrote it into each callback: parsed (a host in
            // lower case, no default port), without a trailing slash.
            base_url: base_url.map(|url| {
                url::Url::parse(url.trim())
                    .map_or(url.clone(), String::from)
                    .trim_end_matches('/')
                    .to_string()
            }),
            emit_metrics,
            health: None,
        }
    }

    /// Counts each new receipt in the fleet's health (`[health] table`).
    pub fn with_health(mut self, health: HealthTable) -> ReceiptsApp {
        self.health = Some(health);
        self
    }

    /// The providers whose receipts it reads.
    pub fn providers(&self) -> impl Iterator<Item = &str> {
        self.sources.keys().map(String::as_str)
    }

    /// Answers one invocation; `deadline` bounds the trail's writes.
    pub async fn handle_payload(
        &self,
        payload: Value,
        deadline: Option<Instant>,
    ) -> Result<Value, ReceiptsError> {
        if let Some(trigger) = payload.get("triggerSource").and_then(Value::as_str) {
            return Err(ReceiptsError::CognitoEvent(trigger.to_string()));
        }
        if function_url::is_http(&payload) {
            return Ok(match function_url::request(&payload) {
                Ok(request) => self.handle_http(&request, deadline).await,
                Err(problem) => answer(400, &problem),
            });
        }
        let events = aws_events::events(&payload).ok_or(ReceiptsError::Unknown)?;
        let mut stored = 0;
        for (detail, delivery_id) in events {
            stored += self
                .handle_aws_event(&detail, &delivery_id, deadline)
                .await?;
        }
        Ok(serde_json::json!({ "stored": stored }))
    }

    /// An AWS service's event: the first provider whose reader claims it.
    async fn handle_aws_event(
        &self,
        detail: &Value,
        delivery_id: &str,
        deadline: Option<Instant>,
    ) -> Result<usize, ReceiptsError> {
        for (name, source) in &self.sources {
            if let Some(reads) = source.reader.read_event(detail, delivery_id, now_secs()) {
                return self
                    .store(name, source, reads, deadline)
                    .await
                    .map_err(ReceiptsError::Store);
            }
        }
        tracing::warn!(
            event_type = detail["eventType"].as_str().unwrap_or_default(),
            "an AWS event no configured provider claims (another configuration set?); nothing stored"
        );
        Ok(0)
    }

    async fn handle_http(&self, request: &HttpRequest, deadline: Option<Instant>) -> Value {
        let name = request.path.trim_start_matches('/');
        let Some(source) = self.sources.get(name) else {
            tracing::warn!(path = %request.path, "a request for no provider with receipts");
            return answer(400, "no provider with receipts at this path");
        };
        if request.method != "POST" {
            return answer(405, "receipts are POSTed");
        }
        let limit = source.reader.max_body();
        if request.body.len() > limit {
            tracing::warn!(
                provider = name,
                bytes = request.body.len(),
                limit,
                "a receipt over the provider's size refused"
            );
            return answer(413, "the body is larger than this provider's receipts");
        }
        let base = self
            .base_url
            .clone()
            .unwrap_or_else(|| format!("https://{}", request.domain));
        let url = match request.raw_query.is_empty() {
            true => format!("{base}{}", request.path),
            false => format!("{base}{}?{}", request.path, request.raw_query),
        };
        let now_ms = switchboard_providers::text::epoch_millis();
        let reads = source.reader.read(&ReceiptRequest {
            url: &url,
            headers: &request.headers,
            body: &request.body,
            now_secs: now_ms / 1000,
            now_ms,
        });
        let reads = match reads {
            Ok(reads) => reads,
            Err(refused) => {
                tracing::warn!(provider = name, %refused, "a receipt refused; nothing stored");
                return answer(refused.status(), "refused");
            }
        };
        match self.store(name, source, reads, deadline).await {
            Ok(_) => answer(200, "ok"),
            Err(problem) => {
                tracing::error!(provider = name, %problem, "the trail could not be written; the provider will retry");
                answer(500, "the receipt could not be stored; retry")
            }
        }
    }

    /// Writes each receipt of `reads` to the trail, with its metric line: how
    /// many were new.
    async fn store(
        &self,
        name: &str,
        source: &Source,
        reads: Vec<Read>,
        deadline: Option<Instant>,
    ) -> Result<usize, String> {
        let channel = match source.reader.channel() {
            Channel::Email => "email",
            Channel::Sms => "sms",
        };
        let mut stored = 0;
        for read in reads {
            let Read::Receipt(receipt) = read else {
                continue;
            };
            let recorded = self.trail.record(name, channel, &receipt, deadline).await?;
            if recorded == Recorded::Duplicate {
                tracing::info!(provider = name, event_id = %receipt.event_id, status = %receipt.status, "a receipt already stored");
                continue;
            }
            tracing::info!(provider = name, event_id = %receipt.event_id, status = %receipt.status, moved = recorded == Recorded::Moved, "receipt stored");
            stored += 1;
            self.count(name, source.reader.channel(), &receipt, deadline)
                .await;
            if self.emit_metrics {
                let country = country_of(receipt.destination.as_ref());
                println!(
                    "{}",
                    logging::outgoing_json(metrics::receipt_line(
                        name,
                        channel,
                        country.as_deref(),
                        &receipt
                    ))
                );
            }
        }
        Ok(stored)
    }
}

impl ReceiptsApp {
    /// Adds `receipt` to its provider's counts of the minute it was sent in;
    /// a failure is logged, never an error (the trail holds the receipt).
    async fn count(
        &self,
        provider: &str,
        channel: Channel,
        receipt: &switchboard_providers::receipt::Receipt,
        deadline: Option<Instant>,
    ) {
        let (Some(health), Some(sent_at)) = (&self.health, receipt.sent_at_ms) else {
            return;
        };
        let Some(count) = count_of(receipt.status, receipt.reason.as_deref()) else {
            return;
        };
        if let Err(problem) = health
            .add((provider, channel), sent_at / 60_000, count, deadline)
            .await
        {
            tracing::warn!(%problem, provider, "a receipt was not counted in the fleet's health");
        }
    }
}

/// An SMS's ISO 3166 region, as its provider names it or read from its number.
fn country_of(destination: Option<&Destination>) -> Option<String> {
    match destination? {
        Destination::Region(region) => Some(region.trim().to_ascii_uppercase()),
        Destination::Number(number) => normalise(number, None)
            .ok()?
            .region()
            .map(|region| region.as_str().to_string()),
    }
}
