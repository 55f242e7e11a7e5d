//! The DynamoDB guards around a send, on moto: exactly one message per event
//! (idempotency), the SMS pumping limits and the email bombing limits.

mod email_limits;
mod idempotency;
mod sms_limits;
