import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildApp } from '../../lib/app';
import { COMPLIANCE_DAY_CONTEXT as TODAY_CONTEXT_KEY } from '../../lib/compliance/compliance-day';
import { RxdrChecks } from '../../lib/compliance/rxdr-checks';
import { shippedConfig } from '../helpers/config';
import { testApp, testAppProps } from '../helpers/synth';

/** `severity rule path` of every runtime finding of the Rxdr pack under `scope`. */
function runtimeFindings(scope: App | Stack): string[] {
  return new RxdrChecks(scope)
    .validateScope(scope)
    .violations.filter((v) => v.ruleName.startsWith('Rxdr-LambdaRuntime'))
    .flatMap((v) => v.violatingResources.map((r) => `${v.severity} ${v.ruleName} ${r.constructPath}`));
}

/** A stack with one function per runtime, judged on `today`. */
function functionsOn(today: string, runtimes: readonly string[]): Stack {
  const stack = new Stack(testApp({ context: { [TODAY_CONTEXT_KEY]: today } }), 'Fns', {
    env: { account: '111111111111', region: 'us-east-1' },
  });
  for (const runtime of runtimes) {
    new lambda.CfnFunction(stack, runtime.replace('.', '-'), {
      runtime,
      handler: 'index.handler',
      role: 'arn:aws:iam::111111111111:role/r',
      code: { zipFile: 'x' },
    });
  }
  return stack;
}

describe('Lambda runtime lifecycle rule (injected day)', () => {
  test('2026-06-01: nodejs22.x (deprecated 2027-04-30, 333 days ahead) only warns; nodejs24.x passes', () => {
    expect(runtimeFindings(functionsOn('2026-06-01', ['nodejs22.x', 'nodejs24.x']))).toEqual([
      'warning Rxdr-LambdaRuntimeDeprecationAhead[nodejs22.x is deprecated on 2027-04-30 (in 333 days)] Fns/nodejs22-x',
    ]);
  });

  test('2027-01-01: nodejs22.x (119 days ahead) fails; nodejs24.x (2028-04-30) passes', () => {
    expect(runtimeFindings(functionsOn('2027-01-01', ['nodejs22.x', 'nodejs24.x']))).toEqual([
      'error Rxdr-LambdaRuntimeDeprecation[nodejs22.x is deprecated on 2027-04-30 (in 119 days)] Fns/nodejs22-x',
    ]);
  });

  test('2027-06-01: nodejs24.x (334 days ahead) warns; 2027-11-15: nodejs22.x (past) and nodejs24.x (167 days) fail', () => {
    expect(runtimeFindings(functionsOn('2027-06-01', ['nodejs24.x']))).toEqual([
      'warning Rxdr-LambdaRuntimeDeprecationAhead[nodejs24.x is deprecated on 2028-04-30 (in 334 days)] Fns/nodejs24-x',
    ]);
    expect(runtimeFindings(functionsOn('2027-11-15', ['nodejs22.x', 'nodejs24.x']))).toEqual([
      'error Rxdr-LambdaRuntimeDeprecation[nodejs22.x was deprecated on 2027-04-30] Fns/nodejs22-x',
      'error Rxdr-LambdaRuntimeDeprecation[nodejs24.x is deprecated on 2028-04-30 (in 167 days)] Fns/nodejs24-x',
    ]);
  });

  test('a day that is not YYYY-MM-DD stops the check with a message naming the context key, never a pass', () => {
    expect(() => new RxdrChecks().validateScope(functionsOn('1 Jan 2027', ['nodejs24.x']))).toThrow(
      /context rxdr:today must be a date as YYYY-MM-DD, got "1 Jan 2027"/,
    );
  });

  test('every function of every shipped environment, CDK providers included, passes on 2026-12-06', () => {
    const { app } = buildApp(shippedConfig().environments, {
      compliance: false,
      ...testAppProps({ context: { [TODAY_CONTEXT_KEY]: '2026-12-06' } }),
    });
    expect(runtimeFindings(app)).toEqual([]);
  });
});
