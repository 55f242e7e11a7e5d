//! The checks, each a pure function of what was read ([`Wiring`]): one line
//! each, with the fix when it fails.

use super::policy::{self, Grant, Request};
use super::wiring::{ConfigRun, Trigger, Wiring};
use crate::cognito::key_arn::KeyArn;

const COGNITO: &str = "cognito-idp.amazonaws.com";
const ATTACH: &str = "follow docs/deploy.md, \"Attaching to an existing user pool\" (UpdateUserPool resets every setting it is not given)";

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It holds: what was found.
    Ok(String),
    /// It does not: what is wrong and how to fix it.
    Fail {
        /// What is wrong.
        problem: String,
        /// What to do.
        fix: String,
    },
    /// It could not be checked because of another check's failure.
    NotChecked(String),
}

/// A named check.
#[derive(Debug, Clone)]
pub struct Check {
    /// What is checked.
    pub name: &'static str,
    /// How it went.
    pub outcome: Outcome,
}

impl Check {
    /// Whether it passed.
    pub fn passed(&self) -> bool {
        matches!(self.outcome, Outcome::Ok(_))
    }
}

fn fail(problem: impl Into<String>, fix: impl Into<String>) -> Outcome {
    Outcome::Fail {
        problem: problem.into(),
        fix: fix.into(),
    }
}

/// Every check, in the order a reader fixes them.
pub fn all(wiring: &Wiring) -> Vec<Check> {
    let check = |name, outcome| Check { name, outcome };
    vec![
        check(
            "CustomEmailSender",
            trigger(wiring, wiring.email_sender.as_ref(), "email"),
        ),
        check(
            "CustomSMSSender",
            trigger(wiring, wiring.sms_sender.as_ref(), "SMS"),
        ),
        check("KMSKeyID", key_arn(wiring)),
        check("invoke permission", invoke_permission(wiring)),
        check("key policy", key_policy(wiring)),
        check("configuration", configuration(wiring)),
        check("decrypt keys", decrypt_keys(wiring)),
        check("SMS role", sms_role(wiring)),
    ]
}

/// `arn:aws:lambda:REGION:ACCOUNT:function:NAME`, without a version or alias.
fn unqualified(arn: &str) -> &str {
    match arn.match_indices(':').nth(6) {
        Some((end, _)) => &arn[..end],
        None => arn,
    }
}

fn trigger(wiring: &Wiring, trigger: Option<&Trigger>, channel: &str) -> Outcome {
    let Some(trigger) = trigger else {
        return fail(
            format!("not set: Cognito sends every {channel} message itself, without Switchboard"),
            format!("set it to the function with LambdaVersion V1_0: {ATTACH}"),
        );
    };
    if trigger.version != "V1_0" {
        return fail(
            format!(
                "LambdaVersion is `{}`; the custom sender event exists only as V1_0",
                trigger.version
            ),
            format!("set LambdaVersion to V1_0: {ATTACH}"),
        );
    }
    match &wiring.function {
        Ok(function) if unqualified(&trigger.lambda_arn) != unqualified(&function.arn) => fail(
            format!(
                "invokes {}, not the function checked ({})",
                trigger.lambda_arn, function.arn
            ),
            format!("point it at {}: {ATTACH}", unqualified(&function.arn)),
        ),
        Ok(_) => Outcome::Ok(format!("{} (LambdaVersion V1_0)", trigger.lambda_arn)),
        Err(why) => fail(
            format!("names {}, which {why}", trigger.lambda_arn),
            "deploy the function, or point the trigger at the deployed one; doctor needs lambda:GetFunctionConfiguration",
        ),
    }
}

fn key_arn(wiring: &Wiring) -> Outcome {
    match &wiring.key_id {
        None => fail(
            "LambdaConfig has no KMSKeyID: Cognito cannot encrypt a code for a custom sender",
            format!("set it to the stack's KeyArn output: {ATTACH}"),
        ),
        Some(key) if key.parse::<KeyArn>().is_err() => fail(
            format!("`{key}` is not a key ARN"),
            format!("use the key's full ARN, arn:aws:kms:REGION:ACCOUNT:key/ID, not an alias or a key ID: {ATTACH}"),
        ),
        Some(key) => Outcome::Ok(key.clone()),
    }
}

fn request<'a>(wiring: &'a Wiring, action: &'a str) -> Request<'a> {
    Request {
        service: COGNITO,
        action,
        source_arn: &wiring.pool_arn,
        source_account: wiring.pool_arn.split(':').nth(4).unwrap_or_default(),
    }
}

fn invoke_permission(wiring: &Wiring) -> Outcome {
    let target = wiring.policy_target.as_deref().unwrap_or("FUNCTION");
    let fix = format!(
        "aws lambda add-permission --function-name {target} --statement-id cognito-{} --action lambda:InvokeFunction --principal {COGNITO} --source-arn {}",
        wiring.pool_id, wiring.pool_arn
    );
    let policy = match &wiring.resource_policy {
        Err(why) => return fail(why.clone(), "doctor needs lambda:GetPolicy on the function"),
        Ok(None) => {
            return fail(
                "the function has no resource policy: Lambda refuses Cognito's invocation",
                fix,
            )
        }
        Ok(Some(policy)) => policy,
    };
    match policy::evaluate(policy, &request(wiring, "lambda:InvokeFunction")) {
        Ok(Grant::ForThisSource(sid)) => {
            Outcome::Ok(format!("{sid} lets {COGNITO} invoke it for this pool"))
        }
        Ok(Grant::ForAnySource(sid)) => fail(
            format!("{sid} lets {COGNITO} invoke it for any pool, in any account (no aws:SourceArn condition)"),
            format!("remove that statement (aws lambda remove-permission) and add one for this pool: {fix}"),
        ),
        Ok(Grant::Refused(why)) => fail(format!("Cognito may not invoke it: {why}"), fix),
        Err(why) => fail(why, fix),
    }
}

