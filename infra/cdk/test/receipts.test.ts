// The receipts function's wiring: its own role that can record trails and nothing
// else, a public URL Lambda lets through, SES's and End User Messaging's events to it,
// the sender told where receipts go, and the undelivered-share alarms.
import { Match } from "aws-cdk-lib/assertions";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { build, logicalId } from "./fixtures";

describe("receipts", () => {
  const { template } = build({ receipts: {}, awsSms: {} });
  const receipts = logicalId(template, "AWS::Lambda::Function", /Codes\/Receipts\/Function\/Resource$/);
  const sender = logicalId(template, "AWS::Lambda::Function", /Codes\/Function\/Resource$/);
  const functions = template.findResources("AWS::Lambda::Function");

  it("starts the same package as the receipts function, with the trail table", () => {
    const env = functions[receipts].Properties.Environment.Variables;
    assert.equal(env.SWITCHBOARD_FUNCTION, "receipts");
    assert.ok(env.SWITCHBOARD_RECEIPTS__TABLE);
    assert.equal(env.SWITCHBOARD_DECRYPT__KEY_ARN, undefined, "the receipts function decrypts nothing");
    assert.equal(functions[sender].Properties.Environment.Variables.SWITCHBOARD_FUNCTION, undefined);
  });

  it("gives its role no kms:Decrypt, no sending, and of the idempotency table only the health's counts", () => {
    const role = functions[receipts].Properties.Role["Fn::GetAtt"][0];
    const policies = Object.values(template.findResources("AWS::IAM::Policy"))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(role));
    assert.ok(policies.length > 0);
    type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
    const statements: Statement[] = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    const actions = [...new Set(statements.flatMap((s) => [s.Action].flat()))].sort();
    assert.deepEqual(actions, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]);
    const idempotency = logicalId(template, "AWS::DynamoDB::Table", /Codes\/Table\/Resource$/);
    const onIt = statements.filter((s) => JSON.stringify(s.Resource).includes(idempotency));
    assert.equal(onIt.length, 1);
    assert.deepEqual(onIt[0].Action, "dynamodb:UpdateItem");
    assert.deepEqual(onIt[0].Condition, { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["health#*#m*"] } });
  });

  it("is public through its URL only: InvokeFunction is allowed to anyone only via the URL", () => {
    template.hasResourceProperties("AWS::Lambda::Url", { AuthType: "NONE", TargetFunctionArn: { "Fn::GetAtt": [receipts, "Arn"] } });
    template.hasResourceProperties("AWS::Lambda::Permission", { Action: "lambda:InvokeFunctionUrl", Principal: "*", FunctionUrlAuthType: "NONE" });
    const open = Object.values(template.findResources("AWS::Lambda::Permission"))
      .filter((p) => p.Properties.Action === "lambda:InvokeFunction" && p.Properties.Principal === "*");
    assert.equal(open.length, 1);
    assert.equal(open[0].Properties.InvokedViaFunctionUrl, true);
  });

  it("tells the sender where receipts go and which configuration sets to name", () => {
    const env = functions[sender].Properties.Environment.Variables;
    assert.ok(env.SWITCHBOARD_RECEIPTS__URL["Fn::GetAtt"][1] === "FunctionUrl");
    assert.ok(env.SWITCHBOARD_PROVIDERS__SES__CONFIGURATION_SET.Ref);
    assert.ok(env.SWITCHBOARD_PROVIDERS__AWS_SMS__CONFIGURATION_SET.Ref);
  });

  it("hands SES's events of its configuration set to the function through EventBridge", () => {
    template.hasResourceProperties("AWS::SES::ConfigurationSetEventDestination", {
      EventDestination: Match.objectLike({
        MatchingEventTypes: Match.arrayWith(["delivery", "bounce", "complaint"]),
        EventBridgeDestination: { EventBusArn: Match.anyValue() },
      }),
    });
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: { source: ["aws.ses"], detail: { mail: { tags: { "ses:configuration-set": [Match.anyValue()] } } } },
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [receipts, "Arn"] } })],
    });
  });

  it("sends End User Messaging's events to a topic the function is subscribed to", () => {
    template.hasResourceProperties("AWS::SMSVOICE::ConfigurationSet", {
      EventDestinations: [Match.objectLike({ MatchingEventTypes: ["TEXT_ALL"], SnsDestination: Match.anyValue() })],
    });
    template.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "lambda", Endpoint: { "Fn::GetAtt": [receipts, "Arn"] } });
  });

  it("alarms on each channel's undelivered share", () => {
    for (const channel of ["email", "sms"]) {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        AlarmName: `Test-${channel}-not-delivered`, Threshold: 20,
        Metrics: Match.arrayWith([Match.objectLike({ Expression: "IF(total >= 10, 100*lost/total, 0)", ReturnData: true })]),
      });
    }
  });
});

describe("receipts with a named End User Messaging configuration set", () => {
  const { template } = build({ receipts: { reservedConcurrency: 2 }, awsSms: { configurationSet: "codes" } });

  it("makes no set of its own (the destination is added by hand) and caps the function", () => {
    template.resourceCountIs("AWS::SMSVOICE::ConfigurationSet", 0);
    template.resourceCountIs("AWS::SNS::Subscription", 1);
    template.hasResourceProperties("AWS::Lambda::Function", {
      ReservedConcurrentExecutions: 2, Environment: { Variables: Match.objectLike({ SWITCHBOARD_FUNCTION: "receipts" }) },
    });
  });
});
