import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from './project-root';

/**
 * The `context` of the project's cdk.json: the feature flags `cdk synth` and `cdk deploy` run with. Every app
 * built in-process (`rxdr plan`, tests) starts from it, so it sees the templates users deploy (e.g. literal
 * `arn:aws:` partitions), not the library defaults.
 */
export function cdkJsonContext(): Record<string, unknown> {
  const file = path.join(PROJECT_ROOT, 'cdk.json');
  const cdkJson = JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, unknown> };
  return { ...cdkJson.context };
}
