// What Amplify does not do for a custom sender: tell the function the key's ARN
// (Switchboard's strict keyring needs it), and grant it what it sends with.
import { defineBackend } from '@aws-amplify/backend';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { auth } from './auth/resource';
import { switchboard } from './functions/switchboard/resource';

export const backend = defineBackend({ auth, switchboard });

const fn = backend.switchboard.resources.lambda;
const pool = backend.auth.resources.userPool;
// defineAuth made it beside the function (no kmsKeyArn given); with a key of your own,
// pass `kmsKeyArn` to both senders and use that ARN here.
const key = Stack.of(fn).node.findChild('CustomSenderKey') as kms.Key;
backend.switchboard.addEnvironment('SWITCHBOARD_DECRYPT__KEY_ARN', key.keyArn);

// A policy of its own, not the role's default one the function depends on: naming the
// pool there would make a cycle (function -> role policy -> pool -> function).
// (kms:Decrypt is Amplify's own grant, in that default policy.)
new iam.Policy(Stack.of(fn), 'SwitchboardPoolAccess', {
  roles: [fn.role!],
  statements: [
    new iam.PolicyStatement({
      sid: 'LookUpMissingRecipients',
      actions: ['cognito-idp:AdminGetUser'],
      resources: [pool.userPoolArn],
    }),
  ],
});
new iam.Policy(Stack.of(fn), 'SwitchboardSending', {
  roles: [fn.role!],
  statements: [
    new iam.PolicyStatement({
      sid: 'SendEmail',
      actions: ['ses:SendEmail', 'ses:SendRawEmail'],
      resources: [`arn:aws:ses:${Stack.of(fn).region}:${Stack.of(fn).account}:identity/*`],
    }),
    // SMS to phone numbers only: every topic denied.
    new iam.PolicyStatement({ sid: 'SendSms', actions: ['sns:Publish'], resources: ['*'] }),
    new iam.PolicyStatement({
      sid: 'NoTopics',
      effect: iam.Effect.DENY,
      actions: ['sns:Publish'],
      resources: ['arn:aws:sns:*:*:*'],
    }),
  ],
});
