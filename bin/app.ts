import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { exitOnValidationFailure } from '../lib/compliance/validation-report';
import { ConfigError, loadConfigFile, selectEnvironments } from '../lib/config/load';

/**
 * `cdk synth` entry point. `-c env=prod` (or `-c env=dev,staging`) selects environments; `-c config=<file>`
 * (or RXDR_CONFIG) points at another configuration file.
 */
function main(): void {
  // One App only: a second one would auto-synthesize an empty assembly over ours when the process exits.
  const app = new App();
  const file = app.node.tryGetContext('config') as string | undefined;
  const envNames = (app.node.tryGetContext('env') as string | undefined)
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  try {
    const config = loadConfigFile(file ?? undefined);
    buildApp(selectEnvironments(config, envNames), { app });
    exitOnValidationFailure(app.synth());
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

main();
