//! The `switchboard` binary: the Lambda function when `AWS_LAMBDA_RUNTIME_API` is
//! set, the command line otherwise.
#![forbid(unsafe_code)]
// lambda_runtime and the AWS SDK futures nest deeper than the default limit of 128.
#![recursion_limit = "256"]

use clap::Parser;
use switchboard::cli::Cli;
use switchboard::startup::Runtime;

fn main() -> std::process::ExitCode {
    let runtime = Runtime::detect();
    let tokio = match tokio_runtime(runtime) {
        Ok(tokio) => tokio,
        Err(error) => {
            eprintln!("error: could not start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = tokio.block_on(async {
        if runtime == Runtime::Lambda {
            switchboard::logging::init_lambda();
            switchboard::logging::log_panics_without_payloads();
            switchboard::lambda::run().await
        } else {
            switchboard::logging::init_cli();
            Cli::parse().command.run().await
        }
    });
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

/// The multi-thread runtime, because the Encryption SDK blocks inside
/// `send().await` (`block_in_place`). Inside Lambda with one worker: an
/// environment serves one invocation at a time, and each further worker costs
/// its stack and an allocator arena at the 128 MB share (docs/performance.md).
/// `TOKIO_WORKER_THREADS` still chooses, when it is set.
fn tokio_runtime(runtime: Runtime) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if runtime == Runtime::Lambda && std::env::var_os("TOKIO_WORKER_THREADS").is_none() {
        builder.worker_threads(1);
    }
    builder.enable_all().build()
}
