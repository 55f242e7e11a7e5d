//! What `doctor` reads: the pool's triggers, key and SMS role (DescribeUserPool),
//! the function (GetFunctionConfiguration) and its resource policy (GetPolicy),
//! the key's policy (GetKeyPolicy), and what the function's own environment makes
//! of its configuration: `switchboard check-config --lambda` run with it. Reading
//! never fails past the pool: what cannot be read is kept as the reason, and the
//! checks report it.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_lambda::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::cli::check_config::POOL_REFUSED;
use crate::cognito::decrypt::kms_client_for;
use crate::cognito::key_arn::KeyArn;

/// A custom sender trigger as the pool has it.
#[derive(Debug, Clone)]
pub struct Trigger {
    /// The function (or version, or alias) Cognito invokes.
    pub lambda_arn: String,
    /// `V1_0` is the only version of the custom sender event.
    pub version: String,
}

/// The pool's SMS configuration: the role Cognito uses for SNS.
#[derive(Debug, Clone)]
pub struct SmsRole {
    /// `SnsCallerArn`.
    pub role_arn: String,
    /// `ExternalId`, which the role's trust policy can require.
    pub external_id: Option<String>,
}

/// The function the pool should invoke.
#[derive(Debug, Clone)]
pub struct Function {
    /// Its ARN as Lambda reports it.
    pub arn: String,
    /// Its environment variables (values are never printed).
    pub environment: BTreeMap<String, String>,
}

/// `check-config --lambda --user-pool …` with the function's environment.
#[derive(Debug, Clone)]
pub enum ConfigRun {
    /// The configuration loads and decrypts the pool's codes.
    Passed,
    /// The configuration does not load: the error.
    Failed(String),
    /// It loads, but refuses the pool or its key: why.
    PoolRefused(String),
}

/// Everything the checks look at.
#[derive(Debug, Clone)]
pub struct Wiring {
    /// The user pool ID.
    pub pool_id: String,
    /// Its ARN: the `aws:SourceArn` of Cognito's calls.
    pub pool_arn: String,
    /// `LambdaConfig.CustomEmailSender`.
    pub email_sender: Option<Trigger>,
    /// `LambdaConfig.CustomSMSSender`.
    pub sms_sender: Option<Trigger>,
    /// `LambdaConfig.KMSKeyID`.
    pub key_id: Option<String>,
    /// `SmsConfiguration`.
    pub sms_role: Option<SmsRole>,
    /// The function checked, or why it could not be read.
    pub function: Result<Function, String>,
    /// What the resource policy is read from: what the triggers invoke, else the
    /// function checked.
    pub policy_target: Option<String>,
    /// Its resource policy (`None`: it has none).
    pub resource_policy: Result<Option<String>, String>,
    /// The key's policy; `None` without a key.
    pub key_policy: Option<Result<String, String>>,
    /// The configuration as the function loads it; `None` without the function.
    pub configuration: Option<ConfigRun>,
}

/// Reads the pool `pool_id` and what it points at (`function` overrides the
/// function its triggers name).
pub async fn read(
    aws: &SdkConfig,
    pool_id: &str,
    function: Option<&str>,
) -> anyhow::Result<Wiring> {
    let cognito = aws_sdk_cognitoidentityprovider::Client::new(aws);
    let pool = cognito
        .describe_user_pool()
        .user_pool_id(pool_id)
        .send()
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot read user pool `{pool_id}` (cognito-idp:DescribeUserPool): {}; check the pool ID, the region (AWS_REGION) and the credentials",
                brief(&e)
            )
        })?
        .user_pool
        .ok_or_else(|| anyhow::anyhow!("DescribeUserPool returned no pool for `{pool_id}`"))?;
    let pool_arn = pool
        .arn()
        .ok_or_else(|| anyhow::anyhow!("DescribeUserPool returned no ARN for `{pool_id}`"))?
        .to_string();
    let lambda_config = pool.lambda_config();
    let email_sender = lambda_config
        .and_then(|c| c.custom_email_sender())
        .map(|t| Trigger {
            lambda_arn: t.lambda_arn().to_string(),
            version: t.lambda_version().as_str().to_string(),
        });
    let sms_sender = lambda_config
        .and_then(|c| c.custom_sms_sender())
        .map(|t| Trigger {
            lambda_arn: t.lambda_arn().to_string(),
            version: t.lambda_version().as_str().to_string(),
        });
    let key_id = lambda_config
        .and_then(|c| c.kms_key_id())
        .map(str::to_string);
    let sms_role = pool.sms_configuration().map(|c| SmsRole {
        role_arn: c.sns_caller_arn().to_string(),
        external_id: c.external_id().map(str::to_string),
    });

    // What Cognito invokes, else what the user names.
    let invoked = email_sender
        .as_ref()
        .or(sms_sender.as_ref())
        .map(|t| t.lambda_arn.clone());
    let lambda = aws_sdk_lambda::Client::new(aws);
    let function = match function.map(str::to_string).or(invoked.clone()) {
        Some(name) => read_function(&lambda, &name).await,
        None => Err("the pool names no function; pass --function NAME".to_string()),
    };
    let policy_target = invoked.or(function.as_ref().ok().map(|f| f.arn.clone()));
    let resource_policy = match &policy_target {
        Some(target) => read_resource_policy(&lambda, target).await,
        None => Err("no function to read it from".to_string()),
    };
    let key_policy = match &key_id {
        Some(key) => Some(read_key_policy(aws, key).await),
        None => None,
    };
    let configuration = match &function {
        Ok(function) => Some(run_check_config(function, pool_id, key_id.as_deref()).await),
        Err(_) => None,
    };
    Ok(Wiring {
        pool_id: pool_id.to_string(),
        pool_arn,
        email_sender,
        sms_sender,
        key_id,
        sms_role,
        function,
        policy_target,
        resource_policy,
        key_policy,
        configuration,
    })
}

