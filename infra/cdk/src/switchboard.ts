import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cognito from "aws-cdk-lib/aws-cognito";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { acknowledge } from "./acknowledge";
import { Alarms } from "./alarms";
import { functionEnvironment, senderReceiptsEnvironment } from "./environment";
import { switchboardFunction } from "./function";
import { SMS_HAS_NO_ARN, functionStatements, poolAccessStatements, poolArnOf, publishToPhoneNumbersOnly } from "./policies";
import { SwitchboardProps } from "./props";
import { Receipts } from "./receipts";

/**
 * Switchboard attached to a Cognito user pool as CustomEmailSender and CustomSMSSender
 * (and optionally CustomMessage): a new pool, a pool of your app (`userPool`) or one
 * outside it (`existingUserPoolId`). The same resources and safe defaults as
 * infra/sam/template.yaml and the Terraform module.
 */
export class Switchboard extends Construct {
  /** The function; add SWITCHBOARD_* variables or grants to it. */
  readonly function: lambda.Function;
  /** The key Cognito encrypts every code under (the pool's KMSKeyID). */
  readonly codeKey: kms.Key;
  /** Failed invocations after Lambda's retries: Lambda's on-failure records (docs/deploy.md redrives them). */
  readonly undeliveredQueue: sqs.Queue;
  /** The idempotency table, unless `idempotency: false`. */
  readonly table?: dynamodb.Table;
  /** The pool this construct made or was given; undefined for `existingUserPoolId`. */
  readonly userPool?: cognito.UserPool;
  readonly userPoolId: string;
  /** The role Cognito publishes SMS with; for an existing pool, its SmsConfiguration.SnsCallerArn. */
  readonly smsRole: iam.Role;
  /** The SMS role's external id (the pool's SmsConfiguration.ExternalId). */
  readonly smsExternalId: string;
  readonly alarmTopic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[];
  /** The receipts function and what it reads, when `receipts` is set. */
  readonly receipts?: Receipts;

