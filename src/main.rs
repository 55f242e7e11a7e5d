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
        switchboard::logging::init_lambda();
        switchboard::logging::log_panics_without_payloads();
        switchboard::lambda::run().await
    } else {
        switchboard::logging::init_cli();
        Cli::parse().command.run().await
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!(
                "error: {}",
                switchboard::logging::outgoing(&format!("{error:#}"))
            );
            std::process::ExitCode::FAILURE
        }
    }
}