async fn read_function(lambda: &aws_sdk_lambda::Client, name: &str) -> Result<Function, String> {
    let config = lambda
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
        .map_err(|e| {
            format!(
                "cannot read function `{name}` (lambda:GetFunctionConfiguration): {}",
                brief(&e)
            )
        })?;
    Ok(Function {
        arn: config.function_arn().unwrap_or(name).to_string(),
        environment: config
            .environment()
            .and_then(|e| e.variables())
            .map(|vars| vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
    })
}

async fn read_resource_policy(
    lambda: &aws_sdk_lambda::Client,
    target: &str,
) -> Result<Option<String>, String> {
    match lambda.get_policy().function_name(target).send().await {
        Ok(answer) => Ok(answer.policy),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(format!(
            "cannot read the resource policy of `{target}` (lambda:GetPolicy): {}",
            brief(&e)
        )),
    }
}

async fn read_key_policy(aws: &SdkConfig, key: &str) -> Result<String, String> {
    // The key's own region; what is not a key ARN is asked in the caller's.
    let kms = match key.parse::<KeyArn>() {
        Ok(arn) => kms_client_for(&arn, aws),
        Err(_) => aws_sdk_kms::Client::new(aws),
    };
    let answer = kms
        .get_key_policy()
        .key_id(key)
        .policy_name("default")
        .send()
        .await
        .map_err(|e| {
            format!(
                "cannot read the key policy of `{key}` (kms:GetKeyPolicy): {}",
                brief(&e)
            )
        })?;
    answer
        .policy
        .ok_or_else(|| format!("GetKeyPolicy returned no policy for `{key}`"))
}

/// Runs this binary's `check-config --lambda` with the function's environment (and
/// the caller's AWS credentials, in the function's region), as its cold start
/// would load it.
async fn run_check_config(function: &Function, pool_id: &str, key_id: Option<&str>) -> ConfigRun {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return ConfigRun::Failed(format!("cannot find this program to run it: {e}")),
    };
    let mut command = tokio::process::Command::new(exe);
    command.args(["check-config", "--lambda", "--user-pool", pool_id]);
    if let Some(key) = key_id {
        command.args(["--key-arn", key]);
    }
    command
        .env_clear()
        .envs(std::env::vars().filter(|(key, _)| passes_through(key)));
    command.envs(&function.environment);
    if let Some(region) = function.arn.split(':').nth(3) {
        command.env("AWS_REGION", region);
    }
    let output = match command.output().await {
        Ok(output) => output,
        Err(e) => return ConfigRun::Failed(format!("cannot run check-config: {e}")),
    };
    if output.status.success() {
        return ConfigRun::Passed;
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let error = stderr
        .lines()
        .filter_map(|line| line.strip_prefix("error: "))
        .next_back()
        .unwrap_or(stderr.trim())
        .to_string();
    match error.strip_prefix(POOL_REFUSED) {
        Some(refusal) => ConfigRun::PoolRefused(refusal.trim().to_string()),
        None => ConfigRun::Failed(error),
    }
}

/// The caller's variables the check keeps: how to reach AWS, never Lambda's own
/// (`AWS_LAMBDA_RUNTIME_API` would start the function) nor `SWITCHBOARD_*`.
fn passes_through(key: &str) -> bool {
    (key.starts_with("AWS_") && !key.starts_with("AWS_LAMBDA_"))
        || matches!(key, "HOME" | "PATH" | "SSL_CERT_FILE" | "SSL_CERT_DIR")
}

/// AWS's error code and message (`AccessDeniedException: …`); the whole chain
/// only when AWS did not answer (a timeout, no credentials).
fn brief<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => DisplayErrorContext(error).to_string(),
    }
}
