// The Amplify Gen 2 backend synthesized offline — no AWS credentials, no network, no
// `ampx` — and its wiring checked with aws-cdk-lib/assertions, as infra/cdk's tests do.
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

// defineBackend() makes its own App, which reads its context from CDK_CONTEXT_JSON: the
// three keys Amplify's backend identifier needs. Set before backend.ts is imported.
process.env.CDK_CONTEXT_JSON = JSON.stringify({
  'amplify-backend-namespace': 'switchboard',
  'amplify-backend-name': 'test',
  'amplify-backend-type': 'sandbox',
});
if (!process.env.SWITCHBOARD_PACKAGE) {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-package-'));
  writeFileSync(join(dir, 'bootstrap'), '#!/bin/sh\n');
  chmodSync(join(dir, 'bootstrap'), 0o755);
  process.env.SWITCHBOARD_PACKAGE = dir;
}

const { backend } = await import('../amplify/backend');
const root = Template.fromStack(backend.stack);
const auth = Template.fromStack(backend.auth.stack);

const only = (template: Template, type: string) => {
  const ids = Object.keys(template.findResources(type));
  assert.equal(ids.length, 1, `${type}: ${ids}`);
  return ids[0];
};

describe('Switchboard as both custom senders of an Amplify Gen 2 backend', () => {
  const fn = only(auth, 'AWS::Lambda::Function');
  const key = only(auth, 'AWS::KMS::Key');
  const pool = only(auth, 'AWS::Cognito::UserPool');

  it('keeps the function, the key and the pool in one nested stack: no cycle', () => {
    root.resourceCountIs('AWS::CloudFormation::Stack', 1);
    assert.equal(backend.switchboard.stack, backend.auth.stack);
  });

  it('attaches the function as CustomEmailSender and CustomSMSSender (V1_0) with one key', () => {
    const sender = { LambdaArn: { 'Fn::GetAtt': [fn, 'Arn'] }, LambdaVersion: 'V1_0' };
    auth.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: { KMSKeyID: { 'Fn::GetAtt': [key, 'Arn'] }, CustomEmailSender: sender, CustomSMSSender: sender },
    });
  });

  it('lets only this pool invoke the function (SourceArn), once per sender', () => {
    auth.resourceCountIs('AWS::Lambda::Permission', 2);
    auth.allResourcesProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'cognito-idp.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [pool, 'Arn'] },
    });
  });

  it('gives the function the key ARN its strict keyring needs, and kms:Decrypt on the key', () => {
    auth.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'provided.al2023',
      Handler: 'bootstrap',
      Environment: { Variables: Match.objectLike({
        SWITCHBOARD_DECRYPT__KEY_ARN: { 'Fn::GetAtt': [key, 'Arn'] },
        SWITCHBOARD_APP__NAME: 'Acme',
        SWITCHBOARD_EMAIL__PROVIDERS: 'mail',
        SWITCHBOARD_SMS__PROVIDERS: 'texts',
      }) },
    });
    auth.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([
        Match.objectLike({ Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [key, 'Arn'] } }),
      ]) },
    });
  });

  it('grants the sending and the look-up in policies of their own', () => {
    auth.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([
        Match.objectLike({ Sid: 'LookUpMissingRecipients', Action: 'cognito-idp:AdminGetUser', Resource: { 'Fn::GetAtt': [pool, 'Arn'] } }),
      ]) },
    });
    auth.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([
        Match.objectLike({ Sid: 'SendSms', Action: 'sns:Publish', Resource: '*' }),
        Match.objectLike({ Sid: 'NoTopics', Effect: 'Deny', Action: 'sns:Publish' }),
      ]) },
    });
  });

  it('synthesizes without warnings or errors', () => {
    Annotations.fromStack(backend.stack).hasNoWarning('*', Match.anyValue());
    Annotations.fromStack(backend.stack).hasNoError('*', Match.anyValue());
  });
});
