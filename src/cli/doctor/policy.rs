//! Reads a resource policy (a Lambda function's, a KMS key's) for one question:
//! may this service principal take this action for this source? Only what the
//! wiring needs: `Allow` and `Deny` statements, a `Principal` that is `*` or names
//! the service, `Action` with wildcards, and the `aws:SourceArn` and
//! `aws:SourceAccount` conditions. Other condition keys are taken to hold: the
//! answer is what the policy allows at most.

use serde_json::Value;
use wildmatch::WildMatch;

/// What is asked of a policy.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The calling service, e.g. `cognito-idp.amazonaws.com`.
    pub service: &'a str,
    /// The action, e.g. `lambda:InvokeFunction`.
    pub action: &'a str,
    /// The caller's source: the user pool's ARN.
    pub source_arn: &'a str,
    /// The source's account.
    pub source_account: &'a str,
}

/// The policy's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// A statement allows it for this source (its `Sid`, when it has one).
    ForThisSource(String),
    /// A statement allows it for any source: it has no `aws:SourceArn` condition.
    ForAnySource(String),
    /// Nothing allows it, or a statement denies it: why.
    Refused(String),
}

/// How a statement's conditions meet the request.
enum Conditions {
    /// They hold, and one names the source ARN.
    HoldForSource,
    /// They hold, with no source ARN named.
    HoldForAnySource,
    /// One does not hold: which.
    Fail(String),
}

/// Evaluates `policy` (the JSON text AWS returns) for `request`.
pub fn evaluate(policy: &str, request: &Request) -> Result<Grant, String> {
    let policy: Value =
        serde_json::from_str(policy).map_err(|e| format!("the policy is not JSON: {e}"))?;
    let mut allowed_for_any = None;
    let mut misses = Vec::new();
    let mut allowed = None;
    for (index, statement) in one_or_many(&policy["Statement"]).into_iter().enumerate() {
        if !principal_matches(&statement["Principal"], request.service)
            || !action_matches(&statement["Action"], request.action)
        {
            continue;
        }
        let sid = match statement["Sid"].as_str() {
            Some(sid) if !sid.is_empty() => format!("statement `{sid}`"),
            _ => format!("statement {}", index + 1),
        };
        let conditions = conditions(&statement["Condition"], request);
        match (statement["Effect"].as_str(), conditions) {
            (Some("Deny"), Conditions::Fail(_)) => {}
            (Some("Deny"), _) => return Ok(Grant::Refused(format!("{sid} denies it"))),
            (Some("Allow"), Conditions::HoldForSource) => allowed = allowed.or(Some(sid)),
            (Some("Allow"), Conditions::HoldForAnySource) => {
                allowed_for_any = allowed_for_any.or(Some(sid))
            }
            (Some("Allow"), Conditions::Fail(why)) => misses.push(format!("{sid} {why}")),
            _ => {}
        }
    }
    Ok(match (allowed, allowed_for_any) {
        (Some(sid), _) => Grant::ForThisSource(sid),
        (None, Some(sid)) => Grant::ForAnySource(sid),
        (None, None) if misses.is_empty() => Grant::Refused(format!(
            "no statement allows {} to {}",
            request.service, request.action
        )),
        (None, None) => Grant::Refused(misses.join("; ")),
    })
}

fn one_or_many(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        one => vec![one],
    }
}

fn texts(value: &Value) -> Vec<&str> {
    one_or_many(value)
        .into_iter()
        .filter_map(Value::as_str)
        .collect()
}

fn principal_matches(principal: &Value, service: &str) -> bool {
    match principal {
        Value::String(any) => any == "*",
        Value::Object(kinds) => {
            kinds
                .get("Service")
                .is_some_and(|names| texts(names).contains(&service))
                || kinds
                    .get("AWS")
                    .is_some_and(|names| texts(names).contains(&"*"))
        }
        _ => false,
    }
}

/// IAM matches actions without regard to case, with `*` and `?` wildcards.
fn action_matches(actions: &Value, action: &str) -> bool {
    let action = action.to_ascii_lowercase();
    texts(actions)
        .into_iter()
        .any(|pattern| WildMatch::new(&pattern.to_ascii_lowercase()).matches(&action))
}

