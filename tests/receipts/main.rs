//! The receipts function as Lambda runs it (`SWITCHBOARD_FUNCTION=receipts`,
//! under the Runtime API stand-in, Function URL requests): receipts in each
//! provider's documented format, signed by the provider's own code, stored in
//! the status trail on moto's DynamoDB; everything forged refused with nothing
//! stored.

mod aws_events;
mod check_config;
mod from_the_sender;
mod late_answers;
mod order;
mod providers;
mod refused;
mod signed;
mod status;

mod harness {

    use base64::Engine;
    use serde_json::{json, Value};
    use switchboard_testkit::moto::moto;

    const BINARY: &str = env!("CARGO_BIN_EXE_switchboard");

    /// The receipts function's public URL, as `receipts.url` gives it.
    pub const RECEIPTS_URL: &str = "https://receipts.example.test";

    /// An event id as the sender makes them (64 hex characters).
    pub fn event_id(seed: &str) -> String {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, seed.as_bytes());
        switchboard::providers::text::hex(digest.as_ref())
    }

    pub fn now_secs() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    /// Runs `events` through the binary as the receipts function with `env`.
    pub fn run_receipts(events: &[Value], env: &[(&str, String)]) -> (Value, String) {
        let dir = tempfile::tempdir().unwrap();
        let mut env = env.to_vec();
        env.push(("SWITCHBOARD_FUNCTION", "receipts".into()));
        switchboard_testkit::lambda::run(BINARY, dir.path(), events, &env, 15_000)
    }

    /// Each invocation's answer: its HTTP status and body, or the error record.
    pub fn answers(results: &Value, printed: &str) -> Vec<(u64, String)> {
        results["invocations"]
            .as_array()
            .unwrap_or_else(|| panic!("{results}\n{printed}"))
            .iter()
            .map(|invocation| {
                assert_eq!(invocation["status"], "response", "{invocation}\n{printed}");
                let answer: Value =
                    serde_json::from_str(invocation["body"].as_str().unwrap()).unwrap();
                (
                    answer["statusCode"].as_u64().unwrap(),
                    answer["body"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// `params` (a JSON object of strings) as a form body.
    pub fn form_body(params: &Value) -> String {
        let pairs = params.as_object().unwrap().iter();
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.map(|(k, v)| (k.as_str(), v.as_str().unwrap())))
            .finish()
    }

    /// Asserts that every invocation answered 200.
    pub fn assert_all_ok(results: &Value, printed: &str) {
        for (code, body) in answers(results, printed) {
            assert_eq!(code, 200, "{body}\n{printed}");
        }
    }

    /// The metric lines the function printed.
    pub fn metric_lines(printed: &str) -> Vec<Value> {
        printed
            .lines()
            .filter(|l| l.contains("CloudWatchMetrics"))
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// A Function URL request (payload format 2.0) to `path`.
    pub fn function_url(path: &str, query: &str, headers: &Value, body: &[u8]) -> Value {
        let form = headers["content-type"]
            .as_str()
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        // Function URLs hand form bodies over in base64, JSON as text.
        let (body, encoded) = match form {
            true => (base64::engine::general_purpose::STANDARD.encode(body), true),
            false => (String::from_utf8(body.to_vec()).unwrap(), false),
        };
        json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": query,
            "headers": headers,
            "requestContext": {
                "domainName": "abcdefg.lambda-url.us-east-1.on.aws",
                "http": { "method": "POST", "path": path, "sourceIp": "203.0.113.9" },
                "timeEpoch": now_secs() * 1000,
            },
            "body": body,
            "isBase64Encoded": encoded,
        })
    }

    /// Runs `switchboard ARGS` on the command line with `env`.
    pub fn command_line(args: &[&str], env: &[(&str, String)]) -> (bool, String, String) {
        switchboard_testkit::lambda::command_line(BINARY, args, env)
    }

    /// Signs with the provider's own code (tests/support/peers/sign_receipt.py).
    pub fn sign(request: Value) -> Value {
        let output =
            switchboard_testkit::python::run_peer("sign_receipt.py", &[], &request.to_string());
        assert!(
            output.status.success(),
            "sign_receipt.py: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// The receipts function's environment: `providers` and a fresh trail table.
    pub async fn environment(
        providers: Vec<(&'static str, String)>,
    ) -> (Vec<(&'static str, String)>, String) {
        let table = moto().create_receipts_table().await;
        let mut env = providers;
        env.extend([
            ("SWITCHBOARD_RECEIPTS__TABLE", table.clone()),
            ("SWITCHBOARD_RECEIPTS__URL", RECEIPTS_URL.to_string()),
        ]);
        (env, table)
    }

    /// The trail item of `event_id` at `provider`, as attribute name → text.
    pub async fn trail(
        table: &str,
        event_id: &str,
        provider: &str,
    ) -> Option<std::collections::BTreeMap<String, String>> {
        use aws_sdk_dynamodb::types::AttributeValue;
        let item = moto()
            .item(table, &format!("trail#{event_id}#{provider}"))
            .await?;
        Some(
            item.into_iter()
                .filter_map(|(name, value)| match value {
                    AttributeValue::S(s) | AttributeValue::N(s) => Some((name, s)),
                    _ => None,
                })
                .collect(),
        )
    }
}
