import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * The one Lambda runtime every rxdr function runs on, and the esbuild target that matches it. Runtimes move
 * together, deliberately, never per function; the `LambdaRuntimeDeprecation` compliance rule says when to move.
 */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Where every rxdr function runs: {@link FUNCTION_RUNTIME} on Graviton (arm64). */
export const FUNCTION_PLATFORM = {
  runtime: FUNCTION_RUNTIME,
  architecture: lambda.Architecture.ARM_64,
} as const satisfies Partial<nodejs.NodejsFunctionProps>;

/** esbuild target for `FUNCTION_RUNTIME` (the Node.js major it ships). */
export const BUNDLING_TARGET = 'node24';

/**
 * How every rxdr function is bundled: minified, with source maps, for the runtime's Node.js, with its own AWS
 * SDK v3 (the runtime's copy may lack newer APIs).
 */
export const FUNCTION_BUNDLING: nodejs.BundlingOptions = {
  minify: true,
  sourceMap: true,
  target: BUNDLING_TARGET,
  bundleAwsSDK: true,
};

/** {@link FUNCTION_BUNDLING} for a function that connects to PostgreSQL: `pg`'s optional native binding stays out. */
export const DATABASE_FUNCTION_BUNDLING: nodejs.BundlingOptions = {
  ...FUNCTION_BUNDLING,
  externalModules: ['pg-native'],
};
