//! Webhook requests verified by the Standard Webhooks reference library (Python's
//! `standardwebhooks`), independent of our signing code.

/// Verifies one request as a receiver would; `Ok(message_id)` when it verifies,
/// `Err(the library's reason)` when it does not.
pub fn verify(secret: &str, request: &wiremock::Request) -> Result<String, String> {
    let headers: serde_json::Map<String, serde_json::Value> = request
        .headers
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or_default().into()))
        .collect();
    let body = String::from_utf8(request.body.clone()).expect("a JSON body is UTF-8");
    verify_parts(secret, headers, &body)
}

/// As [`verify`], with the headers and body given separately (e.g. a tampered body).
pub fn verify_parts(
    secret: &str,
    headers: serde_json::Map<String, serde_json::Value>,
    body: &str,
) -> Result<String, String> {
    let request = serde_json::json!({ "headers": headers, "body": body });
    let output = crate::python::run_peer(
        "verify_standard_webhook.py",
        &[secret],
        &request.to_string(),
    );
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(
        !stderr.contains("ModuleNotFoundError"),
        "standardwebhooks is not installed: run the suite with ./scripts/test\n{stderr}"
    );
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    } else {
        Err(stderr)
    }
}
