import { Validations } from "aws-cdk-lib";
import { IConstruct } from "constructs";

/**
 * Accepts one cdk-nag AwsSolutions finding on `scope`, with the reason it holds for
 * Switchboard. Each call sits next to the resource or statement it is about.
 */
export function acknowledge(scope: IConstruct, rule: string, reason: string) {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-${rule}`, reason });
}