fn key_policy(wiring: &Wiring) -> Outcome {
    let policy = match &wiring.key_policy {
        None => return Outcome::NotChecked("the pool has no KMSKeyID".into()),
        Some(Err(why)) => return fail(why.clone(), "doctor needs kms:GetKeyPolicy on the key"),
        Some(Ok(policy)) => policy,
    };
    let fix = format!(
        "add a statement to the key policy allowing Principal {{\"Service\": \"{COGNITO}\"}} kms:CreateGrant with condition ArnLike aws:SourceArn {} (infra/sam/template.yaml, CognitoCreatesGrantsForThePool); put-key-policy replaces the whole policy, so start from get-key-policy",
        wiring.pool_arn
    );
    match policy::evaluate(policy, &request(wiring, "kms:CreateGrant")) {
        Ok(Grant::ForThisSource(sid)) => {
            Outcome::Ok(format!("{sid} lets Cognito create grants for this pool"))
        }
        Ok(Grant::ForAnySource(sid)) => Outcome::Ok(format!(
            "{sid} lets Cognito create grants (for any pool: consider an aws:SourceArn condition)"
        )),
        Ok(Grant::Refused(why)) => fail(
            format!("Cognito may not use the key (kms:CreateGrant): {why}; every code it would encrypt fails"),
            fix,
        ),
        Err(why) => fail(why, fix),
    }
}

fn configuration(wiring: &Wiring) -> Outcome {
    let variables = match &wiring.function {
        Ok(function) => function.environment.len(),
        Err(_) => return Outcome::NotChecked("the function could not be read".into()),
    };
    match &wiring.configuration {
        Some(ConfigRun::Passed | ConfigRun::PoolRefused(_)) => Outcome::Ok(format!(
            "check-config --lambda passes with the function's {variables} environment variables"
        )),
        Some(ConfigRun::Failed(error)) => fail(
            format!("with the function's environment, check-config --lambda fails: {error}"),
            "correct the function's environment (or the configuration it names) and deploy it; every invocation fails until then",
        ),
        None => Outcome::NotChecked("the function could not be read".into()),
    }
}

fn decrypt_keys(wiring: &Wiring) -> Outcome {
    match &wiring.configuration {
        Some(ConfigRun::Passed) => match &wiring.key_id {
            Some(key) if key.parse::<KeyArn>().is_ok() => Outcome::Ok(format!(
                "the function decrypts this pool's codes under {key}"
            )),
            _ => Outcome::NotChecked("the pool has no usable KMSKeyID".into()),
        },
        Some(ConfigRun::PoolRefused(why)) => fail(
            why.clone(),
            "set SWITCHBOARD_DECRYPT__KEY_ARN (during a rotation, SWITCHBOARD_DECRYPT__KEY_ARNS) and SWITCHBOARD_DECRYPT__USER_POOLS on the function to the pool's KMSKeyID and ID",
        ),
        Some(ConfigRun::Failed(_)) | None => {
            Outcome::NotChecked("the function's configuration does not load".into())
        }
    }
}

fn sms_role(wiring: &Wiring) -> Outcome {
    if wiring.sms_sender.is_none() {
        return Outcome::NotChecked("the pool has no CustomSMSSender".into());
    }
    let fix = format!(
        "aws cognito-idp update-user-pool ... --sms-configuration SnsCallerArn=ROLE_ARN,ExternalId=ID with the stack's SmsRoleArn and SmsExternalId outputs: {ATTACH}"
    );
    let Some(role) = &wiring.sms_role else {
        return fail(
            "the pool has no SMS configuration: a CustomSMSSender needs Cognito's SNS caller role",
            fix,
        );
    };
    // arn:PARTITION:iam::ACCOUNT:role/NAME
    let parts: Vec<&str> = role.role_arn.split(':').collect();
    let is_role =
        parts.len() == 6 && parts[0] == "arn" && parts[2] == "iam" && parts[5].starts_with("role/");
    if !is_role {
        return fail(
            format!("SnsCallerArn `{}` is not an IAM role ARN", role.role_arn),
            fix,
        );
    }
    match &role.external_id {
        Some(id) if !id.is_empty() => Outcome::Ok(format!("{} (ExternalId {id})", role.role_arn)),
        _ => Outcome::Ok(format!(
            "{} (no ExternalId: the role's trust policy cannot require one)",
            role.role_arn
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_or_alias_names_the_same_function() {
        let function = "arn:aws:lambda:us-east-1:111122223333:function:switchboard";
        assert_eq!(unqualified(&format!("{function}:live")), function);
        assert_eq!(unqualified(function), function);
        assert_ne!(
            unqualified("arn:aws:lambda:us-east-1:111122223333:function:other"),
            function
        );
    }
}
