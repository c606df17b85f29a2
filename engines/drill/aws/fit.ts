import { DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_PARALLELISM } from '../../validation/chunks/plan';
import { predictDrillFit } from '../../validation/chunks/predict';
import type { FleetDatabase } from './types';

/**
 * Before a drill restores anything: does it fit the tier's RTO target? The prediction takes the database's
 * size and its validation throughput per connection from the previous drill's evidence and the restore time
 * from the same drill. It starts at the default chunk parallelism (or the configured one when lower) and
 * raises it, up to the configured parallelism, until the prediction fits; when even the configured
 * parallelism does not fit, the drill fails before its restore, with the figures as its reason.
 */

/**
 * Validation throughput of one connection when the previous drill measured none: 20 MiB/s, a conservative
 * first read of a volume restored from a snapshot (blocks load lazily from S3) plus the content hash.
 */
export const DEFAULT_VALIDATION_BYTES_PER_SECOND = 20 * 1024 ** 2;

/** What the previous drill of the database measured (absent: no previous drill to learn from). */
export interface MeasuredHistory {
  readonly restoreSeconds?: number;
  /** Bytes the previous validation planned (the restored copy's table sizes). */
  readonly databaseBytes?: number;
  /** Bytes validated per second per connection. */
  readonly validationBytesPerSecond?: number;
}

/** The drill's prediction: chunk parallelism to use, and what does not fit (empty when it fits). */
export interface PlannedFit {
  readonly parallel: number;
  readonly predictedSeconds: number;
  readonly problems: string[];
}

/** Predict the drill; undefined when the database's size is unknown (its first drill). */
export function planDrillFit(database: FleetDatabase, history: MeasuredHistory): PlannedFit | undefined {
  const databaseBytes = history.databaseBytes;
  if (!(databaseBytes && databaseBytes > 0)) return undefined;
  const maximum = database.chunking?.parallelism ?? DEFAULT_CHUNK_PARALLELISM;
  const assumptions = {
    hashBytesPerSecond: history.validationBytesPerSecond || DEFAULT_VALIDATION_BYTES_PER_SECOND,
    chunkBytes: database.chunking?.chunkBytes ?? DEFAULT_CHUNK_BYTES,
  };
  const predict = (parallelism: number) =>
    predictDrillFit({
      databaseBytes,
      parallelism,
      restoreSeconds: history.restoreSeconds ?? 0,
      assumptions,
      rtoTargetSeconds: database.targets.rtoSeconds,
    });
  let parallel = Math.min(DEFAULT_CHUNK_PARALLELISM, maximum);
  let fit = predict(parallel);
  while (!fit.fits && parallel < maximum) fit = predict(++parallel);
  return { parallel, predictedSeconds: fit.predictedSeconds, problems: fit.problems };
}

/** The early failure reason of a drill that cannot fit its window. */
export function doesNotFitReason(database: string, fit: PlannedFit): string {
  return (
    `the drill of ${database} cannot fit its window, even at the configured chunk parallelism of ${fit.parallel}: ` +
    `${fit.problems.join('; ')}; nothing was restored`
  );
}