  constructor(scope: Construct, id: string, props: SwitchboardProps) {
    super(scope, id);
    refuseContradictions(props);
    const stack = Stack.of(this);
    const name = props.name ?? stack.stackName;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const existingPoolId = props.existingUserPoolId;
    const previousKeyArns = props.previousKeyArns ?? [];

    // Codes in flight (Lambda's retries, the on-failure queue) are encrypted under it.
    this.codeKey = new kms.Key(this, "CodeKey", {
      description: "Switchboard - Cognito custom sender codes",
      enableKeyRotation: true,
      removalPolicy,
    });
    // Cognito may create grants for the exact pool when it is outside the app; a pool
    // of the app cannot be named (it names the key: a cycle), so the account's pools.
    this.codeKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "CognitoCreatesGrantsForThePool",
        principals: [new iam.ServicePrincipal("cognito-idp.amazonaws.com")],
        actions: ["kms:CreateGrant"],
        resources: ["*"],
        conditions: {
          StringEquals: { "aws:SourceAccount": stack.account },
          ArnLike: { "aws:SourceArn": poolArnOf(this, existingPoolId ?? "*") },
        },
      }),
    );

    this.undeliveredQueue = new sqs.Queue(this, "UndeliveredQueue", {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.KMS_MANAGED,
      enforceSSL: true,
      removalPolicy,
    });
    acknowledge(this.undeliveredQueue, "SQS3", "This queue is the function's on-failure destination: it is the dead-letter queue.");

    if (props.idempotency ?? true) {
      this.table = new dynamodb.Table(this, "Table", {
        partitionKey: { name: "id", type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        timeToLiveAttribute: "ttl",
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        removalPolicy,
        deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      });
    }

    this.function = switchboardFunction(this, props, {
      timeout: Duration.seconds(15),
      reservedConcurrency: props.reservedConcurrency,
      layers: props.templatesLayer ? [props.templatesLayer] : undefined,
      environment: functionEnvironment(props, {
        codeKeyArn: this.codeKey.keyArn,
        boundPoolId: existingPoolId ?? "",
        tableName: this.table?.tableName,
      }),
    });
    const codeKeyArns = [this.codeKey.keyArn, ...previousKeyArns];
    const role = this.function.role!;
    const cfnFunction = this.function.node.defaultChild as lambda.CfnFunction;
    const { scoped, wildcards } = functionStatements(this, props, {
      codeKeyArns,
      queueArn: this.undeliveredQueue.queueArn,
      tableArn: this.table?.tableArn,
    });
    scoped.forEach((statement) => this.function.addToRolePolicy(statement));
    for (const wildcard of wildcards) {
      const policy = new iam.Policy(this, wildcard.id, { statements: wildcard.statements, roles: [role] });
      wildcard.findings.forEach((finding) => acknowledge(policy, finding, wildcard.reason));
      // The function (not its role, which the policy names) waits for what it may do.
      cfnFunction.addResourceDependency(policy.node.defaultChild as iam.CfnPolicy);
    }

    // Cognito invokes custom senders asynchronously: bound the retries and the age, and
    // keep what could not be delivered. The destination is bound by hand: the role's
    // ReportFailures statement already allows the one action it needs.
    this.function.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: { bind: () => ({ destination: this.undeliveredQueue.queueArn }) },
    });

    this.smsExternalId = `${name}-sms`;
    this.smsRole = new iam.Role(this, "SmsRole", {
      assumedBy: new iam.ServicePrincipal("cognito-idp.amazonaws.com", {
        conditions: { StringEquals: { "sts:ExternalId": this.smsExternalId, "aws:SourceAccount": stack.account } },
      }),
      inlinePolicies: { "publish-sms": new iam.PolicyDocument({ statements: publishToPhoneNumbersOnly(this) }) },
    });
    acknowledge(this.smsRole, "IAM5[Resource::*]", SMS_HAS_NO_ARN);

    this.userPool = existingPoolId ? undefined : props.userPool ?? this.newPool(name, removalPolicy);
    this.userPoolId = this.userPool?.userPoolId ?? existingPoolId!;
    const poolArn = this.userPool?.userPoolArn ?? poolArnOf(this, existingPoolId!);
    if (this.userPool) {
      this.attachTo(this.userPool, props.attachCustomMessage ?? false);
    }

    // What names the pool lives apart from the role's default policy, so the function
    // does not wait for the pool while the pool waits for the function (a cycle).
    new iam.Policy(this, "PoolAccessPolicy", {
      policyName: "switchboard-pool-access",
      roles: [role],
      statements: poolAccessStatements(codeKeyArns, this.userPoolId, poolArn),
    });
    this.function.addPermission("CognitoInvokesFunction", {
      principal: new iam.ServicePrincipal("cognito-idp.amazonaws.com"),
      sourceAccount: stack.account,
      sourceArn: poolArn,
    });

    const alarms = new Alarms(this, "Alarms", {
      name,
      queueName: this.undeliveredQueue.queueName,
      functionName: this.function.functionName,
      alarmEmail: props.alarmEmail,
      removalPolicy,
    });
    this.alarmTopic = alarms.topic;
    this.alarms = alarms.alarms;

    if (props.receipts) {
      this.receipts = new Receipts(this, "Receipts", {
        switchboard: props,
        name,
        removalPolicy,
        alarmTopic: alarms.topic,
        alarmKey: alarms.key,
        healthTable: (props.fleetHealth ?? true) ? this.table : undefined,
      });
      // What `environment` sets itself stays as given.
      const given = props.environment ?? {};
      for (const [key, value] of Object.entries(senderReceiptsEnvironment(this.receipts.url, {
        tableName: this.receipts.table.tableName,
        sesConfigurationSet: this.receipts.sesConfigurationSet,
        smsConfigurationSet: this.receipts.smsConfigurationSet,
      }))) {
        if (!(key in given)) this.function.addEnvironment(key, value);
      }
      this.alarms.push(...this.receipts.alarms);
    }
  }

  private newPool(name: string, removalPolicy: RemovalPolicy): cognito.UserPool {
    const pool = new cognito.UserPool(this, "UserPool", {
      userPoolName: `${name}-users`,
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      autoVerify: { email: true },
      mfa: cognito.Mfa.OFF,
      smsRole: this.smsRole,
      smsRoleExternalId: this.smsExternalId,
      // The accounts: removing the construct or replacing the pool must not delete them.
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
      passwordPolicy: { minLength: 8, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
    });
    acknowledge(pool, "COG2", "MFA is the pool owner's choice (pass your own userPool to require it); Switchboard delivers the MFA codes when it is on.");
    acknowledge(pool, "COG8", "The feature plan is a pricing choice: Essentials, Cognito's default. Threat protection (Plus) works with custom senders unchanged.");
    return pool;
  }

  /**
   * The pool's custom sender triggers and key. Set on the template rather than with
   * `addTrigger`, which needs the key in the pool's props (made before this construct)
   * and adds a second invoke permission without SourceAccount.
   */
  private attachTo(pool: cognito.UserPool, customMessage: boolean) {
    const cfn = pool.node.defaultChild as cognito.CfnUserPool;
    const sender = { LambdaArn: this.function.functionArn, LambdaVersion: "V1_0" };
    cfn.addPropertyOverride("LambdaConfig.KMSKeyID", this.codeKey.keyArn);
    cfn.addPropertyOverride("LambdaConfig.CustomEmailSender", sender);
    cfn.addPropertyOverride("LambdaConfig.CustomSMSSender", sender);
    if (customMessage) {
      cfn.addPropertyOverride("LambdaConfig.CustomMessage", this.function.functionArn);
    }
  }
}

/** Options that cannot hold together, refused at synth with the fix. */
function refuseContradictions(props: SwitchboardProps) {
  if (props.userPool && props.existingUserPoolId) {
    throw new Error("Switchboard: give either userPool (a pool of this app) or existingUserPoolId (a pool outside it), not both");
  }
  if (props.existingUserPoolId && props.attachCustomMessage) {
    throw new Error(
      "Switchboard: attachCustomMessage applies to a pool of this app; for existingUserPoolId set the pool's " +
        "CustomMessage trigger to the function yourself (docs/deploy.md)",
    );
  }
  const limits = props.smsLimits ?? {};
  const limited = (limits.perNumber ?? 0) > 0 || (limits.perCountry ?? 0) > 0 ||
    Object.values(limits.byCountry ?? {}).some((limit) => limit > 0);
  if (limited && props.idempotency === false) {
    throw new Error("Switchboard: smsLimits are counted in the idempotency table: set idempotency: true, or every limit to 0");
  }
}
