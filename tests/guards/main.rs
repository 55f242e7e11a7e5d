//! The two DynamoDB guards around a send, on moto: exactly one message per
//! event (idempotency) and the SMS pumping limits.

mod idempotency;
mod sms_limits;
