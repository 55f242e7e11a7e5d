// The construct's wiring, the way CDK libraries test: aws-cdk-lib/assertions on the
// synthesized template, for a new pool, a pool of the app and a pool outside it.
import { Stack } from "aws-cdk-lib";
import { Capture, Match, Template } from "aws-cdk-lib/assertions";
import * as cognito from "aws-cdk-lib/aws-cognito";
import * as lambda from "aws-cdk-lib/aws-lambda";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { build, logicalId } from "./fixtures";

const EXISTING = "us-east-1_Existing1";
// Stack env is concrete in the tests: ARNs come out as Fn::Join with the partition.
const joined = (...parts: unknown[]) => ({ "Fn::Join": ["", parts] });
const poolArnOfExisting = joined("arn:", { Ref: "AWS::Partition" }, `:cognito-idp:us-east-1:111122223333:userpool/${EXISTING}`);

describe("a new pool (the default)", () => {
  const { template } = build();
  const fn = logicalId(template, "AWS::Lambda::Function", /Codes\/Function\/Resource$/);
  const key = logicalId(template, "AWS::KMS::Key", /Codes\/CodeKey\/Resource$/);
  const pool = logicalId(template, "AWS::Cognito::UserPool", /Codes\/UserPool\/Resource$/);

  it("creates each resource once (two keys: the codes' and the alarm topic's)", () => {
    const counts: Record<string, number> = {
      "AWS::Cognito::UserPool": 1, "AWS::Lambda::Function": 1, "AWS::KMS::Key": 2, "AWS::SQS::Queue": 1,
      "AWS::DynamoDB::Table": 1, "AWS::Logs::LogGroup": 1, "AWS::Lambda::EventInvokeConfig": 1,
      "AWS::Lambda::Permission": 1, "AWS::IAM::Role": 2, "AWS::CloudWatch::Alarm": 3, "AWS::SNS::Topic": 1,
      "AWS::SNS::Subscription": 0,
    };
    for (const [type, count] of Object.entries(counts)) template.resourceCountIs(type, count);
  });

  it("attaches the function as both custom senders with LambdaVersion V1_0 and the code key", () => {
    const sender = { LambdaArn: { "Fn::GetAtt": [fn, "Arn"] }, LambdaVersion: "V1_0" };
    template.hasResourceProperties("AWS::Cognito::UserPool", {
      LambdaConfig: { KMSKeyID: { "Fn::GetAtt": [key, "Arn"] }, CustomEmailSender: sender, CustomSMSSender: sender, CustomMessage: Match.absent() },
      DeletionProtection: "ACTIVE",
      UsernameAttributes: ["email"],
    });
  });

  it("lets Cognito create grants on the key for this account's pools only", () => {
    template.hasResourceProperties("AWS::KMS::Key", {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([{
          Sid: "CognitoCreatesGrantsForThePool",
          Effect: "Allow",
          Principal: { Service: "cognito-idp.amazonaws.com" },
          Action: "kms:CreateGrant",
          Resource: "*",
          Condition: {
            StringEquals: { "aws:SourceAccount": "111122223333" },
            ArnLike: { "aws:SourceArn": joined("arn:", { Ref: "AWS::Partition" }, ":cognito-idp:us-east-1:111122223333:userpool/*") },
          },
        }]),
      },
    });
  });

  it("decrypts only codes made for this pool (kms:EncryptionContext:userpool-id), in a policy apart from the function's", () => {
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyName: "switchboard-pool-access",
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: "DecryptThisPoolsCodes",
          Action: "kms:Decrypt",
          Resource: { "Fn::GetAtt": [key, "Arn"] },
          Condition: { StringEquals: { "kms:EncryptionContext:userpool-id": { Ref: pool } } },
        })]),
      },
    });
    // The function must not wait for it: the pool names the function.
    const policy = logicalId(template, "AWS::IAM::Policy", /Codes\/PoolAccessPolicy\/Resource$/);
    const dependsOn = template.findResources("AWS::Lambda::Function")[fn].DependsOn ?? [];
    assert.ok(!dependsOn.includes(policy), `the function depends on ${policy}: a cycle through the pool`);
  });

  it("lets only this pool invoke the function (SourceArn and SourceAccount)", () => {
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      Principal: "cognito-idp.amazonaws.com",
      SourceAccount: "111122223333",
      SourceArn: { "Fn::GetAtt": [pool, "Arn"] },
      FunctionName: { "Fn::GetAtt": [fn, "Arn"] },
    });
  });

  it("keeps what could not be delivered: two retries, an hour, then the queue", () => {
    const queue = logicalId(template, "AWS::SQS::Queue", /UndeliveredQueue\/Resource$/);
    template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [queue, "Arn"] } } },
    });
    template.hasResourceProperties("AWS::SQS::Queue", { MessageRetentionPeriod: 1209600, KmsMasterKeyId: "alias/aws/sqs" });
  });

  it("runs arm64 on provided.al2023 with JSON logs, 128 MB and 15 s", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Architectures: ["arm64"], Runtime: "provided.al2023", Handler: "bootstrap", MemorySize: 128, Timeout: 15,
      LoggingConfig: { LogFormat: "JSON", ApplicationLogLevel: "INFO", SystemLogLevel: "WARN" },
      TracingConfig: Match.absent(),
    });
  });

  it("gives the function the key, the table and no pool binding (a new pool cannot be named)", () => {
    const env = new Capture();
    template.hasResourceProperties("AWS::Lambda::Function", { Environment: { Variables: env } });
    const table = logicalId(template, "AWS::DynamoDB::Table", /Codes\/Table\/Resource$/);
    assert.deepEqual(env.asObject().SWITCHBOARD_DECRYPT__KEY_ARN, { "Fn::GetAtt": [key, "Arn"] });
    assert.deepEqual(env.asObject().SWITCHBOARD_IDEMPOTENCY__TABLE, { Ref: table });
    assert.equal(env.asObject().SWITCHBOARD_DECRYPT__USER_POOLS, "");
    assert.equal(env.asObject().SWITCHBOARD_EMAIL__PROVIDERS, "ses");
    assert.equal(env.asObject().SWITCHBOARD_SMS__PROVIDERS, "sns");
  });

  it("retains the pool, both keys, the table and the queue; the log group goes with the stack", () => {
    for (const type of ["AWS::Cognito::UserPool", "AWS::KMS::Key", "AWS::DynamoDB::Table", "AWS::SQS::Queue"]) {
      const resources = Object.entries(template.findResources(type));
      assert.ok(resources.length > 0, type);
      for (const [id, resource] of resources) {
        assert.equal(resource.DeletionPolicy, "Retain", `${type} ${id}`);
        assert.equal(resource.UpdateReplacePolicy, "Retain", `${type} ${id}`);
      }
    }
    template.hasResource("AWS::Logs::LogGroup", { DeletionPolicy: "Delete", Properties: { RetentionInDays: 30 } });
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      DeletionProtectionEnabled: true,
      TimeToLiveSpecification: { AttributeName: "ttl", Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      BillingMode: "PAY_PER_REQUEST",
    });
  });

  it("publishes SMS to phone numbers only, from the function and from Cognito's SMS role", () => {
    const denied = { Sid: "NoTopics", Effect: "Deny", Action: "sns:Publish", Resource: joined("arn:", { Ref: "AWS::Partition" }, ":sns:*:*:*") };
    template.hasResourceProperties("AWS::IAM::Policy", { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike(denied)]) } });
    template.hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({
        Principal: { Service: "cognito-idp.amazonaws.com" },
        Condition: { StringEquals: { "sts:ExternalId": "Test-sms", "aws:SourceAccount": "111122223333" } },
      })] },
      Policies: [{ PolicyName: "publish-sms", PolicyDocument: { Statement: Match.arrayWith([Match.objectLike(denied)]) } }],
    });
  });

  it("names the three alarms after the stack and sends them to an encrypted topic", () => {
    const topic = logicalId(template, "AWS::SNS::Topic", /AlarmTopic\/Resource$/);
    for (const name of ["Test-undelivered", "Test-errors", "Test-sms-limited"]) {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", { AlarmName: name, AlarmActions: [{ Ref: topic }], TreatMissingData: "notBreaching" });
    }
    template.hasResourceProperties("AWS::SNS::Topic", { KmsMasterKeyId: Match.anyValue() });
  });
});

