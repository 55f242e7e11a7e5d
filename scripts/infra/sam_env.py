#!/usr/bin/env python3
"""The environment CloudFormation gives the function of infra/sam/template.yaml, for
given parameters: the template transformed with aws-sam-translator (as `sam deploy`
does), conditions evaluated, intrinsics resolved — parameters from the command line
over the template's defaults, and the resources the environment names (the code key,
the table, the pool) from --resource. Prints it as JSON, for scripts/infra/deployed_function.py.
A template CDK synthesized works the same: its resources are named by construct id
(`CodeKey.Arn` for the logical id CDK made of `…/CodeKey/Resource`).

    sam_env.py TEMPLATE [--receipts] [--parameter Name=Value ...] [--resource LogicalId[.Attr]=Value ...]
"""
import argparse
import json
import re
import sys

from check_sam_graph import evaluate, load, transformed

NO_VALUE = object()


def resolver(parameters, resources, conditions):
    def lookup(name):
        if name in parameters:
            return parameters[name]
        if name in resources:
            return resources[name]
        if name == "AWS::NoValue":
            return NO_VALUE
        sys.exit(f"sam_env: the environment refers to `{name}`: pass it with --resource {name}=VALUE")

    def resolve(value):
        if isinstance(value, dict) and len(value) == 1:
            (key, inner), = value.items()
            if key == "Ref":
                return lookup(inner)
            if key == "Fn::GetAtt":
                name = ".".join(inner) if isinstance(inner, list) else inner
                return lookup(name)
            if key == "Fn::If":
                name, yes, no = inner
                return resolve(yes if evaluate(conditions[name], conditions, parameters) else no)
            if key == "Fn::Sub":
                text, extra = (inner, {}) if isinstance(inner, str) else inner
                def sub(match):
                    name = match.group(1)
                    return str(resolve(extra[name]) if name in extra else lookup(name))
                return re.sub(r"\$\{([A-Za-z0-9:.]+)\}", sub, text)
            if key == "Fn::Join":
                separator, items = inner
                return separator.join(str(resolve(i)) for i in items)
        return value

    return resolve


def by_construct_id(cfn, resources):
    """`resources` keyed by logical id: a CDK construct id (`CodeKey.Arn`) becomes the
    logical id CDK gave `…/CodeKey/Resource`, and a path names one inside another
    construct (`Receipts/Table`: a bare `Table` is the first of that name); a logical id
    stays as it is."""
    logical = {}
    for name, resource in cfn["Resources"].items():
        path = resource.get("Metadata", {}).get("aws:cdk:path", "").split("/")
        if path[-1] == "Resource":
            path = path[:-1]
        for start in range(1, len(path)):
            logical.setdefault("/".join(path[start:]), name)
    keyed = {}
    for name, value in resources.items():
        head, dot, attribute = name.partition(".")
        keyed[logical.get(head, head) + dot + attribute] = value
    return keyed


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("template")
    parser.add_argument("--parameter", action="append", default=[])
    parser.add_argument("--resource", action="append", default=[])
    parser.add_argument("--receipts", action="store_true",
                        help="the receipts function's environment (SWITCHBOARD_FUNCTION=receipts), not the sender's")
    args = parser.parse_args()
    given = dict(p.split("=", 1) for p in args.parameter)
    resources = dict(r.split("=", 1) for r in args.resource)
    cfn, parameters = transformed(load(args.template), given)
    resources = by_construct_id(cfn, resources)
    conditions = cfn.get("Conditions", {})
    functions = [r for r in cfn["Resources"].values() if r["Type"] == "AWS::Lambda::Function"
                 and ("Condition" not in r or evaluate(conditions[r["Condition"]], conditions, parameters))
                 and (r["Properties"].get("Environment", {}).get("Variables", {})
                      .get("SWITCHBOARD_FUNCTION") == "receipts") == args.receipts]
    if len(functions) != 1:
        kind = "receipts function" if args.receipts else "sender"
        sys.exit(f"sam_env: expected one {kind}, found {len(functions)}")
    variables = functions[0]["Properties"].get("Environment", {}).get("Variables", {})
    resolve = resolver(parameters, resources, conditions)
    env = {}
    for name, value in variables.items():
        value = resolve(value)
        if value is not NO_VALUE:
            env[name] = str(value)
    print(json.dumps(env, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
