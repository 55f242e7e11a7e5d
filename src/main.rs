//! The `switchboard` binary: the Lambda function when `AWS_LAMBDA_RUNTIME_API` is
//! set, the command line otherwise.
#![forbid(unsafe_code)]
// lambda_runtime and the AWS SDK futures nest deeper than the default limit of 128.
#![recursion_limit = "256"]

use clap::Parser;
use switchboard::cli::Cli;
use switchboard::startup::Runtime;

// The Encryption SDK blocks inside `send().await` (block_in_place), which needs
// the multi-thread runtime.
#[tokio::main(flavor = "multi_thread")]
async fn main() -> std::process::ExitCode {
    let result = if Runtime::detect() == Runtime::Lambda {
        switchboard::lambda::init_logging();
        switchboard::lambda::log_panics_without_payloads();
        switchboard::lambda::run().await
    } else {
        init_cli_logging();
        Cli::parse().command.run().await
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Warnings and errors on stderr (`SWITCHBOARD_LOG` sets the filter). The
/// pipeline's per-event result lines are for Lambda's logs: on the command line
/// the result is printed once, as the output or the final error.
fn init_cli_logging() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("SWITCHBOARD_LOG").unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new(
                "warn,aws_config=error,switchboard::pipeline::outcome=off",
            )
        });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
