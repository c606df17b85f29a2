import * as path from 'node:path';
import { App, AppProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';
import { cdkJsonContext } from '../../lib/cdk-json-context';
import { COMPLIANCE_DAY_CONTEXT } from '../../lib/compliance/compliance-day';
import { EnvironmentConfig } from '../../lib/config/environment-config';
import { RxdrStage } from '../../lib/stages/rxdr-stage';

export const PROJECT_ROOT = path.join(__dirname, '..', '..');

/** The day every test app's date-dependent compliance rules judge by, so that no test depends on the real date. */
export const TEST_DAY = '2026-12-01';

/**
 * Props for an in-process test app: cdk.json's context, the compliance day pinned to TEST_DAY, Lambda bundling
 * skipped (`aws:cdk:bundling-stacks`) unless `bundle` is set, then the caller's props and context on top.
 * Construct stack traces (debug metadata in the assembly manifest, never in a template) are not captured: under
 * jest's source-map support they cost about a tenth of every synthesis.
 */
export function testAppProps(props: AppProps = {}, options: { bundle?: boolean } = {}): AppProps {
  const bundling = options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] };
  return {
    ...props,
    context: {
      ...cdkJsonContext(),
      [COMPLIANCE_DAY_CONTEXT]: TEST_DAY,
      'aws:cdk:disable-creation-stack-traces': true,
      'aws:cdk:disable-stack-trace': true,
      ...bundling,
      ...props.context,
    },
  };
}

/** An in-process app with cdk.json's context (see `testAppProps`). */
export function testApp(props: AppProps = {}, options: { bundle?: boolean } = {}): App {
  return new App(testAppProps(props, options));
}

export interface SynthesizedStage {
  readonly app: App;
  readonly stage: RxdrStage;
  readonly primary: Template;
  readonly recovery: Template;
}

/**
 * Synthesize one environment's stage for construct tests, with cdk.json's context. Lambda bundling is skipped
 * unless `bundle` is set, and compliance packs are not registered as plugins: tests run them explicitly with
 * `complianceFindings`.
 */
export function synthStage(config: EnvironmentConfig, options: { bundle?: boolean } = {}): SynthesizedStage {
  const { app, stages } = buildApp([config], { compliance: false, ...testAppProps({}, options) });
  const stage = stages[0]!;
  return { app, stage, primary: Template.fromStack(stage.primary), recovery: Template.fromStack(stage.recovery) };
}
