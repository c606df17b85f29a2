import { App, AppProps } from 'aws-cdk-lib';
import { addCompliancePacks } from './compliance/compliance-packs';
import { EnvironmentConfig } from './config/environment-config';
import { RxdrStage } from './stages/rxdr-stage';

export interface RxdrAppOptions extends AppProps {
  /** Run the compliance packs as validation plugins. @default true */
  readonly compliance?: boolean;
  /** Add the stages to this app instead of a new one (the CLI entry point reads context from it first). */
  readonly app?: App;
}

/** The CDK app: one stage per environment, compliance packs on every synth. */
export function buildApp(
  environments: readonly EnvironmentConfig[],
  options: RxdrAppOptions = {},
): { app: App; stages: RxdrStage[] } {
  const app = options.app ?? new App(options);
  const stages = environments.map((config) => new RxdrStage(app, stageId(config), { config }));
  if (options.compliance ?? true) addCompliancePacks(app);
  return { app, stages };
}

/** "prod" → "Prod" (the stage's construct id; its stacks are Rxdr-Prod-Primary and Rxdr-Prod-Recovery). */
export function stageId(config: Pick<EnvironmentConfig, 'name'>): string {
  return config.name.charAt(0).toUpperCase() + config.name.slice(1);
}
