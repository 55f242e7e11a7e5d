// Switchboard in an Amplify Gen 2 backend: a Rust binary on the provided.al2023
// runtime, which Amplify takes as any CDK function (defineFunction with a callback).
// The package is ./scripts/package's dist/switchboard-arm64.zip at the repository's
// root, or SWITCHBOARD_PACKAGE (a zip, or a directory holding `bootstrap`).
import { defineFunction } from '@aws-amplify/backend';
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { fileURLToPath } from 'node:url';

const builtPackage = fileURLToPath(new URL('../../../../../dist/switchboard-arm64.zip', import.meta.url));

export const switchboard = defineFunction(
  (scope) =>
    new lambda.Function(scope, 'Switchboard', {
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.ARM_64,
      handler: 'bootstrap',
      code: lambda.Code.fromAsset(process.env.SWITCHBOARD_PACKAGE ?? builtPackage),
      memorySize: 128,
      timeout: Duration.seconds(10),
      // Amplify's secret() does not reach a function it did not build: give secrets as
      // references Switchboard resolves itself (ssm:/…, secretsmanager:…) and grant
      // the read in backend.ts.
      environment: {
        SWITCHBOARD_APP__NAME: 'Acme',
        SWITCHBOARD_EMAIL__FROM: 'Acme <no-reply@acme.test>',
        SWITCHBOARD_PROVIDERS__MAIL__TYPE: 'ses',
        SWITCHBOARD_PROVIDERS__TEXTS__TYPE: 'sns',
        SWITCHBOARD_EMAIL__PROVIDERS: 'mail',
        SWITCHBOARD_SMS__PROVIDERS: 'texts',
        // Two malloc arenas keep the peak RSS down (docs/performance.md).
        MALLOC_ARENA_MAX: '1',
      },
    }),
  // In the auth stack: the pool names the function and the function's role names the
  // pool; across two nested stacks that is a dependency cycle.
  { resourceGroupName: 'auth' },
);
