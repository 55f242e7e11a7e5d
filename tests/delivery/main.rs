//! Delivery through real HTTP providers behind the real pipeline: providers
//! that misbehave on purpose, and the bound on attempts across a chain.

mod across_events;
mod attempt_bound;
mod correlation;
mod hostile_providers;
mod sender_ids;
mod stand_ins;
