//! Timeouts for the AWS calls Switchboard makes outside its providers — KMS,
//! DynamoDB, Cognito, SSM and Secrets Manager — so that a slow or unreachable AWS
//! API cannot hold an invocation (or the init) past its deadline. Each client has
//! its own timeouts ([`with_timeouts`]); a call made for an event is cut further
//! to the time the event has left ([`CallTimeouts::until`]). The SDKs keep their
//! own retries here, within the operation timeout, because every call is safe
//! to repeat (docs/guarantees.md has the table); the sending clients (SES, SNS)
//! have theirs turned off instead (see the providers crate).

use std::time::{Duration, Instant};

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
/// The least time worth starting an AWS call with: less is a timeout anyway.
pub const MIN_CALL: Duration = Duration::from_millis(50);

impl CallTimeouts {
    /// These timeouts cut to the time left before `deadline`: the whole call
    /// ends by then, each attempt too. `None` when less than [`MIN_CALL`] is
    /// left: the caller treats that as the call failing in time.
    pub fn until(self, deadline: Option<Instant>) -> Option<TimeoutConfig> {
        let left = match deadline {
            Some(deadline) => deadline.saturating_duration_since(Instant::now()),
            None => self.operation,
        };
        if left < MIN_CALL {
            return None;
        }
        let operation = self.operation.min(left);
        Some(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT.min(operation))
                .operation_attempt_timeout(self.attempt.min(operation))
                .operation_timeout(operation)
                .build(),
        )
    }
}

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
    fn a_call_is_cut_to_the_time_its_event_has_left() {
        let soon = Instant::now() + Duration::from_millis(700);
        let cut = DYNAMODB.until(Some(soon)).unwrap();
        let operation = cut.operation_timeout().unwrap();
        assert!(operation <= Duration::from_millis(700) && operation > Duration::from_millis(500));
        assert_eq!(
            cut.operation_attempt_timeout(),
            Some(operation),
            "an attempt fits too"
        );
        let later = DYNAMODB
            .until(Some(Instant::now() + Duration::from_secs(60)))
            .unwrap();
        assert_eq!(later.operation_timeout(), Some(DYNAMODB.operation));
        assert_eq!(later.operation_attempt_timeout(), Some(DYNAMODB.attempt));
        assert_eq!(
            DYNAMODB.until(None).unwrap().operation_timeout(),
            Some(DYNAMODB.operation)
        );
        assert!(
            DYNAMODB.until(Some(Instant::now())).is_none(),
            "no time left, no call"
        );
    }

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
