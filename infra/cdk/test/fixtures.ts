import { App, Stack, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Switchboard, SwitchboardProps } from "../src";

/** A stand-in package: a directory with an executable `bootstrap` (CDK zips it). */
export const PACKAGE = (() => {
  const dir = mkdtempSync(join(tmpdir(), "switchboard-cdk-"));
  writeFileSync(join(dir, "bootstrap"), "#!/bin/sh\n", { mode: 0o755 });
  return dir;
})();

export const REQUIRED = { packagePath: PACKAGE, productName: "Acme", emailFrom: "Acme <no-reply@acme.test>" };

export interface Built {
  readonly app: App;
  readonly stack: Stack;
  readonly codes: Switchboard;
  readonly template: Template;
}

/**
 * One stack with the construct, cdk-nag's AwsSolutions pack as a validation plugin
 * (synth fails on a finding), unless `nag` is false: for a test whose own resources
 * around the construct are not what it checks.
 */
export function build(props: Partial<SwitchboardProps> = {}, extend?: (stack: Stack) => Partial<SwitchboardProps>, nag = true): Built {
  // Path metadata as the CLI writes it: the tests find resources by construct path.
  const app = new App({ analyticsReporting: false, context: { "aws:cdk:enable-path-metadata": true } });
  const stack = new Stack(app, "Test", { env: { account: "111122223333", region: "us-east-1" } });
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const codes = new Switchboard(stack, "Codes", { ...REQUIRED, ...props, ...(extend ? extend(stack) : {}) });
  let template: Template | undefined;
  // Synthesized on first use, so that a test may add to the stack first.
  return { app, stack, codes, get template() { return (template ??= Template.fromStack(stack)); } };
}

/** cdk-nag's report for the app: violations left (synth throws on them) and the accepted ones. */
export function nagReport(app: App): { failed: string | undefined; violations: string[]; acknowledged: string[] } {
  let directory: string;
  let failed: string | undefined;
  try {
    directory = app.synth().directory;
  } catch (error) {
    failed = String(error);
    const match = /report can be found in: (\S+)\/validation-report\.json/.exec(failed);
    if (!match) throw error;
    directory = match[1];
  }
  const report = JSON.parse(readFileSync(join(directory, "validation-report.json"), "utf8"));
  const nag = report.pluginReports.find((p: { pluginName: string }) => p.pluginName === "AwsSolutions");
  const paths = (v: { ruleName: string; violatingConstructs: { constructPath: string }[] }) =>
    v.violatingConstructs.map((c) => `${v.ruleName} ${c.constructPath}`);
  return {
    failed,
    violations: nag.violations.flatMap(paths),
    acknowledged: nag.suppressedViolations.flatMap(paths),
  };
}

export function logicalId(template: Template, type: string, path: RegExp): string {
  const found = Object.entries(template.findResources(type)).filter(([, r]) => path.test(r.Metadata?.["aws:cdk:path"] ?? ""));
  if (found.length !== 1) throw new Error(`expected one ${type} at ${path}, found ${found.length}`);
  return found[0][0];
}
