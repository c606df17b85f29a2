import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';
import { EnvironmentConfig } from '../../lib/config/environment-config';
import { RxdrStage } from '../../lib/stages/rxdr-stage';

export interface SynthesizedStage {
  readonly app: App;
  readonly stage: RxdrStage;
  readonly primary: Template;
  readonly recovery: Template;
}

/**
 * Synthesize one environment's stage for construct tests. Lambda bundling is skipped (the
 * `aws:cdk:bundling-stacks` context) unless `bundle` is set, and compliance packs are not registered as
 * plugins: tests run them explicitly with `complianceFindings`.
 */
export function synthStage(config: EnvironmentConfig, options: { bundle?: boolean } = {}): SynthesizedStage {
  const context = options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] };
  const { app, stages } = buildApp([config], { compliance: false, context });
  const stage = stages[0]!;
  return { app, stage, primary: Template.fromStack(stage.primary), recovery: Template.fromStack(stage.recovery) };
}
