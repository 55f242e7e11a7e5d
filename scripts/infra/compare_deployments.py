#!/usr/bin/env python3
"""SAM, Terraform and CDK deploy the same functions: compares what each gives them — the
sender's and the receipts function's environment keys, the IAM actions of their roles
and of Cognito's SMS role (managed policies by name), and the alarms' names (without the deployment's prefix) —
with every option on, and fails on a difference that infra/deployments-compared.toml
does not list as intended, or on a listed one that no longer exists.

    compare_deployments.py --terraform STATE.json --sam TEMPLATE --cdk TEMPLATE.json

STATE.json is `terraform show -json` of the every-option example applied; TEMPLATE the
SAM template (transformed here with every option set); TEMPLATE.json the CDK example
app synthesized with -c everyOption=true.
"""
import argparse
import json
import os
import sys
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_policies import listed, resolved, statements  # noqa: E402
from check_sam_graph import evaluate, load, transformed  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LISTED = os.path.join(ROOT, "infra", "deployments-compared.toml")
DEPLOYMENTS = ("sam", "terraform", "cdk")

# The Terraform example every-option's inputs, as SAM parameters.
SAM_EVERY_OPTION = {
    "ProductName": "Acme", "EmailFrom": "Acme <no-reply@acme.com>", "EmailReplyTo": "help@acme.com",
    "SmsProviders": "sns,aws_sms", "ConfigParameterName": "/switchboard/every-option/config",
    "SecretArns": "arn:aws:secretsmanager:us-east-1:123456789012:secret:switchboard/every-option",
    "SsmParameterArns": "arn:aws:ssm:us-east-1:123456789012:parameter/switchboard/keys",
    "SesRegion": "us-east-1", "SesFromArn": "arn:aws:ses:us-east-1:123456789012:identity/acme.com",
    "UseAwsSms": "true", "AwsSmsOriginationIdentity": "pool-0123456789abcdef",
    "AwsSmsConfigurationSet": "cognito-codes", "AwsSmsProtectConfigurationId": "protect-0123456789abcdef",
    "SmsLimitPerNumber": "5", "SmsLimitPerCountry": "500",
    "PreviousKeyArn": "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000001",
    "AttachCustomMessage": "true", "TemplatesLayerArn": "arn:aws:lambda:us-east-1:123456789012:layer:t:1",
    "LogLevel": "DEBUG", "LogRetentionDays": "14", "Tracing": "Active", "ReservedConcurrency": "5",
    "AlarmEmail": "ops@acme.com", "Receipts": "true", "ReceiptsRetentionDays": "14",
    "ReceiptsSecretArns": "arn:aws:secretsmanager:us-east-1:123456789012:secret:switchboard/every-option",
    "ReceiptsReservedConcurrency": "2", "UndeliveredSharePercent": "10",
}


def role_kind(assume_policy, receipts=False):
    """`function` for the sender's role, `receipts` for the receipts function's, `sms`
    for the one Cognito assumes."""
    services = [str(s.get("Principal", {}).get("Service")) for s in statements(assume_policy)]
    if any("lambda.amazonaws.com" in s for s in services):
        return "receipts" if receipts else "function"
    if any("cognito-idp.amazonaws.com" in s for s in services):
        return "sms"
    return None


def actions_of(kind, document):
    return {f"{kind}: {s.get('Effect', 'Allow')} {a}" for s in statements(document) for a in listed(s.get("Action", []))}


def managed(kind, arn):
    """A managed policy by name; `arn` is text once resolved() joined or kept its Sub."""
    return f"{kind}: managed {arn.rsplit('/', 1)[-1]}"


def without_prefix(names):
    """Alarm names without the deployment's name: what follows their common prefix up to a dash."""
    names = sorted(names)
    if len(names) < 2:
        return set(names)
    prefix = os.path.commonprefix(names)
    prefix = prefix[: prefix.rfind("-") + 1]
    return {n[len(prefix):] for n in names}


