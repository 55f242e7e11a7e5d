// The user pool, with Switchboard as both custom senders. Amplify creates the KMS key
// Cognito encrypts codes under, and grants the function kms:Decrypt on it.
import { defineAuth } from '@aws-amplify/backend';
import { switchboard } from '../functions/switchboard/resource';

export const auth = defineAuth({
  loginWith: { email: true },
  senders: {
    email: { handler: switchboard },
    sms: { handler: switchboard },
  },
});
