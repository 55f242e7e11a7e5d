import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as ses from "aws-cdk-lib/aws-ses";
import * as smsvoice from "aws-cdk-lib/aws-smsvoice";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import { receiptsEnvironment } from "./environment";
import { switchboardFunction } from "./function";
import { HEALTH_COUNTS_ONLY } from "./policies";
import { SwitchboardProps } from "./props";

export interface ReceiptsProps {
  readonly switchboard: SwitchboardProps;
  readonly name: string;
  readonly removalPolicy: RemovalPolicy;
  /** The alarms' topic, and its key (End User Messaging publishes its events under it too). */
  readonly alarmTopic: sns.ITopic;
  readonly alarmKey: kms.Key;
  /** The fleet's health table (the idempotency table), where each receipt is counted. */
  readonly healthTable?: dynamodb.ITable;
}

/**
 * The receipts function (docs/receipts.md): the same package, started as the receipts
 * function by its environment, with a role that can verify and record receipts and
 * nothing else (no kms:Decrypt, no sending, not the idempotency table); its public
 * Function URL for the providers' webhooks; the trail table; SES's events through
 * EventBridge; End User Messaging's through SNS; the undelivered-share alarms. The same
 * resources as the SAM template's and the Terraform module's.
 */
export class Receipts extends Construct {
  readonly function: lambda.Function;
  readonly table: dynamodb.Table;
  /** The URL each provider's webhook is under (`{url}{provider name}`). */
  readonly url: string;
  /** SES's configuration set the sender names, when SES sends from this region. */
  readonly sesConfigurationSet?: string;
  /** End User Messaging's configuration set made here, when none is named. */
  readonly smsConfigurationSet?: string;
  /** End User Messaging's events topic, for a configuration set named by `awsSms.configurationSet`. */
  readonly smsTopic?: sns.Topic;
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: ReceiptsProps) {
    super(scope, id);
    const sb = props.switchboard;
    const options = sb.receipts ?? {};
    const stack = Stack.of(this);

    // Each event's status trail: one item per event and provider, one per receipt seen.
    this.table = new dynamodb.Table(this, "Table", {
      partitionKey: { name: "id", type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: "ttl",
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy,
      deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
    });
    // `switchboard status --to/--user` (a recipient's trails) and `--since` (an hour's
    // trails) read these; no scan.
    for (const [indexName, key] of [["by_recipient", "recipient"], ["by_hour", "hour"]]) {
      this.table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: key, type: dynamodb.AttributeType.STRING },
        sortKey: { name: "at", type: dynamodb.AttributeType.NUMBER },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }

    // SES's configuration set and its EventBridge rule live in the stack's region.
    const useSes = sb.useSes ?? true;
    const sesHere = useSes && (!sb.sesRegion || sb.sesRegion === stack.region);
    let emailSet: ses.CfnConfigurationSet | undefined;
    if (sesHere) {
      emailSet = new ses.CfnConfigurationSet(this, "EmailSet");
      new ses.CfnConfigurationSetEventDestination(this, "EmailDestination", {
        configurationSetName: emailSet.ref,
        eventDestination: {
          name: "switchboard-receipts",
          enabled: true,
          matchingEventTypes: ["delivery", "bounce", "complaint", "reject", "deliveryDelay", "renderingFailure"],
          eventBridgeDestination: {
            eventBusArn: `arn:${stack.partition}:events:${stack.region}:${stack.account}:event-bus/default`,
          },
        },
      });
      this.sesConfigurationSet = emailSet.ref;
    }

    // End User Messaging SMS: its events to a topic the receipts function reads, under
    // the alarms' key, whose policy lets the service use it.
    if (sb.awsSms) {
      props.alarmKey.addToResourcePolicy(new iam.PolicyStatement({
        sid: "EndUserMessagingPublishesReceipts",
        principals: [new iam.ServicePrincipal("sms-voice.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
        conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
      }));
      this.smsTopic = new sns.Topic(this, "SmsTopic", { masterKey: props.alarmKey, enforceSSL: true });
      const published = this.smsTopic.addToResourcePolicy(new iam.PolicyStatement({
        sid: "EndUserMessagingPublishes",
        principals: [new iam.ServicePrincipal("sms-voice.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.smsTopic.topicArn],
        conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
      }));
      // A configuration set of the deployment's own, its events to the topic; a set named
      // by awsSms.configurationSet gets that destination by hand (docs/receipts.md).
      if (!sb.awsSms.configurationSet) {
        const smsSet = new smsvoice.CfnConfigurationSet(this, "SmsSet", {
          eventDestinations: [{
            eventDestinationName: "switchboard-receipts",
            enabled: true,
            matchingEventTypes: ["TEXT_ALL"],
            snsDestination: { topicArn: this.smsTopic.topicArn },
          }],
        });
        if (published.policyDependable) smsSet.node.addDependency(published.policyDependable);
        this.smsConfigurationSet = smsSet.ref;
      }
    }

    this.function = switchboardFunction(this, sb, {
      timeout: Duration.seconds(10),
      reservedConcurrency: options.reservedConcurrency,
      environment: receiptsEnvironment(sb, {
        tableName: this.table.tableName,
        healthTableName: props.healthTable?.tableName,
        sesConfigurationSet: this.sesConfigurationSet,
        smsConfigurationSet: this.smsConfigurationSet,
      }),
    });
    this.function.addToRolePolicy(new iam.PolicyStatement({
      sid: "RecordTrails",
      actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      resources: [this.table.tableArn],
    }));
    if (props.healthTable) {
      // Each receipt counted in its provider's health: the per-minute counts of the
      // idempotency table, never its claims or a provider's state.
      this.function.addToRolePolicy(new iam.PolicyStatement({
        sid: "CountReceipts",
        actions: ["dynamodb:UpdateItem"],
        resources: [props.healthTable.tableArn],
        conditions: HEALTH_COUNTS_ONLY,
      }));
    }
    if (sb.configParameterName) {
      this.function.addToRolePolicy(new iam.PolicyStatement({
        sid: "ReadConfiguration",
        actions: ["ssm:GetParameter"],
        resources: [stack.formatArn({ service: "ssm", resource: "parameter", resourceName: sb.configParameterName.replace(/^\//, "") })],
      }));
      // Only through SSM, for a SecureString under a key of yours (the aws/ssm key needs
      // no grant): never the code key.
      if (sb.ssmKeyArn) {
        this.function.addToRolePolicy(new iam.PolicyStatement({
          sid: "DecryptTheConfiguration",
          actions: ["kms:Decrypt"],
          resources: [sb.ssmKeyArn],
          conditions: { StringEquals: { "kms:ViaService": `ssm.${stack.region}.amazonaws.com` } },
        }));
      }
    }
    if ((options.secretArns ?? []).length > 0) {
      this.function.addToRolePolicy(new iam.PolicyStatement({
        sid: "ReadWebhookSecrets",
        actions: ["secretsmanager:GetSecretValue"],
        resources: options.secretArns!,
      }));
    }

    // Public by design: the providers sign what they send.
    this.url = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE }).url;

    if (emailSet) {
      new events.Rule(this, "EmailRule", {
        description: "SES events of Switchboard's configuration set, to its receipts function.",
        eventPattern: { source: ["aws.ses"], detail: { mail: { tags: { "ses:configuration-set": [emailSet.ref] } } } },
        targets: [new targets.LambdaFunction(this.function)],
      });
    }
    if (this.smsTopic) {
      this.smsTopic.addSubscription(new subscriptions.LambdaSubscription(this.function));
    }

    // The share of a channel's receipts that say a message did not arrive (undelivered,
    // bounced, blocked, failed), from the receipts function's EMF metrics.
    const percent = options.undeliveredSharePercent ?? 20;
    this.alarms = ["email", "sms"].map((channel) => {
      const metric = (metricName: string) => new cloudwatch.Metric({
        namespace: "Switchboard", metricName, dimensionsMap: { Channel: channel }, statistic: "Sum", period: Duration.minutes(5),
      });
      const lost = new cloudwatch.MathExpression({
        expression: "FILL(u,0)+FILL(b,0)+FILL(k,0)+FILL(f,0)",
        usingMetrics: { u: metric("Undelivered"), b: metric("Bounced"), k: metric("Blocked"), f: metric("Failed") },
        period: Duration.minutes(5),
      });
      const total = new cloudwatch.MathExpression({
        expression: "lost+FILL(d,0)", usingMetrics: { lost, d: metric("Delivered") }, period: Duration.minutes(5),
      });
      const share = new cloudwatch.MathExpression({
        expression: "IF(total >= 10, 100*lost/total, 0)", usingMetrics: { total, lost },
        label: "Not delivered (%)", period: Duration.minutes(5),
      });
      const alarm = new cloudwatch.Alarm(this, `${channel === "sms" ? "Sms" : "Email"}Alarm`, {
        alarmName: `${props.name}-${channel}-not-delivered`,
        alarmDescription: `More than ${percent}% of ${channel === "sms" ? "SMS" : "email"} receipts say the message did not arrive.`,
        metric: share,
        threshold: percent,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      return alarm;
    });
  }
}
