//! Timeouts for the AWS calls Switchboard makes outside its providers — KMS,
//! DynamoDB, Cognito, SSM and Secrets Manager — so that a slow or unreachable AWS
//! API cannot hold an invocation (or the init) past its deadline. The SDKs keep
//! their own retries here, within the operation timeout; the sending clients
//! (SES, SNS) have theirs turned off instead (see the providers crate).

use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::SdkConfig;

/// How long one AWS call may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallTimeouts {
    /// One attempt (the SDK retries within the operation's time).
    pub attempt: Duration,
    /// The whole call, retries included.
    pub operation: Duration,
}

/// KMS Decrypt, once per event.
pub const KMS: CallTimeouts = CallTimeouts {
    attempt: Duration::from_millis(2000),
    operation: Duration::from_millis(5000),
};
/// The idempotency table: a claim before sending, a mark after.
pub const DYNAMODB: CallTimeouts = CallTimeouts {
    attempt: Duration::from_millis(1000),
    operation: Duration::from_millis(2000),
};
/// Cognito `AdminGetUser`, when an event lacks the recipient.
pub const COGNITO: CallTimeouts = CallTimeouts {
    attempt: Duration::from_millis(1500),
    operation: Duration::from_millis(3000),
};
/// SSM and Secrets Manager, at cold start (Lambda's init has 10 s).
pub const SECRETS: CallTimeouts = CallTimeouts {
    attempt: Duration::from_millis(2000),
    operation: Duration::from_millis(4000),
};
const CONNECT: Duration = Duration::from_millis(2000);

/// `aws` with `timeouts` on every call of the clients built from it.
pub fn with_timeouts(aws: &SdkConfig, timeouts: CallTimeouts) -> SdkConfig {
    aws.to_builder()
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT)
                .operation_attempt_timeout(timeouts.attempt)
                .operation_timeout(timeouts.operation)
                .build(),
        )
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeouts_reach_the_configuration() {
        let aws = SdkConfig::builder().build();
        let limited = with_timeouts(&aws, KMS);
        let timeouts = limited.timeout_config().unwrap();
        assert_eq!(timeouts.operation_timeout(), Some(KMS.operation));
        assert_eq!(timeouts.operation_attempt_timeout(), Some(KMS.attempt));
        assert_eq!(timeouts.connect_timeout(), Some(CONNECT));
    }
}
