//! A moto server (KMS, Cognito, SES, SNS, …) per test binary.

use std::io::Read;
use std::net::TcpStream;
use std::process::Child;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// An AWS SDK configuration for `endpoint` in us-east-1 with fake credentials.
pub fn sdk_config_at(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new(
                    "testing",
                    "testing",
                    None,
                    None,
                    "switchboard-tests",
                ),
            ),
        )
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build()
}

/// An AWS SDK configuration whose endpoint nobody listens on (connections are
/// refused), with the SDK's retries off.
pub fn unreachable_sdk_config() -> aws_config::SdkConfig {
    sdk_config_at(&format!("http://127.0.0.1:{}", crate::REFUSED_PORT))
        .to_builder()
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .build()
}

/// An AWS SDK configuration for us-east-1 without an endpoint or credentials:
/// enough to build clients, for tests that never send.
pub fn offline_sdk_config() -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .region(aws_config::Region::new("us-east-1"))
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build()
}

/// A running moto server.
pub struct Moto {
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    /// Only [`lambda_moto`]'s server may hold Lambda functions (see there).
    hosts_lambda_functions: bool,
    _guard: Child,
}

/// The moto server of this test binary, started on first use and stopped when
/// the test process exits.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(start)
}

/// A moto server for tests that create Lambda functions: once one exists, moto's
/// `/moto-api/data.json` (which other tests read to see what was sent) answers 500
/// for good, so a test that reads it fails or passes by the order tests run in.
/// [`Moto::aws_cli`] refuses `lambda create-function` on the other servers.
pub fn lambda_moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| Moto {
        hosts_lambda_functions: true,
        ..start()
    })
}

/// A second moto server that answers one request at a time. moto's DynamoDB has
/// no locks, so its threaded server can interleave two conditional writes to one
/// item, which DynamoDB itself never does (writes to an item are serialised).
/// Tests about concurrent conditional writes use this one: the clients still
/// race, the server applies each write whole, as DynamoDB does.
pub fn serial_moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| {
        let python = crate::python();
        start_with(&format!(
            "{python} -c 'import sys; from werkzeug.serving import run_simple; \
             from moto.server import DomainDispatcherApplication, create_backend_app; \
             run_simple(\"127.0.0.1\", int(sys.argv[1]), \
             DomainDispatcherApplication(create_backend_app), threaded=False)' PORT"
        ))
    })
}

fn start() -> Moto {
    crate::require_program("moto_server", "pip install 'moto[server]'");
    start_with("moto_server -H 127.0.0.1 -p PORT")
}

/// Starts `command` with `PORT` replaced by a free port.
fn start_with(command: &str) -> Moto {
    let port = crate::free_port();
    let guard = crate::spawn_guarded(&format!(
        "{} >/dev/null 2>&1",
        command.replace("PORT", &port.to_string())
    ));
    let endpoint = format!("http://127.0.0.1:{port}");
    wait_until_ready(port);
    Moto {
        endpoint,
        hosts_lambda_functions: false,
        _guard: guard,
    }
}

fn wait_until_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            use std::io::Write;
            let _ = stream.write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: localhost\r\n\r\n");
            let mut reply = [0u8; 12];
            if stream.read_exact(&mut reply).is_ok() && reply.starts_with(b"HTTP/1") {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("moto_server did not answer on 127.0.0.1:{port} within 30 s");
}

impl Moto {
    /// An AWS SDK configuration pointing at this server with fake credentials.
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        sdk_config_at(&self.endpoint)
    }

    /// Environment for a child process (the Python SDK, the CLI) to reach this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_DEFAULT_REGION", "us-east-1".into()),
            ("AWS_REGION", "us-east-1".into()),
        ]
    }

    /// Runs the AWS CLI (`aws ARGS --output json`) against this server and returns
    /// its answer (`null` for none); fails the test when the command fails.
    pub fn aws_cli(&self, args: &[&str]) -> serde_json::Value {
        assert!(
            self.hosts_lambda_functions || !args.starts_with(&["lambda", "create-function"]),
            "a Lambda function on this moto server breaks its /moto-api/data.json for \
             every other test of the binary: create it on moto::lambda_moto()"
        );
        let output = std::process::Command::new("aws")
            .args(["--endpoint-url", &self.endpoint])
            .args(args)
            .args(["--output", "json"])
            .envs(self.env())
            .output()
            .expect("the AWS CLI (./scripts/test installs it)");
        let stdout = crate::stdout_of(&output);
        serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null)
    }

    /// Creates a symmetric KMS key and returns its ARN.
    pub async fn create_kms_key(&self) -> String {
        let kms = aws_sdk_kms::Client::new(&self.sdk_config());
        let key = kms
            .create_key()
            .description("switchboard test key")
            .send()
            .await
            .expect("moto CreateKey");
        key.key_metadata()
            .expect("key metadata")
            .arn()
            .expect("key ARN")
            .to_string()
    }

    /// A KMS client on this server.
    pub fn kms(&self) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::new(&self.sdk_config())
    }
}

