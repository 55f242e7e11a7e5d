//! An in-memory sender for tests: follows a script of failures, then succeeds, and
//! records every message it accepted.

use std::collections::VecDeque;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::{Channel, Delivery, ErrorKind, Message, SendError, Sender};

/// One scripted answer of a [`ScriptedSender`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Accept the message.
    Deliver,
    /// Fail with this kind; temporariness follows the kind's default.
    Fail(ErrorKind),
    /// Fail with this kind and ask to wait this long (`Retry-After`).
    FailRetryAfter(ErrorKind, std::time::Duration),
    /// Never answer (a provider that hangs).
    Hang,
    /// Wait this long, then accept the message (a slow provider).
    DeliverAfter(std::time::Duration),
}

/// A sender that answers from a script, then delivers; see the module docs.
#[derive(Debug)]
pub struct ScriptedSender {
    name: String,
    channels: Vec<Channel>,
    script: Mutex<VecDeque<Step>>,
    accepted: Mutex<Vec<Message>>,
    attempts: Mutex<usize>,
}

/// Both channels: what most scripted senders in the tests take.
pub const BOTH_CHANNELS: &[Channel] = &[Channel::Email, Channel::Sms];

impl ScriptedSender {
    /// A sender that delivers everything.
    pub fn new(name: impl Into<String>, channels: &[Channel]) -> Self {
        ScriptedSender {
            name: name.into(),
            channels: channels.to_vec(),
            script: Mutex::new(VecDeque::new()),
            accepted: Mutex::new(Vec::new()),
            attempts: Mutex::new(0),
        }
    }

    /// Appends answers to the script; once it runs out the sender delivers.
    pub fn with_script(self, steps: impl IntoIterator<Item = Step>) -> Self {
        lock(&self.script).extend(steps);
        self
    }

    /// A sender that answers every message with `step`.
    pub fn always(name: impl Into<String>, channels: &[Channel], step: Step) -> Self {
        Self::new(name, channels).with_script(std::iter::repeat_n(step, 10_000))
    }

    /// A sender that fails `times` times with `kind`, then delivers.
    pub fn failing(
        name: impl Into<String>,
        channels: &[Channel],
        kind: ErrorKind,
        times: usize,
    ) -> Self {
        Self::new(name, channels).with_script(std::iter::repeat_n(Step::Fail(kind), times))
    }

    /// The recipient of each accepted message, in order (an address or a number).
    pub fn recipients(&self) -> Vec<String> {
        self.accepted()
            .iter()
            .map(|message| match message {
                Message::Email(email) => email.to.clone(),
                Message::Sms(sms) => sms.to.clone(),
            })
            .collect()
    }

    /// The messages accepted so far, in order.
    pub fn accepted(&self) -> Vec<Message> {
        lock(&self.accepted).clone()
    }

    /// How many times `send` was called.
    pub fn attempts(&self) -> usize {
        *lock(&self.attempts)
    }
}

// A poisoned lock only means another test thread panicked; the data is still usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[async_trait]
impl Sender for ScriptedSender {
    fn name(&self) -> &str {
        &self.name
    }

    fn channels(&self) -> &[Channel] {
        &self.channels
    }

    async fn send(&self, message: &Message) -> Result<Delivery, SendError> {
        let attempt = {
            let mut attempts = lock(&self.attempts);
            *attempts += 1;
            *attempts
        };
        let step = lock(&self.script).pop_front().unwrap_or(Step::Deliver);
        match step {
            Step::Hang => std::future::pending().await,
            Step::DeliverAfter(wait) => {
                tokio::time::sleep(wait).await;
                lock(&self.accepted).push(message.clone());
                Ok(Delivery::new(
                    self.name.clone(),
                    format!("{}-{attempt}", self.name),
                ))
            }
            Step::Deliver => {
                lock(&self.accepted).push(message.clone());
                Ok(Delivery::new(
                    self.name.clone(),
                    format!("{}-{attempt}", self.name),
                ))
            }
            Step::Fail(kind) => Err(SendError::new(
                &self.name,
                kind,
                format!("scripted failure on attempt {attempt}"),
            )),
            Step::FailRetryAfter(kind, wait) => Err(SendError::new(
                &self.name,
                kind,
                format!("scripted failure on attempt {attempt}"),
            )
            .with_retry_after(wait)),
        }
    }
}
