import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";

export interface AlarmsProps {
  readonly name: string;
  readonly queueName: string;
  readonly functionName: string;
  readonly alarmEmail?: string;
  readonly removalPolicy: RemovalPolicy;
}

/** The three alarms of every Switchboard deployment, and the topic they publish to. */
export class Alarms extends Construct {
  readonly topic: sns.Topic;
  /** The topic's key; End User Messaging's receipts topic uses it too. */
  readonly key: kms.Key;
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    // CloudWatch publishes only to a topic whose key lets it: not the AWS-managed
    // alias/aws/sns, so a customer key.
    const key = (this.key = new kms.Key(this, "AlarmKey", {
      description: "Switchboard - alarm notifications",
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    }));
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "CloudWatchPublishesAlarms",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
        conditions: { StringEquals: { "aws:SourceAccount": Stack.of(this).account } },
      }),
    );
    this.topic = new sns.Topic(this, "AlarmTopic", { masterKey: key, enforceSSL: true });
    if (props.alarmEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
    const alarm = (id: string, suffix: string, description: string, metric: cloudwatch.Metric, threshold: number,
      comparisonOperator: cloudwatch.ComparisonOperator) => {
      const made = new cloudwatch.Alarm(this, id, {
        alarmName: `${props.name}-${suffix}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      made.addAlarmAction(new actions.SnsAction(this.topic));
      return made;
    };
    this.alarms = [
      alarm("UndeliveredAlarm", "undelivered", "Codes that could not be delivered are waiting in the undelivered queue.",
        new cloudwatch.Metric({
          namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible",
          dimensionsMap: { QueueName: props.queueName }, statistic: "Maximum", period: Duration.minutes(1),
        }), 0, cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD),
      alarm("ErrorsAlarm", "errors", "Switchboard invocations are failing (provider outage or configuration).",
        new cloudwatch.Metric({
          namespace: "AWS/Lambda", metricName: "Errors",
          dimensionsMap: { FunctionName: props.functionName }, statistic: "Sum", period: Duration.minutes(5),
        }), 5, cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD),
      // Emitted by the function as an EMF metric (no dimension = every trigger source).
      alarm("SmsLimitedAlarm", "sms-limited", "The SMS pumping guard refused many messages (a pumping attempt, or limits set too low).",
        new cloudwatch.Metric({
          namespace: "Switchboard", metricName: "SmsLimited", statistic: "Sum", period: Duration.minutes(5),
        }), 10, cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD),
    ];
  }
}
