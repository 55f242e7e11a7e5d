//! Codes minted by the official Python AWS Encryption SDK, independent of our code.

use std::process::Command;

use crate::moto::Moto;

use crate::python;

/// Mints a Cognito-format code under `key_arn` for `user_pool_id`.
pub fn mint_with_python(moto: &Moto, key_arn: &str, user_pool_id: &str, plaintext: &str) -> String {
    mint_with_python_options(moto, key_arn, user_pool_id, plaintext, &[])
}

/// As [`mint_with_python`], with the script's options (`--suite NAME`,
/// `--no-pool-context`, `--also-key ARN`) for codes Cognito would never make.
pub fn mint_with_python_options(
    moto: &Moto,
    key_arn: &str,
    user_pool_id: &str,
    plaintext: &str,
    options: &[&str],
) -> String {
    let script = &crate::peer("mint_cognito_code.py");
    let output = Command::new(python())
        .arg(script)
        .args([key_arn, user_pool_id, plaintext])
        .args(options)
        .envs(moto.env())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} (run the suite with ./scripts/test): {e}",
                python()
            )
        });
    assert!(
        output.status.success(),
        "the Python Encryption SDK failed (is aws-encryption-sdk installed? ./scripts/test installs it):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("base64 is ASCII")
        .trim()
        .to_string()
}

/// Runs the test peer `script` with `args` and `input` on its stdin: its output.
pub fn run_peer(script: &str, args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(python())
        .arg(crate::peer(script))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} (run the suite with ./scripts/test): {e}",
                python()
            )
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}
