import { DEFAULT_CHUNK_BYTES } from './plan';

/**
 * A prediction of chunked validation time and Lambda cost from a database's size and measured throughput.
 * The benchmark uses it for its terabyte model; a drill uses it before it starts, so a drill that cannot
 * fit its window says so up front. All rates are bytes per second.
 */
export interface ThroughputAssumptions {
  /** Hash throughput of one connection over cached data (measured: the content floor per connection). */
  readonly hashBytesPerSecond: number;
  /**
   * Throughput of one connection's first read of a volume restored from a snapshot (blocks load lazily
   * from S3). Reading and hashing are counted one after the other (no overlap), which is conservative.
   * @default - no hydration cost (a warm copy)
   */
  readonly hydrationBytesPerSecond?: number;
  /** What the restored instance delivers to all connections together (storage throughput). @default - no cap */
  readonly instanceBytesPerSecond?: number;
  /** Bytes per chunk. @default 2 GiB */
  readonly chunkBytes?: number;
  /** Per invocation: start, connect, plan lookup. @default 2 */
  readonly invocationOverheadSeconds?: number;
  /** The whole-table step after the chunks (schema, drift, incremental pharmacy checks). @default 60 */
  readonly wholeTableStepSeconds?: number;
  /** @default 1024 */
  readonly lambdaMemoryMb?: number;
  /** Lambda price per GB-second. @default 0.0000166667 (x86, us-east-1) */
  readonly usdPerGbSecond?: number;
  /** Lambda price per request. @default 0.0000002 */
  readonly usdPerRequest?: number;
}

export interface ValidationPrediction {
  readonly parallelism: number;
  readonly chunks: number;
  /** From the first chunk to the end of the whole-table step. */
  readonly wallSeconds: number;
  /** The longest single invocation (a chunk, or the whole-table step). */
  readonly maxInvocationSeconds: number;
  readonly lambdaCostUsd: number;
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** Predict validating `databaseBytes` in chunks over `parallelism` concurrent invocations. */
export function predictValidation(
  databaseBytes: number,
  parallelism: number,
  a: ThroughputAssumptions,
): ValidationPrediction {
  if (!(a.hashBytesPerSecond > 0)) throw new Error(`hash throughput must be positive, got ${a.hashBytesPerSecond}`);
  if (!Number.isInteger(parallelism) || parallelism < 1)
    throw new Error(`parallelism must be a whole number >= 1, got ${parallelism}`);
  const chunkBytes = a.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const chunks = Math.max(1, Math.ceil(databaseBytes / chunkBytes));
  const running = Math.min(parallelism, chunks);
  const secondsPerByte = 1 / a.hashBytesPerSecond + (a.hydrationBytesPerSecond ? 1 / a.hydrationBytesPerSecond : 0);
  const perConnection = Math.min(1 / secondsPerByte, (a.instanceBytesPerSecond ?? Infinity) / running);
  const overhead = a.invocationOverheadSeconds ?? 2;
  const chunkSeconds = overhead + Math.min(chunkBytes, databaseBytes) / perConnection;
  const waves = Math.ceil(chunks / running);
  const wholeTable = a.wholeTableStepSeconds ?? 60;
  const invocationSeconds = chunks * chunkSeconds + wholeTable;
  const gb = (a.lambdaMemoryMb ?? 1024) / 1024;
  const cost = invocationSeconds * gb * (a.usdPerGbSecond ?? 0.0000166667) + (chunks + 1) * (a.usdPerRequest ?? 2e-7);
  return {
    parallelism,
    chunks,
    wallSeconds: round(waves * chunkSeconds + wholeTable, 0),
    maxInvocationSeconds: round(Math.max(chunkSeconds, wholeTable), 0),
    lambdaCostUsd: round(cost, 4),
  };
}

/** Whether a drill's restore and validation fit its time budget and the tier's RTO, predicted before it starts. */
export interface DrillFit {
  readonly fits: boolean;
  readonly predictedSeconds: number;
  readonly restoreSeconds: number;
  readonly validation: ValidationPrediction;
  /** What does not fit, with the figures (empty when it fits). */
  readonly problems: string[];
}

export function predictDrillFit(input: {
  readonly databaseBytes: number;
  readonly parallelism: number;
  /** Restore to "instance available", from the previous drills (or an estimate). */
  readonly restoreSeconds: number;
  readonly assumptions: ThroughputAssumptions;
  readonly budgetSeconds?: number;
  readonly rtoTargetSeconds?: number;
}): DrillFit {
  const validation = predictValidation(input.databaseBytes, input.parallelism, input.assumptions);
  const predictedSeconds = round(input.restoreSeconds + validation.wallSeconds, 0);
  const problems: string[] = [];
  const explain = `restore ${input.restoreSeconds} s + validation ${validation.wallSeconds} s of ${validation.chunks} chunks at parallelism ${input.parallelism}`;
  if (input.budgetSeconds !== undefined && predictedSeconds > input.budgetSeconds)
    problems.push(
      `predicted ${predictedSeconds} s (${explain}) exceeds the drill's time budget of ${input.budgetSeconds} s`,
    );
  if (input.rtoTargetSeconds !== undefined && predictedSeconds > input.rtoTargetSeconds)
    problems.push(
      `predicted ${predictedSeconds} s (${explain}) exceeds the tier's RTO target of ${input.rtoTargetSeconds} s`,
    );
  return { fits: problems.length === 0, predictedSeconds, restoreSeconds: input.restoreSeconds, validation, problems };
}

/** Throughput a finished validation measured: bytes validated per second per connection. */
export function measuredThroughput(databaseBytes: number, validationSeconds: number, parallelism: number): number {
  if (!(validationSeconds > 0) || !(parallelism > 0))
    throw new Error('validation time and parallelism must be positive');
  return databaseBytes / validationSeconds / parallelism;
}
