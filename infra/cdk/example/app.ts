// The example app: `npm run synth` (offline). The package comes from ./scripts/package;
// context values choose the pool and the options:
//   -c package=PATH        the Lambda package (default ../../dist/switchboard-arm64.zip)
//   -c existingPool=ID     attach to a pool outside the app instead of creating one
//   -c everyOption=true    every option at once (what scripts/deploy-check starts)
//   -c previousKey=ARN     with everyOption: the previous key it names
import { App, CfnOutput, Stack, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { Switchboard } from "../src";
import { everyOption } from "./every-option";

const app = new App({ analyticsReporting: false });
const stack = new Stack(app, "Switchboard", { env: { region: "us-east-1" } });
const context = (key: string) => app.node.tryGetContext(key) as string | undefined;

const codes = new Switchboard(stack, "Codes", {
  packagePath: context("package") ?? `${__dirname}/../../../../dist/switchboard-arm64.zip`,
  productName: "Acme",
  emailFrom: "Acme <no-reply@acme.test>",
  existingUserPoolId: context("existingPool"),
  ...(context("everyOption") === "true" ? everyOption(stack, context("existingPool") === undefined, context("previousKey")) : {}),
});

new CfnOutput(stack, "FunctionArn", { value: codes.function.functionArn });
new CfnOutput(stack, "KeyArn", { value: codes.codeKey.keyArn });
new CfnOutput(stack, "UndeliveredQueueUrl", { value: codes.undeliveredQueue.queueUrl });
new CfnOutput(stack, "SmsRoleArn", { value: codes.smsRole.roleArn });
new CfnOutput(stack, "SmsExternalId", { value: codes.smsExternalId });
new CfnOutput(stack, "UserPoolId", { value: codes.userPoolId });

// The example is checked like the construct's tests: cdk-nag's AwsSolutions pack.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
