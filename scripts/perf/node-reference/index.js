// The documented way to write a Cognito CustomEmailSender: the AWS Cognito
// developer guide's Node.js sample (Encryption SDK for JavaScript, a KMS keyring,
// commitment policy REQUIRE_ENCRYPT_ALLOW_DECRYPT), delivering with
// @sendgrid/mail. scripts/bench runs it beside Switchboard in the same harness;
// SENDGRID_BASE_URL points it at the benchmark's loopback SendGrid stand-in.
const b64 = require('base64-js');
const encryptionSdk = require('@aws-crypto/client-node');
const sgMail = require('@sendgrid/mail');
const sgClient = require('@sendgrid/client');

const { decrypt } = encryptionSdk.buildClient(encryptionSdk.CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);
const generatorKeyId = process.env.KEY_ARN;
const keyIds = [process.env.KEY_ARN];
const keyring = new encryptionSdk.KmsKeyringNode({ generatorKeyId, keyIds });

sgClient.setApiKey(process.env.SENDGRID_API_KEY);
if (process.env.SENDGRID_BASE_URL) sgClient.setDefaultRequest('baseUrl', process.env.SENDGRID_BASE_URL);
sgMail.setClient(sgClient);

exports.handler = async (event) => {
  let plainTextCode;
  if (event.request.code) {
    const { plaintext } = await decrypt(keyring, b64.toByteArray(event.request.code));
    plainTextCode = plaintext.toString();
  }
  await sgMail.send({
    to: event.request.userAttributes.email,
    from: process.env.EMAIL_FROM,
    subject: 'Your verification code',
    text: `Your code is ${plainTextCode}`,
    html: `<p>Your code is <strong>${plainTextCode}</strong></p>`,
  });
};
