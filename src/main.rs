#![forbid(unsafe_code)]
// lambda_runtime and the AWS SDK futures nest deeper than the default limit of 128.
#![recursion_limit = "256"]

use clap::Parser;
use switchboard::cli::{self, Cli, Command};
use switchboard::config::Config;
use switchboard::startup::{self, Runtime, StartupOptions};

// The Encryption SDK blocks inside `send().await` (block_in_place), which needs
// the multi-thread runtime.
#[tokio::main(flavor = "multi_thread")]
async fn main() -> std::process::ExitCode {
    let result = if Runtime::detect() == Runtime::Lambda {
        run_lambda().await
    } else {
        init_cli_logging();
        let cli = Cli::parse();
        match cli.command {
            Command::Demo => cli::demo::run().await,
            Command::Invoke { event } => cli::invoke::run(&event).await,
            Command::Render {
                trigger,
                locale,
                client_id,
                out,
            } => cli::render::run(&trigger, locale.as_deref(), client_id.as_deref(), &out).await,
            Command::CheckConfig { lambda } => cli::check_config::run(lambda).await,
            Command::SendTest {
                provider,
                to,
                trigger,
            } => cli::send_test::run(&provider, &to, trigger.as_deref()).await,
            Command::Mint {
                plaintext,
                user_pool_id,
                key_arn,
            } => cli::mint::run(&plaintext, &user_pool_id, key_arn.as_deref()).await,
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run_lambda() -> anyhow::Result<()> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::load()?;
    let app = startup::build(&config, StartupOptions::new(Runtime::Lambda)).await?;
    let margin = std::time::Duration::from_millis(config.delivery.deadline_margin_ms);
    switchboard::lambda::run(app, margin)
        .await
        .map_err(|e| anyhow::anyhow!(e))
}

fn init_cli_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SWITCHBOARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,aws_config=error"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