def from_cloudformation(cfn, values):
    conditions = cfn.get("Conditions", {})
    choose = lambda name: evaluate(conditions[name], conditions, values)  # noqa: E731
    active = {k: r for k, r in cfn["Resources"].items()
              if "Condition" not in r or choose(r["Condition"])}
    functions = [r for r in active.values() if r["Type"] == "AWS::Lambda::Function"]
    env, receipts_roles = set(), set()
    for function in functions:
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        receipts = variables.get("SWITCHBOARD_FUNCTION") == "receipts"
        if receipts:
            receipts_roles.add(function["Properties"]["Role"]["Fn::GetAtt"][0])
        # Only whether the key is set (its Fn::If decided): references stay unresolved.
        env |= {("receipts: " if receipts else "") + name for name, value in variables.items()
                if resolved(value, choose) != {"Ref": "AWS::NoValue"}}
    if len(functions) - len(receipts_roles) != 1:
        sys.exit(f"compare: expected one sender function, found {len(functions) - len(receipts_roles)}")
    kinds, actions = {}, set()
    for logical, r in active.items():
        if r["Type"] == "AWS::IAM::Role":
            props = resolved(r["Properties"], choose)
            kind = role_kind(props["AssumeRolePolicyDocument"], logical in receipts_roles)
            if kind:
                kinds[logical] = kind
                for policy in props.get("Policies", []):
                    actions |= actions_of(kind, policy["PolicyDocument"])
                actions |= {managed(kind, arn) for arn in props.get("ManagedPolicyArns", [])}
    for r in active.values():
        if r["Type"] == "AWS::IAM::Policy":
            props = resolved(r["Properties"], choose)
            for role in props.get("Roles", []):
                if isinstance(role, dict) and role.get("Ref") in kinds:
                    actions |= actions_of(kinds[role["Ref"]], props["PolicyDocument"])
    alarms = set()
    for r in active.values():
        if r["Type"] == "AWS::CloudWatch::Alarm":
            name = r["Properties"].get("AlarmName")
            alarms.add(str(resolved(name, choose)) if name is not None else "(no AlarmName)")
    return {"env": env, "iam": actions, "alarm": without_prefix(alarms)}


def from_terraform(path):
    with open(path) as f:
        state = json.load(f)
    resources = []

    def walk(module):
        resources.extend(module.get("resources", []))
        for child in module.get("child_modules", []):
            walk(child)

    walk(state["values"]["root_module"])
    of = lambda kind: [r["values"] for r in resources if r["type"] == kind and r["mode"] == "managed"]  # noqa: E731
    env, receipts_roles = set(), set()
    for function in of("aws_lambda_function"):
        variables = function["environment"][0]["variables"]
        receipts = variables.get("SWITCHBOARD_FUNCTION") == "receipts"
        if receipts:
            receipts_roles.add(function["role"])
        env |= {("receipts: " if receipts else "") + name for name in variables}
    kinds = {r["name"]: role_kind(json.loads(r["assume_role_policy"]), r["arn"] in receipts_roles)
             for r in of("aws_iam_role")}
    actions = set()
    for policy in of("aws_iam_role_policy"):
        kind = kinds.get(policy["role"])
        if kind:
            actions |= actions_of(kind, json.loads(policy["policy"]))
    for attachment in of("aws_iam_role_policy_attachment"):
        kind = kinds.get(attachment["role"])
        if kind:
            actions.add(managed(kind, attachment["policy_arn"]))
    alarms = without_prefix(a["alarm_name"] for a in of("aws_cloudwatch_metric_alarm"))
    return {"env": env, "iam": actions, "alarm": alarms}


def differences(found):
    """(kind, item, deployments that have it) for each item not in all three."""
    out = set()
    for kind in ("env", "iam", "alarm"):
        for item in set().union(*(found[d][kind] for d in DEPLOYMENTS)):
            having = tuple(d for d in DEPLOYMENTS if item in found[d][kind])
            if len(having) != len(DEPLOYMENTS):
                out.add((kind, item, having))
    return out


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("--terraform", required=True)
    parser.add_argument("--sam", required=True)
    parser.add_argument("--cdk", required=True)
    parser.add_argument("--listed", default=LISTED)
    args = parser.parse_args()
    found = {
        "sam": from_cloudformation(*transformed(load(args.sam), SAM_EVERY_OPTION)),
        "terraform": from_terraform(args.terraform),
        "cdk": from_cloudformation(*transformed(load(args.cdk), {})),
    }
    with open(args.listed, "rb") as f:
        intended = {(d["kind"], d["item"], tuple(sorted(d["in"], key=DEPLOYMENTS.index))): d["why"]
                    for d in tomllib.load(f).get("difference", [])}
    actual = differences(found)
    problems = [f"  {kind} `{item}` is in {', '.join(having) or 'none'} only"
                for kind, item, having in sorted(actual - set(intended))]
    stale = [f"  {kind} `{item}` (in {', '.join(having)}) is listed but no longer differs"
             for kind, item, having in sorted(set(intended) - actual)]
    counts = ", ".join(f"{d}: {len(found[d]['env'])} env keys, {len(found[d]['iam'])} IAM actions, "
                       f"{len(found[d]['alarm'])} alarms" for d in DEPLOYMENTS)
    if problems or stale:
        sys.exit("SAM, Terraform and CDK differ where infra/deployments-compared.toml does not say they may:\n"
                 + "\n".join(problems + stale)
                 + "\nmake them agree, or list the difference there with the reason (kind, item, in, why)")
    print(f"deployments agree but for {len(intended)} listed differences ({counts})")


if __name__ == "__main__":
    main()
