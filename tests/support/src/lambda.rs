//! A binary as Lambda runs it, under the Runtime API stand-in
//! (`tests/support/peers/runtime_api.py`): AWS_LAMBDA_RUNTIME_API set, events pulled from
//! `/invocation/next`, answers and errors recorded, the deadline enforced.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// An example event from `examples/` (`events/CustomEmailSender_SignUp`).
pub fn example(path: &str) -> Value {
    let file = crate::repo_root().join(format!("examples/{path}.json"));
    serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap()
}

/// Runs `events` through `binary` with only `env` (plus `PATH` and the moto
/// server's endpoint and fake credentials) and a function timeout of
/// `timeout_ms`; returns the stand-in's results and what the function printed.
pub fn run(
    binary: &str,
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
    let output = Command::new(crate::python())
        .arg(crate::peer("runtime_api.py"))
        .args(["--binary", binary, "--out", out.to_str().unwrap()])
        .args(["--timeout-ms", &timeout_ms.to_string()])
        .args(&files)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(crate::moto::moto().env())
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

/// `SWITCHBOARD_PROVIDERS__<NAME>__<KEY>` for each of `keys`: one provider's
/// section, as a function's environment gives it.
pub fn provider_env(name: &str, keys: &[(&str, String)]) -> Vec<(&'static str, String)> {
    keys.iter()
        .map(|(key, value)| {
            let variable = format!(
                "SWITCHBOARD_PROVIDERS__{}__{}",
                name.to_uppercase(),
                key.to_uppercase()
            );
            (&*Box::leak(variable.into_boxed_str()), value.clone())
        })
        .collect()
}

/// [`provider_env`] for a section written `key=value key=value` (values
/// without spaces).
pub fn section_env(name: &str, section: &str) -> Vec<(&'static str, String)> {
    let keys: Vec<(&str, String)> = section
        .split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (key, value.to_string()))
        .collect();
    provider_env(name, &keys)
}

/// Runs `binary ARGS` on the command line in a fresh directory with only
/// `env` (plus `PATH` and moto's endpoint and credentials): its success,
/// stdout and stderr.
pub fn command_line(binary: &str, args: &[&str], env: &[(&str, String)]) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(binary)
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(crate::moto::moto().env())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