describe("a pool outside the app (existingUserPoolId)", () => {
  const { template } = build({ existingUserPoolId: EXISTING });

  it("creates no pool, binds the function to the pool's events and grants on that pool only", () => {
    template.resourceCountIs("AWS::Cognito::UserPool", 0);
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ SWITCHBOARD_DECRYPT__USER_POOLS: EXISTING }) },
    });
    template.hasResourceProperties("AWS::KMS::Key", {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({
        Sid: "CognitoCreatesGrantsForThePool",
        Condition: { StringEquals: { "aws:SourceAccount": "111122223333" }, ArnLike: { "aws:SourceArn": poolArnOfExisting } },
      })]) },
    });
    template.hasResourceProperties("AWS::Lambda::Permission", { SourceArn: poolArnOfExisting, SourceAccount: "111122223333" });
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyName: "switchboard-pool-access",
      PolicyDocument: { Statement: Match.arrayWith([
        Match.objectLike({ Sid: "DecryptThisPoolsCodes", Condition: { StringEquals: { "kms:EncryptionContext:userpool-id": EXISTING } } }),
        Match.objectLike({ Sid: "LookUpMissingRecipients", Action: "cognito-idp:AdminGetUser", Resource: poolArnOfExisting }),
      ]) },
    });
  });
});