fn conditions(conditions: &Value, request: &Request) -> Conditions {
    let mut names_source = false;
    let Some(operators) = conditions.as_object() else {
        return Conditions::HoldForAnySource;
    };
    for (operator, keys) in operators {
        let Some(keys) = keys.as_object() else {
            continue;
        };
        for (key, values) in keys {
            let actual = match key.to_ascii_lowercase().as_str() {
                "aws:sourcearn" => request.source_arn,
                "aws:sourceaccount" => request.source_account,
                _ => continue,
            };
            let values = texts(values);
            if !values
                .iter()
                .any(|value| operator_holds(operator, value, actual))
            {
                return Conditions::Fail(format!(
                    "allows it only for {key} {} (this pool: {actual})",
                    values.join(", ")
                ));
            }
            names_source |= key.eq_ignore_ascii_case("aws:SourceArn");
        }
    }
    if names_source {
        Conditions::HoldForSource
    } else {
        Conditions::HoldForAnySource
    }
}

/// `ArnLike`/`StringLike` take wildcards; the `Equals` forms compare the text.
fn operator_holds(operator: &str, pattern: &str, actual: &str) -> bool {
    let operator = operator.rsplit(':').next().unwrap_or(operator);
    if operator.ends_with("Like") {
        WildMatch::new(pattern).matches(actual)
    } else {
        pattern == actual
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const POOL: &str = "arn:aws:cognito-idp:us-east-1:111122223333:userpool/us-east-1_Abc";

    fn ask(policy: Value, action: &str) -> Grant {
        let request = Request {
            service: "cognito-idp.amazonaws.com",
            action,
            source_arn: POOL,
            source_account: "111122223333",
        };
        evaluate(&policy.to_string(), &request).unwrap()
    }

    fn statement(condition: Value) -> Value {
        json!({"Statement": [{"Sid": "Cognito", "Effect": "Allow",
            "Principal": {"Service": "cognito-idp.amazonaws.com"},
            "Action": "lambda:InvokeFunction", "Resource": "*", "Condition": condition}]})
    }

    #[test]
    fn a_source_arn_condition_names_the_pool_or_another() {
        let this = statement(json!({"ArnLike": {"AWS:SourceArn": POOL}}));
        assert_eq!(
            ask(this, "lambda:InvokeFunction"),
            Grant::ForThisSource("statement `Cognito`".into())
        );
        let wildcard = statement(
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:cognito-idp:us-east-1:111122223333:userpool/*"}}),
        );
        assert!(matches!(
            ask(wildcard, "lambda:InvokeFunction"),
            Grant::ForThisSource(_)
        ));
        let other = statement(
            json!({"ArnEquals": {"aws:SourceArn": "arn:aws:cognito-idp:us-east-1:111122223333:userpool/us-east-1_Other"}}),
        );
        let Grant::Refused(why) = ask(other, "lambda:InvokeFunction") else {
            panic!("another pool's permission does not serve this one");
        };
        assert!(
            why.contains("us-east-1_Other") && why.contains("us-east-1_Abc"),
            "{why}"
        );
        let account = statement(json!({"StringEquals": {"aws:SourceAccount": "444455556666"}}));
        assert!(matches!(
            ask(account, "lambda:InvokeFunction"),
            Grant::Refused(_)
        ));
    }

    #[test]
    fn no_condition_allows_any_source_and_a_deny_wins() {
        assert_eq!(
            ask(statement(Value::Null), "lambda:InvokeFunction"),
            Grant::ForAnySource("statement `Cognito`".into())
        );
        let mut policy = statement(json!({"ArnLike": {"AWS:SourceArn": POOL}}));
        policy["Statement"]
            .as_array_mut()
            .unwrap()
            .push(json!({"Effect": "Deny", "Principal": "*", "Action": "lambda:*"}));
        assert!(
            matches!(ask(policy, "lambda:InvokeFunction"), Grant::Refused(why) if why.contains("denies"))
        );
    }

    #[test]
    fn actions_match_with_wildcards_and_without_case() {
        let policy = json!({"Statement": {"Effect": "Allow",
            "Principal": {"Service": ["sns.amazonaws.com", "cognito-idp.amazonaws.com"]},
            "Action": ["kms:Create*"]}});
        assert!(matches!(
            ask(policy.clone(), "kms:CreateGrant"),
            Grant::ForAnySource(_)
        ));
        assert!(matches!(ask(policy, "kms:Decrypt"), Grant::Refused(_)));
        let root_only = json!({"Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*"}]});
        assert!(matches!(
            ask(root_only, "KMS:CreateGrant"),
            Grant::Refused(_)
        ));
    }
}
