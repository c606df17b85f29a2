import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The Lambda entry files, one per function (or family of state-machine tasks), in `lambda/`. */
export type LambdaEntryName =
  | 'audit-setup'
  | 'backup-replication'
  | 'conformance'
  | 'drill-steps'
  | 'drill-sweeper'
  | 'event-waits'
  | 'freshness'
  | 'manifest'
  | 'runbook-gateway'
  | 'roster-check'
  | 'runbook-steps'
  | 's3-prefix-list'
  | 'validate';

/** `lambda/<name>.ts`, found from `lib/…` and from a compiled `dist/lib/…`. */
export function lambdaEntry(name: LambdaEntryName): string {
  // The TypeScript source first, also from `dist/`, so that both builds bundle the same inputs.
  for (const extension of ['.ts', '.js']) {
    for (const up of ['../..', '../../..']) {
      const candidate = path.resolve(__dirname, up, 'lambda', `${name}${extension}`);
      if (existsSync(candidate)) return candidate;
    }
  }
  throw new Error(`Lambda entry lambda/${name}.ts not found from ${__dirname}`);
}
