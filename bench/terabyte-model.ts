import type { Manifest } from '../engines/validation';
import { predictValidation, ThroughputAssumptions } from '../engines/validation/chunks/predict';
import { validateChunked } from '../engines/validation/chunks/validate-chunked';

/**
 * The terabyte model of `bench:validate`: measure chunked validation on the seeded database (at least 64
 * chunks, over 1 and over `cores` connections, the key-range checks only), take the measured bytes per second per connection as the
 * hash throughput, and predict a 1 TB database at parallelism 1, 8, 16 and 32 under the stated hydration
 * and instance throughput. Target: validated within 2 h at parallelism 16, no invocation over 5 minutes.
 */
export const TERABYTE = 1e12;
export const MODEL_PARALLELISM = [1, 8, 16, 32];
export const MODEL_TARGETS = { wallSecondsMaxAtParallelism16: 7200, maxInvocationSecondsMax: 300 };

export interface ModelOptions {
  readonly url: string;
  readonly manifest: Manifest;
  readonly recoveryPointTime: Date;
  readonly databaseBytes: number;
  readonly cores: number;
  /** MB/s of one connection's first read of a restored volume. */
  readonly hydrationMbps: number;
  /** MB/s the restored instance's storage delivers to all connections. */
  readonly instanceMbps: number;
  readonly chunkGib: number;
}

async function timedValidation(options: ModelOptions, parallel: number, chunkBytes: number) {
  const t0 = performance.now();
  const report = await validateChunked({
    url: options.url,
    manifest: options.manifest,
    recoveryPointTime: options.recoveryPointTime,
    // The checks whose work is the chunks: the throughput of the chunk phase, without the whole-table step.
    checks: ['row-counts', 'checksums', 'freshness'],
    concurrency: parallel,
    chunkBytes,
  });
  return { seconds: (performance.now() - t0) / 1000, passed: report.passed, chunks: report.chunks?.planned ?? 0 };
}

export async function terabyteModel(options: ModelOptions) {
  const measureChunkBytes = Math.max(64 * 1024, Math.floor(options.databaseBytes / 64));
  const one = await timedValidation(options, 1, measureChunkBytes);
  const many = await timedValidation(options, Math.max(2, options.cores), measureChunkBytes);
  const hashBytesPerSecond = options.databaseBytes / many.seconds / Math.max(2, options.cores);
  const assumptions: Required<Pick<ThroughputAssumptions, 'hashBytesPerSecond'>> & ThroughputAssumptions = {
    hashBytesPerSecond,
    hydrationBytesPerSecond: options.hydrationMbps * 1e6,
    instanceBytesPerSecond: options.instanceMbps * 1e6,
    chunkBytes: options.chunkGib * 1024 ** 3,
    invocationOverheadSeconds: 2,
    wholeTableStepSeconds: 60,
    lambdaMemoryMb: 1024,
    usdPerGbSecond: 0.0000166667,
    usdPerRequest: 0.0000002,
  };
  const byParallelism = MODEL_PARALLELISM.map((p) => {
    const { parallelism, wallSeconds, maxInvocationSeconds, lambdaCostUsd, chunks } = predictValidation(
      TERABYTE,
      p,
      assumptions,
    );
    return { parallelism, wallSeconds, maxInvocationSeconds, lambdaCostUsd, chunks };
  });
  const at16 = byParallelism.find((p) => p.parallelism === 16);
  const missed = [
    ...(at16 && at16.wallSeconds > MODEL_TARGETS.wallSecondsMaxAtParallelism16
      ? [`1 TB at parallelism 16: ${at16.wallSeconds} s > ${MODEL_TARGETS.wallSecondsMaxAtParallelism16} s`]
      : []),
    ...byParallelism
      .filter((p) => p.maxInvocationSeconds > MODEL_TARGETS.maxInvocationSecondsMax)
      .map((p) => `1 TB at parallelism ${p.parallelism}: an invocation of ${p.maxInvocationSeconds} s`),
    ...(many.seconds > one.seconds * 1.05
      ? [`--parallel ${Math.max(2, options.cores)} slower than one connection`]
      : []),
  ];
  return {
    model: {
      databaseBytes: TERABYTE,
      byParallelism,
      assumptions: {
        ...assumptions,
        hashBytesPerSecondSource: 'measured: chunked validation of the seeded database, bytes / seconds / connections',
        hydration: 'first read of a snapshot-restored volume, read and hash counted one after the other',
        wholeTableStep: 'schema, drift and incremental pharmacy checks after the chunks (assumed, not measured)',
        prices: 'Lambda x86 us-east-1 list prices',
      },
      targets: MODEL_TARGETS,
    },
    measured: {
      chunks: many.chunks,
      chunkBytes: measureChunkBytes,
      secondsAtParallel1: Math.round(one.seconds * 1000) / 1000,
      secondsAtParallelCores: Math.round(many.seconds * 1000) / 1000,
      passed: one.passed && many.passed,
    },
    missed,
  };
}
