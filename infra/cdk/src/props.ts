import { RemovalPolicy } from "aws-cdk-lib";
import * as cognito from "aws-cdk-lib/aws-cognito";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";

/** The SMS pumping guard (docs/configuration.md): messages per window, 0 = no limit. */
export interface SmsLimits {
  /** Messages per phone number per window. @default 0 */
  readonly perNumber?: number;
  /** Messages per destination country per window. @default 0 */
  readonly perCountry?: number;
  /** Overrides by calling code, e.g. `{ "44": 100 }`. @default none */
  readonly byCountry?: Record<string, number>;
  /** The window in seconds. @default 3600 */
  readonly windowSeconds?: number;
}

/** The `aws_sms` provider: AWS End User Messaging SMS (`SendTextMessage`). */
export interface AwsSmsOptions {
  /** Phone number, sender ID or pool ID/ARN. @default the service chooses */
  readonly originationIdentity?: string;
  readonly configurationSet?: string;
  /** A Protect configuration, which screens messages against SMS pumping. */
  readonly protectConfigurationId?: string;
}

/** Delivery receipts (docs/receipts.md). */
export interface ReceiptsOptions {
  /** SWITCHBOARD_RECEIPTS__RETENTION_DAYS: how long each event's trail is kept. @default 30 */
  readonly retentionDays?: number;
  /** Secrets Manager secrets holding the webhooks' signing secrets; the receipts function may read these and no other. */
  readonly secretArns?: string[];
  /** A cap on the receipts function's concurrency, so a flood on its public URL cannot take the sender's. @default none */
  readonly reservedConcurrency?: number;
  /** The alarms fire above this share (%) of a channel's receipts saying a message did not arrive. @default 20 */
  readonly undeliveredSharePercent?: number;
}

/**
 * The same options, with the same defaults, as the SAM template's parameters and the
 * Terraform module's variables (docs/deploy.md compares the three).
 */
export interface SwitchboardProps {
  /** The Lambda package from `./scripts/package`: `dist/switchboard-arm64.zip` (or a directory holding `bootstrap`). */
  readonly packagePath: string;
  /** Must match the package. @default ARM_64 */
  readonly architecture?: lambda.Architecture;
  /** Name prefix of the alarms and of the SMS role's external id. @default the stack's name */
  readonly name?: string;

  /** SWITCHBOARD_APP__NAME: your product's name in every message. */
  readonly productName: string;
  /** SWITCHBOARD_EMAIL__FROM, e.g. "Acme <no-reply@acme.com>"; a verified identity when SES sends. */
  readonly emailFrom: string;
  /** SWITCHBOARD_EMAIL__REPLY_TO. @default none */
  readonly emailReplyTo?: string;
  /** SWITCHBOARD_EMAIL__PROVIDERS: the email chain in failover order. @default ["ses"] */
  readonly emailProviders?: string[];
  /** SWITCHBOARD_SMS__PROVIDERS: the SMS chain in failover order. @default ["sns"] */
  readonly smsProviders?: string[];
  /** More SWITCHBOARD_* variables (provider definitions); secrets only as env:/ssm:/secretsmanager: references. */
  readonly environment?: Record<string, string>;

  /**
   * A pool defined in your app: the construct sets its custom sender triggers, its
   * KMSKeyID and the invoke permission. Give at most one of `userPool` and `existingUserPoolId`.
   * @default a new pool is created
   */
  readonly userPool?: cognito.UserPool;
  /** Attach to a pool outside this app (docs/deploy.md has the safe procedure). @default a new pool */
  readonly existingUserPoolId?: string;
  /** Also attach the function as the new pool's CustomMessage trigger. @default false */
  readonly attachCustomMessage?: boolean;
  /** Retain (default) or destroy the pool, the keys and the table when removed from the app. @default RETAIN */
  readonly removalPolicy?: RemovalPolicy;

  /** An SSM parameter holding a TOML configuration layer, read at every cold start. */
  readonly configParameterName?: string;
  /** SSM parameters referenced as ssm:/name in the configuration, as ARNs. */
  readonly ssmParameterArns?: string[];
  /** The key of the SecureString parameters. @default the AWS-managed aws/ssm key */
  readonly ssmKeyArn?: string;
  /** Secrets Manager secrets referenced as secretsmanager:ID#key. */
  readonly secretArns?: string[];

  /** Define the `ses` provider and allow ses:SendEmail. @default true */
  readonly useSes?: boolean;
  /** The SES provider's region. @default the stack's */
  readonly sesRegion?: string;
  /** Identity ARN for SES sending authorization (the provider's `from_arn`). */
  readonly sesFromArn?: string;
  /** Define the `sns` provider and allow sns:Publish to phone numbers only. @default true */
  readonly useSns?: boolean;
  /** Define the `aws_sms` provider and allow sms-voice:SendTextMessage. @default not defined */
  readonly awsSms?: AwsSmsOptions;
  /** Counted in the idempotency table, so `idempotency` must stay true. @default no limits */
  readonly smsLimits?: SmsLimits;

  /** Keys codes were encrypted under before this one (retries and redrives still decrypt). */
  readonly previousKeyArns?: string[];
  /** The DynamoDB table that makes delivery exactly-once under Lambda's retries. @default true */
  readonly idempotency?: boolean;
  /**
   * Share each provider's health between warm environments in the idempotency table
   * (docs/health.md). @default true (with `idempotency`)
   */
  readonly fleetHealth?: boolean;
  /** A layer with templates under switchboard/templates/ (`./scripts/package --templates DIR`). */
  readonly templatesLayer?: lambda.ILayerVersion;

  /** @default INFO */
  readonly logLevel?: lambda.ApplicationLogLevel;
  /** @default ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** AWS X-Ray tracing. @default false */
  readonly tracing?: boolean;
  /** @default none (new accounts have a quota of 10; a reservation can fail the deploy) */
  readonly reservedConcurrency?: number;
  /** An address subscribed to the alarms. @default none */
  readonly alarmEmail?: string;
  /**
   * The receipts function: its own role without kms:Decrypt, a public Function URL for
   * the providers' webhooks, the trail table, SES's configuration set with an EventBridge
   * rule, End User Messaging's event destination, and the undelivered-share alarms.
   * @default not deployed
   */
  readonly receipts?: ReceiptsOptions;
}
