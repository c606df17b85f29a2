import { DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_PARALLELISM } from '../../validation/chunks/plan';
import { predictDrillFit } from '../../validation/chunks/predict';
import type { EvidenceCheck } from '../../evidence/schema';
import type { FleetDatabase } from './types';

/**
 * Before a drill restores anything: does it fit the tier's RTO target? The prediction takes the database's
 * size and its validation throughput per connection from the previous drill's evidence and the restore time
 * from the same drill. It starts at the default chunk parallelism (or the configured one when lower) and
 * raises it, up to the configured parallelism, until the prediction fits; when even the configured
 * parallelism does not fit, the drill fails before its restore, with the figures as its reason.
 *
 * A first drill has no evidence to learn from: it predicts from defaults instead, the source's allocated
 * storage (an upper bound of its data: from the configuration, or read from the source instance, see
 * `first-drill-size.ts`) at the default throughput, restore time not counted. Such a prediction still chooses the
 * parallelism and is recorded in the evidence, marked as from defaults, but never stops the drill: a guess must
 * not keep a database from ever being drilled, and the drill is what measures the figures the next prediction uses.
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
  /** `previous-drill`: the size was measured by the previous drill; `defaults`: a first drill's estimate. */
  readonly basis: 'previous-drill' | 'defaults';
  /** What the prediction assumed instead of measuring (empty when everything was measured). */
  readonly assumed: string[];
}

/** A first drill's size: the source's allocated storage, and where it was read (`the configuration`, …). */
export interface AllocatedSize {
  readonly bytes: number;
  readonly from: string;
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** The configured allocation of the source, when the configuration has one. */
export const configuredSize = (database: FleetDatabase): AllocatedSize | undefined =>
  database.allocatedBytes ? { bytes: database.allocatedBytes, from: 'the configuration' } : undefined;

/**
 * Predict the drill; undefined when the database's size is unknown (a first drill without an allocated size).
 * `allocated` is the first drill's size (default: the configured allocation); a measured size wins over it.
 */
export function planDrillFit(
  database: FleetDatabase,
  history: MeasuredHistory,
  allocated: AllocatedSize | undefined = configuredSize(database),
): PlannedFit | undefined {
  const measured = history.databaseBytes !== undefined && history.databaseBytes > 0;
  const databaseBytes = measured ? history.databaseBytes : allocated?.bytes;
  if (!(databaseBytes && databaseBytes > 0)) return undefined;
  const assumed = [
    ...(measured ? [] : [`size: the allocated storage of ${round(databaseBytes / GIB)} GiB from ${allocated?.from}`]),
    ...(history.validationBytesPerSecond
      ? []
      : [`throughput: the default ${round(DEFAULT_VALIDATION_BYTES_PER_SECOND / MIB)} MiB/s per connection`]),
    ...(history.restoreSeconds === undefined ? ['restore time: not counted (no previous drill measured it)'] : []),
  ];
  const maximum = database.chunking?.parallelism ?? DEFAULT_CHUNK_PARALLELISM;
  const assumptions = {
    hashBytesPerSecond: history.validationBytesPerSecond || DEFAULT_VALIDATION_BYTES_PER_SECOND,
    chunkBytes: plannedChunkBytes(databaseBytes, database.chunking),
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
  const basis = measured ? 'previous-drill' : 'defaults';
  return { parallel, predictedSeconds: fit.predictedSeconds, problems: fit.problems, basis, assumed };
}

/** The chunk size the planner will use: the configured one, doubled until the plan fits `maxChunks`. */
function plannedChunkBytes(databaseBytes: number, chunking: FleetDatabase['chunking']): number {
  let size = chunking?.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  while (chunking?.maxChunks && Math.ceil(databaseBytes / size) > chunking.maxChunks) size *= 2;
  return size;
}

const round = (value: number) => Math.round(value * 10) / 10;

/** Whether the prediction stops the drill before its restore: only one from a measured size that does not fit. */
export function stopsTheDrill(fit: PlannedFit | undefined): fit is PlannedFit {
  return fit !== undefined && fit.basis === 'previous-drill' && fit.problems.length > 0;
}

/** The prediction as one sentence of the evidence, saying when it is from defaults and what they were. */
export function describeFit(fit: PlannedFit): string {
  const from = fit.basis === 'defaults' ? 'from defaults (first drill)' : "from the previous drill's evidence";
  const assumed = fit.assumed.length ? `; assumed ${fit.assumed.join('; ')}` : '';
  const outcome = fit.problems.length ? `; does not fit: ${fit.problems.join('; ')}` : '; fits its window';
  return `predicted ${fit.predictedSeconds} s at parallelism ${fit.parallel} ${from}${assumed}${outcome}`;
}

/** The early failure reason of a drill that cannot fit its window. */
export function doesNotFitReason(database: string, fit: PlannedFit): string {
  return (
    `the drill of ${database} cannot fit its window, even at the configured chunk parallelism of ${fit.parallel}: ` +
    `${fit.problems.join('; ')}; nothing was restored`
  );
}

/** The evidence check of a drill the Plan task could not predict: `skipped`, with the reason. */
export function predictionSkippedCheck(reason: string): EvidenceCheck {
  return { id: 'drill.prediction', category: 'drill', status: 'skipped', message: reason };
}