describe("a pool of the app (userPool)", () => {
  const built = build({}, (stack: Stack) => {
    const pool = new cognito.UserPool(stack, "MyPool", {
      lambdaTriggers: {
        preSignUp: new lambda.Function(stack, "PreSignUp", {
          code: lambda.Code.fromInline("exports.handler = async (e) => e"), handler: "index.handler", runtime: lambda.Runtime.NODEJS_20_X,
        }),
      },
    });
    return { userPool: pool, attachCustomMessage: true };
  }, false);
  const { template, codes } = built;

  it("wires the given pool: its own triggers stay, the senders, CustomMessage and the key are added", () => {
    const fn = logicalId(template, "AWS::Lambda::Function", /Codes\/Function\/Resource$/);
    template.resourceCountIs("AWS::Cognito::UserPool", 1);
    template.hasResourceProperties("AWS::Cognito::UserPool", {
      LambdaConfig: {
        PreSignUp: Match.anyValue(),
        KMSKeyID: Match.anyValue(),
        CustomEmailSender: { LambdaArn: { "Fn::GetAtt": [fn, "Arn"] }, LambdaVersion: "V1_0" },
        CustomSMSSender: { LambdaArn: { "Fn::GetAtt": [fn, "Arn"] }, LambdaVersion: "V1_0" },
        CustomMessage: { "Fn::GetAtt": [fn, "Arn"] },
      },
    });
    assert.equal(codes.userPool?.node.id, "MyPool");
  });
});

describe("options", () => {
  it("turn on what they name: tracing (with the managed policy SAM attaches), the layer, concurrency, the alarm e-mail, SMS limits", () => {
    const { template } = build({
      tracing: true, reservedConcurrency: 5, alarmEmail: "ops@acme.test",
      smsLimits: { perNumber: 5, perCountry: 500, byCountry: { "44": 100 } },
      awsSms: { originationIdentity: "pool-0123" },
    }, (stack) => ({
      templatesLayer: lambda.LayerVersion.fromLayerVersionArn(stack, "T", "arn:aws:lambda:us-east-1:111122223333:layer:t:1"),
    }));
    template.hasResourceProperties("AWS::Lambda::Function", {
      TracingConfig: { Mode: "Active" }, ReservedConcurrentExecutions: 5, Layers: ["arn:aws:lambda:us-east-1:111122223333:layer:t:1"],
      Environment: { Variables: Match.objectLike({
        SWITCHBOARD_SMS__LIMITS__PER_NUMBER: "5", SWITCHBOARD_SMS__LIMITS__PER_COUNTRY__DEFAULT: "500",
        SWITCHBOARD_SMS__LIMITS__PER_COUNTRY__44: "100", SWITCHBOARD_PROVIDERS__AWS_SMS__TYPE: "aws-sms",
        SWITCHBOARD_PROVIDERS__AWS_SMS__ORIGINATION_IDENTITY: "pool-0123",
      }) },
    });
    template.hasResourceProperties("AWS::IAM::Role", {
      ManagedPolicyArns: Match.arrayWith([joined("arn:", { Ref: "AWS::Partition" }, ":iam::aws:policy/AWSXrayWriteOnlyAccess")]),
    });
    template.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "ops@acme.test" });
  });

  it("are refused when they contradict, with the fix", () => {
    const pool = (stack: Stack) => ({ userPool: new cognito.UserPool(stack, "P") });
    assert.throws(() => build({ existingUserPoolId: EXISTING }, pool), /either userPool .* or existingUserPoolId/);
    assert.throws(() => build({ existingUserPoolId: EXISTING, attachCustomMessage: true }), /CustomMessage trigger to the function yourself/);
    assert.throws(() => build({ idempotency: false, smsLimits: { perNumber: 3 } }), /set idempotency: true, or every limit to 0/);
  });

  it("without idempotency, create no table and name none", () => {
    const { template } = build({ idempotency: false });
    template.resourceCountIs("AWS::DynamoDB::Table", 0);
    template.hasResourceProperties("AWS::Lambda::Function", { Environment: { Variables: Match.objectLike({ SWITCHBOARD_IDEMPOTENCY__TABLE: "" }) } });
  });

  it("exposes the function, the key and the queue for users to extend", () => {
    const { stack, codes } = build();
    codes.function.addEnvironment("SWITCHBOARD_PROVIDERS__SENDGRID__TYPE", "sendgrid");
    codes.undeliveredQueue.grantConsumeMessages(codes.smsRole);
    const template = Template.fromStack(stack);
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ SWITCHBOARD_PROVIDERS__SENDGRID__TYPE: "sendgrid" }) },
    });
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(["sqs:ReceiveMessage"]) })]) },
    });
    assert.match(stack.resolve(codes.codeKey.keyArn)["Fn::GetAtt"][0], /CodesCodeKey/);
  });
});
