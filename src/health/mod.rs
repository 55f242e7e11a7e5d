//! The fleet's provider health (docs/health.md): one small record per provider
//! and channel in DynamoDB, shared by every environment — what an operator
//! demoted, whose breaker is open, and per minute of sends what the receipts
//! said — so that a provider that hangs or accepts and drops moves to the back
//! of its chains everywhere within `refresh_ms`, and comes back when it recovers.

pub mod fleet;
pub mod record;
pub mod verdict;