impl Moto {
    /// moto's record of everything it received (`/moto-api/data.json`).
    pub async fn data(&self) -> serde_json::Value {
        model_data(&self.endpoint).await
    }
}

/// `/moto-api/data.json` of the moto server at `endpoint`; a failure names
/// moto's answer (a 500 means something on the server breaks the dump, such as
/// a Lambda function: see [`lambda_moto`]).
async fn model_data(endpoint: &str) -> serde_json::Value {
    let url = format!("{endpoint}/moto-api/data.json");
    let response = reqwest::get(&url).await.expect("moto data");
    let status = response.status();
    let body = response.text().await.expect("moto data body");
    match serde_json::from_str(&body) {
        Ok(data) if status.is_success() => data,
        _ => panic!(
            "moto's {url} did not answer JSON: {status}: {}",
            body.chars().take(300).collect::<String>()
        ),
    }
}

impl Moto {
    /// The item `id` = `key` of `table`, read consistently.
    pub async fn item(
        &self,
        table: &str,
        key: &str,
    ) -> Option<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        aws_sdk_dynamodb::Client::new(&self.sdk_config())
            .get_item()
            .table_name(table)
            .key(
                "id",
                aws_sdk_dynamodb::types::AttributeValue::S(key.to_string()),
            )
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item()
            .cloned()
    }

    /// Creates an idempotency table (partition key `id`, string) and returns its name.
    pub async fn create_idempotency_table(&self) -> String {
        self.create_table("switchboard-idempotency", &[]).await
    }

    /// A fresh trail table as the deployments define it: key `id`, and the
    /// indexes `by_recipient` (`recipient`, `at`) and `by_hour` (`hour`, `at`)
    /// that `switchboard status --to/--user/--since` query.
    pub async fn create_receipts_table(&self) -> String {
        self.create_table("switchboard-receipts", &["recipient", "hour"])
            .await
    }

    /// A table `prefix-…` with partition key `id` (string), TTL-less, and for
    /// each of `indexes` a global index `by_{name}` on (`name` string, `at` number).
    async fn create_table(&self, prefix: &str, indexes: &[&str]) -> String {
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
            Projection, ProjectionType, ScalarAttributeType as Type,
        };
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "{prefix}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let attribute = |name: &str, kind: Type| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(kind)
                .build()
                .unwrap()
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .unwrap()
        };
        let mut create = aws_sdk_dynamodb::Client::new(&self.sdk_config())
            .create_table()
            .table_name(&name)
            .attribute_definitions(attribute("id", Type::S))
            .key_schema(key("id", KeyType::Hash))
            .billing_mode(BillingMode::PayPerRequest);
        if !indexes.is_empty() {
            create = create.attribute_definitions(attribute("at", Type::N));
        }
        for index in indexes {
            let projection = Projection::builder()
                .projection_type(ProjectionType::All)
                .build();
            create = create
                .attribute_definitions(attribute(index, Type::S))
                .global_secondary_indexes(
                    GlobalSecondaryIndex::builder()
                        .index_name(format!("by_{index}"))
                        .key_schema(key(index, KeyType::Hash))
                        .key_schema(key("at", KeyType::Range))
                        .projection(projection)
                        .build()
                        .unwrap(),
                );
        }
        create.send().await.expect("CreateTable");
        name
    }
}

#[cfg(test)]
mod tests {
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn unstarted_moto(hosts_lambda_functions: bool) -> super::Moto {
        super::Moto {
            endpoint: format!("http://127.0.0.1:{}", crate::free_port()),
            hosts_lambda_functions,
            _guard: std::process::Command::new("true").spawn().expect("true"),
        }
    }

    #[test]
    #[should_panic(expected = "create it on moto::lambda_moto()")]
    fn the_shared_server_refuses_lambda_functions() {
        unstarted_moto(false).aws_cli(&["lambda", "create-function", "--function-name", "f"]);
    }

    #[tokio::test]
    #[should_panic(
        expected = "did not answer JSON: 500 Internal Server Error: <title>500 Internal Server Error</title>"
    )]
    async fn model_data_names_what_moto_answered() {
        let server = MockServer::start().await;
        Mock::given(path("/moto-api/data.json"))
            .respond_with(
                ResponseTemplate::new(500)
                    .set_body_string("<title>500 Internal Server Error</title>"),
            )
            .mount(&server)
            .await;

        super::model_data(&server.uri()).await;
    }

    #[tokio::test]
    async fn model_data_returns_moto_s_record() {
        let server = MockServer::start().await;
        Mock::given(path("/moto-api/data.json"))
            .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"sns": {"SMS": []}}"#))
            .mount(&server)
            .await;

        let data = super::model_data(&server.uri()).await;

        assert_eq!(data["sns"]["SMS"], serde_json::json!([]));
    }
}
