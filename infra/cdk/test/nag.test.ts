// cdk-nag's AwsSolutions pack over the construct in each pool mode and with every
// option: no finding left, and each accepted one accepted with its reason in the code.
import { Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as cognito from "aws-cdk-lib/aws-cognito";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { everyOption } from "../example/every-option";
import { build, nagReport } from "./fixtures";

const modes: Record<string, Parameters<typeof build>> = {
  "a new pool": [{}],
  "a pool outside the app": [{ existingUserPoolId: "us-east-1_Existing1" }],
  "a pool of the app": [{}, (stack: Stack) => ({ userPool: compliantPool(stack) })],
  "every option, new pool": [{}, (stack: Stack) => everyOption(stack, true)],
  "every option, a pool outside the app": [{ existingUserPoolId: "us-east-1_Existing1" }, (stack: Stack) => everyOption(stack, false)],
};

/** A pool of the user's that passes AwsSolutions itself: what is left is the construct's. */
function compliantPool(stack: Stack) {
  return new cognito.UserPool(stack, "MyPool", {
    mfa: cognito.Mfa.REQUIRED,
    mfaSecondFactor: { otp: true, sms: false },
    featurePlan: cognito.FeaturePlan.PLUS,
    passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
  });
}

describe("cdk-nag AwsSolutions", () => {
  for (const [mode, args] of Object.entries(modes)) {
    it(`finds nothing unaccepted: ${mode}`, () => {
      const report = nagReport(build(...args).app);
      assert.deepEqual(report.violations, []);
      assert.equal(report.failed, undefined);
      // The accepted findings are the ones src/ justifies, each on its own resource.
      assert.ok(report.acknowledged.some((f) => f.startsWith("AwsSolutions-SQS3 ")), report.acknowledged.join("\n"));
    });
  }

  it("still fails a wildcard added to the function's role later (accepting ours hides no other)", () => {
    const { app, codes } = build();
    codes.function.addToRolePolicy(new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: ["*"] }));
    const report = nagReport(app);
    assert.match(report.failed ?? "", /Validation failed/);
    assert.deepEqual(report.violations, ["AwsSolutions-IAM5[Resource::*] Test/Codes/Function/ServiceRole/DefaultPolicy/Resource"]);
  });

  it("lists what it accepts for a new pool (a changed list is a decision, made here)", () => {
    const accepted = nagReport(build().app).acknowledged.map((f) => f.replace(/ Test\/Codes\//, " ")).sort();
    assert.deepEqual(accepted, [
      "AwsSolutions-COG2 UserPool/Resource",
      "AwsSolutions-COG8 UserPool/Resource",
      "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole] Function/ServiceRole/Resource",
      "AwsSolutions-IAM5[Resource::*] SendSms/Resource",
      "AwsSolutions-IAM5[Resource::*] SmsRole/Resource",
      "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:us-east-1:111122223333:configuration-set/*] SendEmail/Resource",
      "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:us-east-1:111122223333:identity/*] SendEmail/Resource",
      "AwsSolutions-SQS3 UndeliveredQueue/Resource",
    ]);
  });
});
