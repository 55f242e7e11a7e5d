//! Subcommands for running outside Lambda.

pub mod check_config;
pub mod demo;
#[cfg(feature = "doctor")]
pub mod doctor;
pub mod examples;
pub mod gallery;
pub mod health;
pub mod invoke;
pub mod mint;
pub mod preview;
pub mod receipts_report;
pub mod render;
pub mod send_test;
pub mod status;
mod status_report;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Writes to stdout, every secret the process holds removed by value; a closed
/// pipe (`| head`) is not an error worth a panic.
pub fn print(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().write_all(crate::logging::outgoing(text).as_bytes());
}

/// Switchboard: Cognito codes through your email and SMS providers.
#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Mint a code for every example event with the insecure development key, run the
    /// full pipeline with the configured routes (default: ./outbox/), print a table.
    Demo,
    /// Run one event file through the configured pipeline (KMS or development key).
    Invoke {
        /// A Cognito custom sender event as JSON.
        event: PathBuf,
    },
    /// Render what a trigger source would send, with sample data, for review.
    Render {
        /// Trigger source, e.g. CustomEmailSender_ForgotPassword.
        #[arg(long)]
        trigger: String,
        /// Locale, e.g. de or pt-BR (default: the configured fallback).
        #[arg(long)]
        locale: Option<String>,
        /// App client ID, to see its branding.
        #[arg(long)]
        client_id: Option<String>,
        /// Output directory.
        #[arg(long, default_value = "rendered")]
        out: PathBuf,
    },
    /// Build a static gallery of every message (trigger source × locale × app
    /// client branding) with sample data, for review in a browser. Nothing is sent.
    Preview {
        /// Output directory (its index.html is the gallery).
        #[arg(long, default_value = "gallery")]
        out: PathBuf,
    },
    /// Load and validate the configuration, build every provider and route,
    /// render every template, and print the route table (secrets redacted).
    CheckConfig {
        /// Validate as inside Lambda (refuses the development key and outbox-only chains).
        #[arg(long)]
        lambda: bool,
        /// Fail unless this user pool's codes decrypt here (`decrypt.user_pools`, its keys).
        #[arg(long)]
        user_pool: Option<String>,
        /// With `--user-pool`: the pool's `KMSKeyID`, which its keys must include.
        #[arg(long, requires = "user_pool")]
        key_arn: Option<String>,
    },
    /// Check a live user pool's wiring to this function, the "my trigger never
    /// fires" check: the triggers, the key, both resource policies and the
    /// function's configuration. One line per check with the fix; exits 1 when
    /// one fails.
    #[cfg(feature = "doctor")]
    Doctor {
        /// The user pool (`<region>_<id>`).
        #[arg(long)]
        user_pool_id: String,
        /// The function the pool should invoke (name or ARN; default: the one
        /// its CustomEmailSender names).
        #[arg(long)]
        function: Option<String>,
    },
    /// Send one sample message through one configured provider, to check it before
    /// attaching the Lambda. Prints the provider's message id or the mapped error.
    SendTest {
        /// The configured provider name (`[providers.NAME]`).
        #[arg(long)]
        provider: String,
        /// Recipient: an email address, or an E.164 phone number for SMS.
        #[arg(long)]
        to: String,
        /// Trigger source whose template to use (default: the channel's SignUp).
        #[arg(long)]
        trigger: Option<String>,
    },
    /// Did a code arrive? Delivery trails from the receipts function's table
    /// (`receipts.table`), with your credentials: one event's, a recipient's or a
    /// user's, or a summary per provider.
    Status {
        /// The event's id (`sb_event_id`; the idempotency key and the webhook's message id).
        #[arg(long)]
        event: Option<String>,
        /// An email address or an E.164 phone number: its trails.
        #[arg(long)]
        to: Option<String>,
        /// A user's trails: their email address and phone number in the pool.
        #[arg(long)]
        user: Option<String>,
        /// The user pool of --user (default: the one decrypt.user_pools names).
        #[arg(long)]
        pool: Option<String>,
        /// How far back (90m, 1h, 2days): with --to/--user (default 24h), or alone for a summary.
        #[arg(long)]
        since: Option<String>,
    },
    /// The fleet's provider health (`[health] table`): each provider's state, or
    /// demote / restore one in every warm environment without a deploy.
    Health {
        #[command(subcommand)]
        action: Option<HealthCommand>,
    },
    /// Encrypt a code exactly as Cognito does and print it (base64), to build test events.
    Mint {
        /// The plaintext code or temporary password.
        plaintext: String,
        /// The user pool the code is bound to (`<region>_<id>`).
        #[arg(long)]
        user_pool_id: String,
        /// Encrypt under this KMS key (full ARN) instead of the insecure development key.
        #[arg(long)]
        key_arn: Option<String>,
    },
}

/// `switchboard health …`
#[derive(Debug, clap::Subcommand)]
pub enum HealthCommand {
    /// Each provider's state, delivered share and who demoted it (the default).
    Show,
    /// Move a provider to the back of its chains in every warm environment.
    Demote {
        /// The configured provider name.
        provider: String,
        /// email or sms (default: every channel its chains use it on).
        #[arg(long)]
        channel: Option<String>,
        /// How long (30m, 1h, 2days).
        #[arg(long = "for", default_value = "1h")]
        r#for: String,
        /// Why, for whoever looks next.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Undo a demotion made with `health demote`.
    Restore {
        /// The configured provider name.
        provider: String,
        /// email or sms (default: every channel its chains use it on).
        #[arg(long)]
        channel: Option<String>,
    },
}

impl Command {
    /// Runs the subcommand.
    pub async fn run(self) -> anyhow::Result<()> {
        match self {
            Command::Demo => demo::run().await,
            Command::Invoke { event } => invoke::run(&event).await,
            Command::Render {
                trigger,
                locale,
                client_id,
                out,
            } => render::run(&trigger, locale.as_deref(), client_id.as_deref(), &out).await,
            Command::Preview { out } => gallery::run(&out).await,
            Command::CheckConfig {
                lambda,
                user_pool,
                key_arn,
            } => {
                let question = user_pool.map(|pool| check_config::PoolQuestion { pool, key_arn });
                check_config::run(lambda, question).await
            }
            #[cfg(feature = "doctor")]
            Command::Doctor {
                user_pool_id,
                function,
            } => doctor::run(&user_pool_id, function.as_deref()).await,
            Command::SendTest {
                provider,
                to,
                trigger,
            } => send_test::run(&provider, &to, trigger.as_deref()).await,
            Command::Status {
                event,
                to,
                user,
                pool,
                since,
            } => {
                status::run(status::Question {
                    event,
                    to,
                    user,
                    pool,
                    since,
                })
                .await
            }
            Command::Health { action } => {
                health::run(match action {
                    None | Some(HealthCommand::Show) => health::Action::Show,
                    Some(HealthCommand::Demote {
                        provider,
                        channel,
                        r#for,
                        reason,
                    }) => health::Action::Demote {
                        provider,
                        channel,
                        r#for,
                        reason,
                    },
                    Some(HealthCommand::Restore { provider, channel }) => {
                        health::Action::Restore { provider, channel }
                    }
                })
                .await
            }
            Command::Mint {
                plaintext,
                user_pool_id,
                key_arn,
            } => mint::run(&plaintext, &user_pool_id, key_arn.as_deref()).await,
        }
    }
}
