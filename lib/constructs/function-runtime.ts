import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The one Lambda runtime every rxdr function runs on, and the esbuild target that matches it. Runtimes move
 * together, deliberately, never per function; the `LambdaRuntimeDeprecation` compliance rule says when to move.
 */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** esbuild target for `FUNCTION_RUNTIME` (the Node.js major it ships). */
export const BUNDLING_TARGET = 'node24';
