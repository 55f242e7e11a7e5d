//! The real binary as Lambda runs it, under the Runtime API stand-in
//! (`scripts/runtime_api.py`): AWS_LAMBDA_RUNTIME_API set, events pulled from
//! `/invocation/next`, answers and errors recorded, the deadline enforced.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_switchboard");
const RUNTIME_API: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/runtime_api.py");

/// An example event from `examples/` (`events/CustomEmailSender_SignUp`).
pub fn example(path: &str) -> Value {
    let file = format!("{}/examples/{path}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap()
}

/// Runs `events` through the binary with only `env` (plus `PATH`) and a Lambda
/// timeout of 15 s; returns the stand-in's results and what the function printed.
pub fn run_as_lambda(dir: &Path, events: &[Value], env: &[(&str, String)]) -> (Value, String) {
    run_as_lambda_with_timeout(dir, events, env, 15_000)
}

/// As [`run_as_lambda`], with the function's timeout in milliseconds.
pub fn run_as_lambda_with_timeout(
    dir: &Path,
    events: &[Value],
    env: &[(&str, String)],
    timeout_ms: u64,
) -> (Value, String) {
    let mut files = Vec::new();
    for (i, event) in events.iter().enumerate() {
        let file = dir.join(format!("event-{i}.json"));
        std::fs::write(&file, serde_json::to_vec(event).unwrap()).unwrap();
        files.push(file.display().to_string());
    }
    let out = dir.join("results.json");
    let output = Command::new(super::python())
        .arg(RUNTIME_API)
        .args(["--binary", BINARY, "--out", out.to_str().unwrap()])
        .args(["--timeout-ms", &timeout_ms.to_string()])
        .args(&files)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(super::moto::moto().env())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("run the Runtime API stand-in");
    let printed = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{printed}");
    (
        serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap(),
        printed,
    )
}

/// What a deploy must set besides its providers: its product and sender.
pub fn branding() -> Vec<(&'static str, String)> {
    vec![
        ("SWITCHBOARD_APP__NAME", "Acme".into()),
        (
            "SWITCHBOARD_EMAIL__FROM",
            "Acme <no-reply@acme.test>".into(),
        ),
        (
            "SWITCHBOARD_COGNITO__LOOKUP_MISSING_RECIPIENT",
            "false".into(),
        ),
    ]
}
