import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { acknowledge } from "./acknowledge";
import { SwitchboardProps } from "./props";

/** What differs between the sender and the receipts function. */
export interface FunctionOptions {
  readonly timeout: Duration;
  readonly reservedConcurrency?: number;
  readonly layers?: lambda.ILayerVersion[];
  readonly environment: Record<string, string>;
}

/**
 * The package as a function under `scope` (ids `LogGroup` and `Function`): arm64 on
 * provided.al2023, 128 MB, JSON logs in a log group of its own, tracing as SAM and the
 * Terraform module set it, the managed policies those attach acknowledged for cdk-nag.
 */
export function switchboardFunction(scope: Construct, props: SwitchboardProps, options: FunctionOptions): lambda.Function {
  // Delivery logs expire after logRetention anyway; they go with the stack.
  const logGroup = new logs.LogGroup(scope, "LogGroup", {
    retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const fn = new lambda.Function(scope, "Function", {
    code: lambda.Code.fromAsset(props.packagePath),
    handler: "bootstrap",
    runtime: lambda.Runtime.PROVIDED_AL2023,
    architecture: props.architecture ?? lambda.Architecture.ARM_64,
    memorySize: 128,
    timeout: options.timeout,
    reservedConcurrentExecutions: options.reservedConcurrency,
    layers: options.layers,
    loggingFormat: lambda.LoggingFormat.JSON,
    applicationLogLevelV2: props.logLevel ?? lambda.ApplicationLogLevel.INFO,
    systemLogLevelV2: lambda.SystemLogLevel.WARN,
    logGroup,
    environment: options.environment,
  });
  const role = fn.role!;
  if (props.tracing) {
    // Set here rather than with the `tracing` prop, which puts its xray:* on "*" into the
    // role's default policy: the managed policy SAM and the Terraform module attach.
    (fn.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: "Active" };
    role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName("AWSXrayWriteOnlyAccess"));
    acknowledge(role, "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AWSXrayWriteOnlyAccess]",
      "AWSXrayWriteOnlyAccess (trace segments have no resource ARN) is what SAM attaches for Tracing, and the Terraform module too.");
  }
  acknowledge(role, "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
    "AWSLambdaBasicExecutionRole (CreateLogGroup, CreateLogStream, PutLogEvents) is what the SAM template and the Terraform module attach too.");
  return fn;
}
