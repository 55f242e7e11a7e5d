import { SwitchboardProps } from "./props";

/** What the function needs from the resources the construct creates. */
export interface Wiring {
  readonly codeKeyArn: string;
  /** The existing pool's id ("" for a pool this app creates: naming it would be a cycle). */
  readonly boundPoolId: string;
  readonly tableName?: string;
}

/** What the receipts function needs of the resources the construct creates. */
export interface ReceiptsWiring {
  readonly tableName: string;
  /** The fleet's health table, where each receipt is counted. */
  readonly healthTableName?: string;
  readonly sesConfigurationSet?: string;
  readonly smsConfigurationSet?: string;
}

/**
 * The function's SWITCHBOARD_* environment: the same keys, under the same conditions,
 * as the SAM template's and the Terraform module's (scripts/infra/compare_deployments.py
 * checks that the three agree).
 */
export function functionEnvironment(props: SwitchboardProps, wiring: Wiring): Record<string, string> {
  const limits = props.smsLimits ?? {};
  const env: Record<string, string> = {
    SWITCHBOARD_APP__NAME: props.productName,
    SWITCHBOARD_EMAIL__FROM: props.emailFrom,
    SWITCHBOARD_EMAIL__REPLY_TO: props.emailReplyTo ?? "",
    SWITCHBOARD_EMAIL__PROVIDERS: (props.emailProviders ?? ["ses"]).join(","),
    SWITCHBOARD_SMS__PROVIDERS: (props.smsProviders ?? ["sns"]).join(","),
    SWITCHBOARD_DECRYPT__KEY_ARN: wiring.codeKeyArn,
    SWITCHBOARD_DECRYPT__KEY_ARNS: (props.previousKeyArns ?? []).join(","),
    // Only the attached pool's events; a pool of this app is bound by the IAM condition.
    SWITCHBOARD_DECRYPT__USER_POOLS: wiring.boundPoolId,
    SWITCHBOARD_IDEMPOTENCY__TABLE: wiring.tableName ?? "",
    SWITCHBOARD_IDEMPOTENCY__LOCK_TIMEOUT_MS: "30000",
    // The function's timeout is 15 s: delivery stops 1.5 s before it.
    SWITCHBOARD_DELIVERY__DEADLINE_MARGIN_MS: "1500",
    // glibc's malloc keeps an arena per thread that allocates; two hold the
    // runtime's workers and keep the peak RSS down (docs/performance.md).
    MALLOC_ARENA_MAX: "1",
    SWITCHBOARD_SMS__LIMITS__PER_NUMBER: String(limits.perNumber ?? 0),
    SWITCHBOARD_SMS__LIMITS__PER_COUNTRY__DEFAULT: String(limits.perCountry ?? 0),
    SWITCHBOARD_SMS__LIMITS__WINDOW_SECONDS: String(limits.windowSeconds ?? 3600),
  };
  // The fleet's provider health lives in the idempotency table, under `health#` keys.
  if (wiring.tableName && (props.fleetHealth ?? true)) env.SWITCHBOARD_HEALTH__TABLE = wiring.tableName;
  for (const [code, limit] of Object.entries(limits.byCountry ?? {})) {
    env[`SWITCHBOARD_SMS__LIMITS__PER_COUNTRY__${code}`] = String(limit);
  }
  if (props.configParameterName) {
    env.SWITCHBOARD_CONFIG = `ssm:${props.configParameterName}`;
  }
  if (props.useSes ?? true) {
    env.SWITCHBOARD_PROVIDERS__SES__TYPE = "ses";
    if (props.sesRegion) env.SWITCHBOARD_PROVIDERS__SES__REGION = props.sesRegion;
    if (props.sesFromArn) env.SWITCHBOARD_PROVIDERS__SES__FROM_ARN = props.sesFromArn;
  }
  if (props.useSns ?? true) {
    env.SWITCHBOARD_PROVIDERS__SNS__TYPE = "sns";
  }
  if (props.awsSms) {
    const sms = props.awsSms;
    env.SWITCHBOARD_PROVIDERS__AWS_SMS__TYPE = "aws-sms";
    if (sms.originationIdentity) env.SWITCHBOARD_PROVIDERS__AWS_SMS__ORIGINATION_IDENTITY = sms.originationIdentity;
    if (sms.configurationSet) env.SWITCHBOARD_PROVIDERS__AWS_SMS__CONFIGURATION_SET = sms.configurationSet;
    if (sms.protectConfigurationId) {
      env.SWITCHBOARD_PROVIDERS__AWS_SMS__PROTECT_CONFIGURATION_ID = sms.protectConfigurationId;
    }
  }
  return { ...env, ...(props.environment ?? {}) };
}

/**
 * What the sender learns of the receipts: where Twilio's per-message callbacks go, and
 * the configuration sets whose events reach the receipts function.
 */
export function senderReceiptsEnvironment(receiptsUrl: string, wiring: ReceiptsWiring): Record<string, string> {
  const env: Record<string, string> = { SWITCHBOARD_RECEIPTS__URL: receiptsUrl };
  if (wiring.sesConfigurationSet) env.SWITCHBOARD_PROVIDERS__SES__CONFIGURATION_SET = wiring.sesConfigurationSet;
  if (wiring.smsConfigurationSet) env.SWITCHBOARD_PROVIDERS__AWS_SMS__CONFIGURATION_SET = wiring.smsConfigurationSet;
  return env;
}

/**
 * The receipts function's environment: the same package started as the receipts
 * function, each provider's type, region and configuration set, and the trail table.
 * Its receipts' secrets come from the configuration layer or `environment`.
 */
export function receiptsEnvironment(props: SwitchboardProps, wiring: ReceiptsWiring): Record<string, string> {
  const env: Record<string, string> = {
    SWITCHBOARD_FUNCTION: "receipts",
    SWITCHBOARD_APP__NAME: props.productName,
    SWITCHBOARD_EMAIL__FROM: props.emailFrom,
    SWITCHBOARD_EMAIL__PROVIDERS: (props.emailProviders ?? ["ses"]).join(","),
    SWITCHBOARD_SMS__PROVIDERS: (props.smsProviders ?? ["sns"]).join(","),
    SWITCHBOARD_RECEIPTS__TABLE: wiring.tableName,
    SWITCHBOARD_RECEIPTS__RETENTION_DAYS: String(props.receipts?.retentionDays ?? 30),
    MALLOC_ARENA_MAX: "1",
  };
  if (wiring.healthTableName) env.SWITCHBOARD_HEALTH__TABLE = wiring.healthTableName;
  if (props.configParameterName) env.SWITCHBOARD_CONFIG = `ssm:${props.configParameterName}`;
  if (props.useSes ?? true) {
    env.SWITCHBOARD_PROVIDERS__SES__TYPE = "ses";
    if (props.sesRegion) env.SWITCHBOARD_PROVIDERS__SES__REGION = props.sesRegion;
    if (wiring.sesConfigurationSet) env.SWITCHBOARD_PROVIDERS__SES__CONFIGURATION_SET = wiring.sesConfigurationSet;
  }
  if (props.useSns ?? true) env.SWITCHBOARD_PROVIDERS__SNS__TYPE = "sns";
  if (props.awsSms) {
    env.SWITCHBOARD_PROVIDERS__AWS_SMS__TYPE = "aws-sms";
    const set = props.awsSms.configurationSet || wiring.smsConfigurationSet;
    if (set) env.SWITCHBOARD_PROVIDERS__AWS_SMS__CONFIGURATION_SET = set;
  }
  return { ...env, ...(props.environment ?? {}) };
}
