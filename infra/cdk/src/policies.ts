import { Arn, ArnFormat, Stack, Token } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { SwitchboardProps } from "./props";

/** The resources the function's own statements name. */
export interface Grants {
  readonly codeKeyArns: string[];
  readonly queueArn: string;
  readonly tableArn?: string;
}

const allow = (sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
  new iam.PolicyStatement({ sid, effect: iam.Effect.ALLOW, actions, resources, conditions });

/** Statements with a wildcard resource, in a policy of their own with cdk-nag's finding accepted for the reason. */
export interface WildcardPolicy {
  readonly id: string;
  readonly statements: iam.PolicyStatement[];
  /** cdk-nag AwsSolutions finding ids (IAM5[Resource::…]) these statements raise. */
  readonly findings: string[];
  readonly reason: string;
}

/**
 * What the function may do, except what names the pool (poolAccessStatements): scoped
 * statements for the role's default policy, and each wildcard in a policy of its own, so
 * that accepting its cdk-nag finding cannot hide a wildcard added to the role later.
 */
export function functionStatements(scope: Construct, props: SwitchboardProps, grants: Grants) {
  const stack = Stack.of(scope);
  // A value as cdk-nag's finding ids show it: a pseudo parameter, or the stack's literal.
  const shown = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
  const scoped = [
    allow("ReportFailures", ["sqs:SendMessage"], [grants.queueArn]),
    // The cold start checks the key and opens the KMS connection during init.
    allow("CheckTheCodeKey", ["kms:DescribeKey"], grants.codeKeyArns),
  ];
  const wildcards: WildcardPolicy[] = [];
  if (props.useSes ?? true) {
    const region = props.sesRegion || stack.region;
    const ses = (resource: string) =>
      stack.formatArn({ service: "ses", region, resource, resourceName: "*", arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    wildcards.push({
      id: "SendEmail",
      statements: [allow("SendEmail", ["ses:SendEmail"], [ses("identity"), ses("configuration-set"), ...(props.sesFromArn ? [props.sesFromArn] : [])])],
      findings: ["identity", "configuration-set"].map((kind) => `IAM5[Resource::arn:<AWS::Partition>:ses:${shown(region, "Region")}:${shown(stack.account, "AccountId")}:${kind}/*]`),
      reason: "The sender (SWITCHBOARD_EMAIL__FROM) and a route's configuration set are configuration that changes without a deploy: " +
        "any of the account's SES identities and configuration sets in the provider's region.",
    });
  }
  if (props.useSns ?? true) {
    wildcards.push({ id: "SendSms", statements: publishToPhoneNumbersOnly(scope), findings: ["IAM5[Resource::*]"], reason: SMS_HAS_NO_ARN });
  }
  if (props.awsSms) {
    wildcards.push({
      id: "SendSmsWithEndUserMessaging",
      statements: [allow("SendSmsWithEndUserMessaging", ["sms-voice:SendTextMessage"], [`arn:${stack.partition}:sms-voice:*:${stack.account}:*`])],
      findings: [`IAM5[Resource::arn:<AWS::Partition>:sms-voice:*:${shown(stack.account, "AccountId")}:*]`],
      reason: "The aws_sms provider's origination identity, configuration set and Protect configuration are configuration, " +
        "in any region its `region` may name: the account's End User Messaging resources.",
    });
  }
  const parameters = [
    ...(props.configParameterName
      ? [stack.formatArn({ service: "ssm", resource: "parameter", resourceName: props.configParameterName.replace(/^\//, "") })]
      : []),
    ...(props.ssmParameterArns ?? []),
  ];
  if (parameters.length > 0) {
    scoped.push(allow("ReadParameters", ["ssm:GetParameter"], parameters));
    const decrypt = allow("DecryptSecureStrings", ["kms:Decrypt"], [props.ssmKeyArn || "*"], {
      StringEquals: { "kms:ViaService": `ssm.${stack.region}.amazonaws.com` },
    });
    if (props.ssmKeyArn) {
      scoped.push(decrypt);
    } else {
      wildcards.push({
        id: "DecryptSecureStrings",
        statements: [decrypt],
        findings: ["IAM5[Resource::*]"],
        reason: "SecureString parameters under the AWS-managed aws/ssm key, whose ARN is not known before it exists: " +
          "bound by kms:ViaService to SSM in this region (set ssmKeyArn to name a key).",
      });
    }
  }
  if ((props.secretArns ?? []).length > 0) {
    scoped.push(allow("ReadSecrets", ["secretsmanager:GetSecretValue"], props.secretArns!));
  }
  if (grants.tableArn) {
    // The idempotency claims, and the SMS limit counters (conditional UpdateItem).
    scoped.push(
      allow("Idempotency", ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], [grants.tableArn]),
    );
    if (props.fleetHealth ?? true) {
      // The fleet's health, read between events (its writes after them are the
      // Idempotency statement's UpdateItem); its own keys only.
      scoped.push(allow("FleetHealth", ["dynamodb:BatchGetItem"], [grants.tableArn], HEALTH_KEYS_ONLY));
    }
  }
  return { scoped, wildcards };
}

/** A DynamoDB statement limited to the fleet's health items (`health#…` keys). */
export const HEALTH_KEYS_ONLY = { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["health#*"] } };
/** ... and to its per-minute counts (`health#…#m…`), what a receipt adds to. */
export const HEALTH_COUNTS_ONLY = { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["health#*#m*"] } };

export const SMS_HAS_NO_ARN =
  "sns:Publish to a phone number has no resource ARN: allowed on *, with every topic denied (the NoTopics statement, AWS's documented pattern).";

/** Decrypting only this pool's codes, and looking its users up. */
export function poolAccessStatements(codeKeyArns: string[], poolId: string, poolArn: string): iam.PolicyStatement[] {
  return [
    allow("DecryptThisPoolsCodes", ["kms:Decrypt"], codeKeyArns, {
      StringEquals: { "kms:EncryptionContext:userpool-id": poolId },
    }),
    allow("LookUpMissingRecipients", ["cognito-idp:AdminGetUser"], [poolArn]),
  ];
}

/** SMS to phone numbers has no resource ARN: allowed on "*", every topic denied (AWS's documented pattern). */
export function publishToPhoneNumbersOnly(scope: Construct): iam.PolicyStatement[] {
  return [
    allow("SendSms", ["sns:Publish"], ["*"]),
    new iam.PolicyStatement({
      sid: "NoTopics",
      effect: iam.Effect.DENY,
      actions: ["sns:Publish"],
      resources: [`arn:${Stack.of(scope).partition}:sns:*:*:*`],
    }),
  ];
}

/** The ARN of a pool outside the app, from its id. */
export function poolArnOf(scope: Construct, poolId: string): string {
  return Arn.format({ service: "cognito-idp", resource: "userpool", resourceName: poolId }, Stack.of(scope));
}
