//! The example events in `examples/events/`, compiled in so that `switchboard demo`
//! works from any directory.

macro_rules! events {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!("../examples/events/", $name, ".json")))),+]
    };
}

/// (trigger source, event JSON) for all 15 custom sender sources.
pub const EVENTS: &[(&str, &str)] = events![
    "CustomEmailSender_SignUp",
    "CustomEmailSender_ResendCode",
    "CustomEmailSender_ForgotPassword",
    "CustomEmailSender_UpdateUserAttribute",
    "CustomEmailSender_VerifyUserAttribute",
    "CustomEmailSender_AdminCreateUser",
    "CustomEmailSender_AccountTakeOverNotification",
    "CustomEmailSender_Authentication",
    "CustomSMSSender_SignUp",
    "CustomSMSSender_ResendCode",
    "CustomSMSSender_ForgotPassword",
    "CustomSMSSender_UpdateUserAttribute",
    "CustomSMSSender_VerifyUserAttribute",
    "CustomSMSSender_Authentication",
    "CustomSMSSender_AdminCreateUser",
];

/// The sample plaintext the demo puts into an event's code: a temporary password
/// with characters Cognito escapes for AdminCreateUser, a six-digit code otherwise.
pub fn sample_code(trigger_source: &str) -> &'static str {
    if trigger_source.ends_with("_AdminCreateUser") {
        "Tmp<Pa&ss>9"
    } else {
        "491305"
    }
}
