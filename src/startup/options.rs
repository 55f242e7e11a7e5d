//! What the caller decides on top of the configuration: where we run, and the
//! demo's development key.

use crate::config::{Config, DecryptMode};

/// Where the function runs; decides what is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// Inside AWS Lambda (`AWS_LAMBDA_RUNTIME_API` is set).
    Lambda,
    /// A command line, a test, a developer's machine.
    Local,
}

impl Runtime {
    /// Detects the runtime from the environment.
    pub fn detect() -> Runtime {
        if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
            Runtime::Lambda
        } else {
            Runtime::Local
        }
    }
}

/// Choices the caller makes on top of the configuration.
#[derive(Debug, Clone)]
pub struct StartupOptions {
    /// Where we run.
    pub runtime: Runtime,
    /// Use the insecure development key whatever the configuration says (the demo).
    pub force_insecure_dev_key: bool,
    /// The AWS configuration to use instead of the standard chain.
    pub aws: Option<aws_config::SdkConfig>,
}

impl StartupOptions {
    /// Options for `runtime` with the standard AWS configuration chain.
    pub fn new(runtime: Runtime) -> Self {
        StartupOptions {
            runtime,
            force_insecure_dev_key: false,
            aws: None,
        }
    }

    /// Options for the demo and previews: local, with the development key.
    pub fn demo() -> Self {
        StartupOptions {
            force_insecure_dev_key: true,
            ..StartupOptions::new(Runtime::Local)
        }
    }

    /// Whether codes are decrypted with KMS (else the development key).
    pub(crate) fn uses_kms(&self, config: &Config) -> bool {
        !self.force_insecure_dev_key && config.decrypt.effective_mode() == DecryptMode::Kms
    }
}
