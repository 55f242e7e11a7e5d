#!/usr/bin/env python3
"""Fails when a deployment lets a role publish to SNS topics, or lets the receipts
function's role decrypt codes or send (see receipts_problems): `sns:Publish` allowed on
"*" (what SMS to phone numbers needs) must come with a Deny on every topic
(`arn:<partition>:sns:*:*:*`) in the same policy — a condition on `sns:Protocol` does
not do it (only Subscribe requests carry that key). Checks the SAM template as
transformed for its defaults and for every option, templates CDK synthesized, or
Terraform's applied state.

    check_policies.py --sam TEMPLATE
    check_policies.py --synthesized TEMPLATE.json [TEMPLATE.json ...]
    check_policies.py --terraform STATE.json [STATE.json ...]
"""
import argparse
import json
import sys

# check_sam_graph (SAM templates, --sam and --synthesized only) sits beside this script.
sys.path.insert(0, __file__.rsplit("/", 1)[0])


def statements(document):
    found = document.get("Statement", [])
    return [found] if isinstance(found, dict) else found


def listed(value):
    return value if isinstance(value, list) else [value]


def problems_in(label, document):
    stmts = [s for s in statements(document) if isinstance(s, dict)]
    publishes_anywhere = any(
        s.get("Effect") == "Allow"
        and any(a in ("sns:Publish", "sns:*") for a in listed(s.get("Action", [])))
        and "*" in listed(s.get("Resource", []))
        for s in stmts
    )
    if not publishes_anywhere:
        return []
    denies_topics = any(
        s.get("Effect") == "Deny"
        and "sns:Publish" in listed(s.get("Action", []))
        and any(str(r).endswith(":sns:*:*:*") for r in listed(s.get("Resource", [])))
        for s in stmts
    )
    if denies_topics:
        return []
    return [f"{label}: sns:Publish is allowed on \"*\" without a Deny on arn:…:sns:*:*:* — the role may publish to any topic"]


# What the internet-facing receipts function's role must never allow: the code key's
# decryption (kms:Decrypt is allowed only through SSM, for a configuration parameter
# under a key of the owner's), and sending anything to anyone.
SENDING = ("ses:SendEmail", "ses:SendRawEmail", "ses:*", "sns:Publish", "sns:*",
           "sms-voice:SendTextMessage", "sms-voice:*", "kms:*", "*")


def receipts_problems(label, document):
    problems = []
    for s in statements(document):
        if not isinstance(s, dict) or s.get("Effect") != "Allow":
            continue
        actions = listed(s.get("Action", []))
        sending = [a for a in actions if a in SENDING]
        if sending:
            problems.append(f"{label}: the receipts role allows {', '.join(sending)}")
        if "kms:Decrypt" in actions:
            via = s.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService", "")
            if not str(via).startswith("ssm.") and "ssm." not in str(via):
                problems.append(f"{label}: the receipts role allows kms:Decrypt outside SSM")
    return problems


def resolved(value, choose):
    """`value` with every Fn::If decided by `choose`, and Sub and Join (CDK's ARNs) as text."""
    if isinstance(value, dict):
        if set(value) == {"Fn::Join"}:
            separator, items = value["Fn::Join"]
            return separator.join(i if isinstance(i, str) else "${%s}" % i.get("Ref", "?") for i in resolved(items, choose))
        if set(value) == {"Fn::If"}:
            name, yes, no = value["Fn::If"]
            return resolved(yes if choose(name) else no, choose)
        if set(value) == {"Fn::Sub"}:
            text = value["Fn::Sub"]
            return text if isinstance(text, str) else text[0]
        return {k: resolved(v, choose) for k, v in value.items()}
    if isinstance(value, list):
        items = [resolved(v, choose) for v in value]
        return [i for i in items if i != {"Ref": "AWS::NoValue"}]
    return value


def policy_documents(cfn, choose):
    """(logical id, policy document) of every IAM role and policy in a CloudFormation
    template, Fn::If decided by `choose`."""
    for logical, resource in cfn["Resources"].items():
        properties = resolved(resource.get("Properties", {}), choose)
        if resource["Type"] == "AWS::IAM::Role":
            for policy in properties.get("Policies", []):
                if isinstance(policy, dict):
                    yield logical, policy["PolicyDocument"]
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            yield logical, properties.get("PolicyDocument", {})


def check_sam(path):
    from check_sam_graph import evaluate, load, transformed

    template = load(path)
    required = {"ProductName": "Acme", "EmailFrom": "Acme <no-reply@acme.test>"}
    every = dict(required, UseAwsSms="true", ConfigParameterName="/switchboard/config",
                 SsmParameterArns="arn:aws:ssm:us-east-1:111122223333:parameter/x",
                 SecretArns="arn:aws:secretsmanager:us-east-1:111122223333:secret:x",
                 ExistingUserPoolId="us-east-1_Existing1")
    problems = []
    every_receipts = dict(every, Receipts="true", ReceiptsSecretArns="arn:aws:secretsmanager:us-east-1:111122223333:secret:w",
                          ConfigParameterKeyArn="arn:aws:kms:us-east-1:111122223333:key/c")
    for label, parameters in [("defaults", required), ("every option", every), ("receipts", every_receipts)]:
        cfn, values = transformed(template, parameters)
        conditions = cfn.get("Conditions", {})
        choose = lambda name: evaluate(conditions[name], conditions, values)
        receipts_roles = 0
        for logical, document in policy_documents(cfn, choose):
            problems += problems_in(f"SAM ({label}) {logical}", document)
            if "Receipts" in logical:
                receipts_roles += 1
                problems += receipts_problems(f"SAM ({label}) {logical}", document)
        if label == "receipts" and not receipts_roles:
            problems.append("SAM (receipts): no policy of the receipts function's role was found to check")
    return problems


def check_synthesized(paths):
    if not paths:
        return []
    from check_sam_graph import load

    problems = []
    for path in paths:
        for logical, document in policy_documents(load(path), lambda name: sys.exit(f"{path}: condition {name}")):
            problems += problems_in(f"{path}: {logical}", document)
            if "Receipts" in logical:
                problems += receipts_problems(f"{path}: {logical}", document)
    return problems


def check_terraform(paths):
    problems = []
    for path in paths:
        with open(path) as f:
            state = json.load(f)
        def walk(module):
            for resource in module.get("resources", []):
                if resource["type"] == "aws_iam_role_policy":
                    label = f"Terraform {path}: {resource['address']}"
                    document = json.loads(resource["values"]["policy"])
                    problems.extend(problems_in(label, document))
                    if "receipts" in resource["address"]:
                        problems.extend(receipts_problems(label, document))
            for child in module.get("child_modules", []):
                walk(child)
        walk(state["values"]["root_module"])
    return problems


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("--sam")
    parser.add_argument("--synthesized", nargs="*", default=[])
    parser.add_argument("--terraform", nargs="*", default=[])
    args = parser.parse_args()
    problems = ((check_sam(args.sam) if args.sam else []) + check_synthesized(args.synthesized)
                + check_terraform(args.terraform))
    if problems:
        sys.exit("\n".join(problems))
    print("policies: sns:Publish reaches phone numbers only; the receipts role cannot decrypt codes or send")


if __name__ == "__main__":
    main()
