import type { DatabaseTarget } from './db';
import type { Manifest } from './manifest-schema';
import type { Clock, EngineLogger, FreshnessColumn, ProgressEvent, TableSpec } from './types';

export interface BuildManifestOptions {
  readonly url: DatabaseTarget;
  /** Rows with a cut-off column value <= this are described. @default clock.now() */
  readonly cutoff?: Date;
  /** @default PHARMACY_TABLES */
  readonly tables?: readonly TableSpec[];
  /** @default PHARMACY_FRESHNESS */
  readonly freshness?: readonly FreshnessColumn[];
  /** Include the pharmacy aggregates. @default true when `tables` is the reference schema */
  readonly pharmacy?: boolean;
  /** @default 300000 (5 minutes) per statement */
  readonly statementTimeoutMs?: number;
  /** Tables hashed concurrently. @default 2 */
  readonly concurrency?: number;
  readonly clock?: Clock;
  readonly logger?: EngineLogger;
  readonly onProgress?: (event: ProgressEvent) => void;
}

export async function buildManifest(_options: BuildManifestOptions): Promise<Manifest> {
  throw new Error('buildManifest: in progress');
}
