#!/usr/bin/env python3
"""Transforms infra/sam/template.yaml offline with aws-sam-translator (what `sam` and
cfn-lint use) for each pool mode, and fails on a dependency cycle CloudFormation
would reject (`Ref`, `Fn::GetAtt`, `Fn::Sub` and `DependsOn` edges, conditions
applied as the parameters set them). Templates CDK synthesized (plain CloudFormation,
one per mode) get the same check with --synthesized.

    check_sam_graph.py TEMPLATE
    check_sam_graph.py --synthesized LABEL=TEMPLATE.json [LABEL=TEMPLATE.json ...]
"""
import copy
import os
import re
import sys

import yaml
from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader
from samtranslator.translator.transform import transform


class CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !Sub, …) as their long forms."""


def _construct(tag):
    name = {"GetAtt": "Fn::GetAtt", "Ref": "Ref", "Condition": "Condition"}.get(tag, f"Fn::{tag}")

    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if tag == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    return construct


for _tag in ["Ref", "GetAtt", "Sub", "If", "Equals", "Not", "And", "Or", "Join", "Select",
             "Split", "FindInMap", "Base64", "Cidr", "GetAZs", "ImportValue", "Condition"]:
    CfnLoader.add_constructor(f"!{_tag}", _construct(_tag))


class NoPolicies(ManagedPolicyLoader):
    """Offline: no IAM call to list AWS managed policies."""

    def __init__(self):
        pass

    def load(self):
        return {}


def evaluate(condition, conditions, parameters):
    if isinstance(condition, dict):
        (key, value), = condition.items()
        if key == "Fn::Equals":
            a, b = (resolve(v, parameters) for v in value)
            return a == b
        if key == "Fn::Not":
            return not evaluate(value[0], conditions, parameters)
        if key == "Fn::And":
            return all(evaluate(v, conditions, parameters) for v in value)
        if key == "Fn::Or":
            return any(evaluate(v, conditions, parameters) for v in value)
        if key == "Condition":
            return evaluate(conditions[value], conditions, parameters)
    raise ValueError(f"cannot evaluate {condition}")


def resolve(value, parameters):
    if isinstance(value, dict) and "Ref" in value:
        return parameters.get(value["Ref"], value["Ref"])
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, items = value["Fn::Join"]
        items = resolve(items, parameters)
        return separator.join(items if isinstance(items, list) else [str(items)])
    return value


def edges(value, active, conditions, parameters):
    """Logical ids `value` depends on, taking Fn::If branches as the conditions decide."""
    found = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) else inner.split(".")[0]
                found.add(target)
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                found.update(name.split(".")[0] for name in re.findall(r"\$\{([A-Za-z0-9.]+)\}", text))
                if isinstance(inner, list):
                    found.update(edges(inner[1], active, conditions, parameters))
            elif key == "Fn::If":
                name, yes, no = inner
                branch = yes if evaluate(conditions[name], conditions, parameters) else no
                found.update(edges(branch, active, conditions, parameters))
            else:
                found.update(edges(inner, active, conditions, parameters))
    elif isinstance(value, list):
        for inner in value:
            found.update(edges(inner, active, conditions, parameters))
    return {name for name in found if name in active}


def cycle(graph):
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in graph[node]:
            if state.get(nxt) == "open":
                return trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
            if nxt not in state:
                found = visit(nxt, trail + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for node in graph:
        if node not in state:
            found = visit(node, [node])
            if found:
                return found
    return None


def packaged(template):
    """What `sam package` hands CloudFormation: local code paths become S3 locations."""
    template = copy.deepcopy(template)
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://switchboard-artifacts/switchboard-arm64.zip"
    return template


PSEUDO = {"AWS::Region": "us-east-1", "AWS::Partition": "aws", "AWS::AccountId": "123456789012",
          "AWS::StackName": "switchboard", "AWS::URLSuffix": "amazonaws.com"}


def transformed(template, parameters):
    """`template` as CloudFormation receives it for `parameters` (transformed as `sam
    deploy` does), and the values its conditions and references resolve with: the
    template's defaults, then `parameters`, then the pseudo parameters (PSEUDO)."""
    # The translator asks boto for the region its pseudo parameters resolve in:
    # PSEUDO's, whatever the caller's environment says (CI sets none).
    os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = PSEUDO["AWS::Region"]
    # A template without the SAM transform (CDK's) is what CloudFormation receives.
    cfn = transform(packaged(template), parameters, NoPolicies()) if "Transform" in template else copy.deepcopy(template)
    values = {k: str(v.get("Default", "")) for k, v in cfn.get("Parameters", {}).items()}
    values.update(parameters)
    values.update(PSEUDO)
    return cfn, values


def check(template, parameters, label):
    cfn, defaults = transformed(template, parameters)
    defaults["AWS::NoValue"] = None
    conditions = cfn.get("Conditions", {})
    resources = cfn["Resources"]
    active = {name for name, r in resources.items()
              if "Condition" not in r or evaluate(conditions[r["Condition"]], conditions, defaults)}
    graph = {}
    for name in active:
        resource = resources[name]
        depends = resource.get("DependsOn", [])
        depends = [depends] if isinstance(depends, str) else depends
        graph[name] = (edges(resource.get("Properties", {}), active, conditions, defaults)
                       | {d for d in depends if d in active}) - {name}
    found = cycle(graph)
    if found:
        sys.exit(f"{label}: CloudFormation would reject a circular dependency: {' -> '.join(found)}")
    print(f"{label}: {len(active)} resources, no dependency cycle")


def load(path):
    """A CloudFormation template, YAML with short tags or JSON."""
    with open(path) as f:
        return yaml.load(f, Loader=CfnLoader)


def main():
    if sys.argv[1] == "--synthesized":
        for labelled in sys.argv[2:]:
            label, path = labelled.split("=", 1)
            check(load(path), {}, label)
        return
    template = load(sys.argv[1])
    required = {"ProductName": "Acme", "EmailFrom": "Acme <no-reply@acme.test>"}
    check(template, dict(required), "new pool")
    check(template, dict(required, ExistingUserPoolId="us-east-1_Existing1"), "existing pool")
    check(template, dict(required, AttachCustomMessage="true", ConfigParameterName="/switchboard/config",
                         SecretArns="arn:aws:secretsmanager:us-east-1:111122223333:secret:x",
                         TemplatesLayerArn="arn:aws:lambda:us-east-1:111122223333:layer:t:1",
                         ReservedConcurrency="5", AlarmEmail="ops@acme.test", UseAwsSms="true",
                         AwsSmsOriginationIdentity="pool-0123", AwsSmsConfigurationSet="codes",
                         AwsSmsProtectConfigurationId="protect-0123", SmsLimitPerNumber="5",
                         SmsLimitPerCountry="500", Receipts="true", ReceiptsReservedConcurrency="2",
                         ReceiptsSecretArns="arn:aws:secretsmanager:us-east-1:111122223333:secret:w",
                         ConfigParameterKeyArn="arn:aws:kms:us-east-1:111122223333:key/c"), "every option")
    check(template, dict(required, Receipts="true", UseAwsSms="true"), "receipts, a new pool and its own SMS set")


if __name__ == "__main__":
    main()
