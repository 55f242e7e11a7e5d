//! The example events in `examples/events/`, compiled in (see `build.rs`) so that
//! `switchboard demo` works from any directory.

/// (trigger source, event JSON) for all 15 custom sender sources, sorted by name.
pub const EVENTS: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/events.rs"));

/// The sample plaintext the demo puts into an event's code: a temporary password
/// with characters Cognito escapes for AdminCreateUser, a six-digit code otherwise.
pub fn sample_code(trigger_source: &str) -> &'static str {
    if trigger_source.ends_with("_AdminCreateUser") {
        "Tmp<Pa&ss>9"
    } else {
        "491305"
    }
}
