import { Stack } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SwitchboardProps } from "../src";

/** Every option of the construct at once, as the Terraform example every-option sets them. */
export function everyOption(stack: Stack, newPool: boolean, previousKeyArn?: string): Partial<SwitchboardProps> {
  const account = stack.account;
  return {
    emailReplyTo: "help@acme.test",
    emailProviders: ["ses"],
    smsProviders: ["sns", "aws_sms"],
    configParameterName: "/switchboard/sam/config",
    ssmParameterArns: [`arn:aws:ssm:us-east-1:${account}:parameter/switchboard/keys`],
    secretArns: [`arn:aws:secretsmanager:us-east-1:${account}:secret:switchboard/every-option`],
    sesRegion: "us-east-1",
    sesFromArn: `arn:aws:ses:us-east-1:${account}:identity/acme.test`,
    awsSms: {
      originationIdentity: "pool-0123456789abcdef",
      configurationSet: "cognito-codes",
      protectConfigurationId: "protect-0123456789abcdef",
    },
    smsLimits: { perNumber: 5, perCountry: 500, windowSeconds: 3600, byCountry: { "44": 100 } },
    previousKeyArns: [previousKeyArn ?? `arn:aws:kms:us-east-1:${account}:key/00000000-0000-4000-8000-000000000001`],
    attachCustomMessage: newPool,
    templatesLayer: lambda.LayerVersion.fromLayerVersionArn(stack, "Templates",
      `arn:aws:lambda:us-east-1:${account}:layer:switchboard-templates:1`),
    logLevel: lambda.ApplicationLogLevel.DEBUG,
    tracing: true,
    reservedConcurrency: 5,
    alarmEmail: "ops@acme.test",
    receipts: {
      retentionDays: 14,
      secretArns: [`arn:aws:secretsmanager:us-east-1:${account}:secret:switchboard/every-option`],
      reservedConcurrency: 2,
      undeliveredSharePercent: 10,
    },
  };
}
