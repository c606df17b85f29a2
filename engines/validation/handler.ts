import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { CHUNK_RESULTS_PREFIX } from '../common/chunk-key';
import { readManifestVersion } from '../common/manifest-before';
import { databaseConfig, databaseInputSchema } from './aws';
import { customCheckSchema } from './checks/custom';
import { connect } from './db';
import { sessionOptions } from './manifest';
import { parseManifest } from './manifest-schema';
import { parseInput, ValidationHandlerDeps } from './lambda-commons';
import { ValidationReport } from './types';
import { validateDatabase } from './validator';
import type { CheckSettings } from './check-settings';
import { CHUNK_STATEMENT_TIMEOUT_MS, finishStoredChunks, planStoredChunks } from './chunks/stored-chunks';

/* The validator Lambda's logic: input, manifest from S3, validation, report to S3 (lambda/validate.ts). */

const s3Location = z.object({ bucket: z.string().min(1), key: z.string().min(1) });

/** Where a chunked validation keeps its plan and verdicts (`chunkRunPrefix`). */
export const chunkPrefixSchema = z
  .string()
  .startsWith(CHUNK_RESULTS_PREFIX)
  .refine((prefix) => prefix.endsWith('/'), 'must end with "/"');

/** The validator Lambda's input (what the drill and failover workflows send). */
export const validationInputSchema = z.object({
  database: databaseInputSchema,
  /** The database's name in rxdr config: its configured checks, custom checks and invariant mappings apply. */
  databaseName: z.string().min(1).optional(),
  /** The manifest JSON in the evidence bucket (a given version of it: the one taken before the recovery point). */
  manifest: s3Location.extend({ versionId: z.string().min(1).optional() }),
  recoveryPointTime: z.iso.datetime({ offset: true }).optional(),
  rpoTargetSeconds: z.number().positive().optional(),
  checks: z.array(z.string().min(1)).optional(),
  customChecks: z.array(customCheckSchema).optional(),
  statementTimeoutMs: z.number().int().positive().max(900_000).optional(),
  /** Also write the report JSON here (the evidence bucket). */
  report: s3Location.optional(),
  /**
   * The whole-table step of a chunked validation (the failover state machine's): the plan and the chunk
   * verdicts stored under this prefix, combined, then every check. @default - the whole database at once
   */
  chunks: z.object({ prefix: chunkPrefixSchema }).optional(),
});
export type ValidationInput = z.infer<typeof validationInputSchema>;

/**
 * The planning call of a chunked validation: plan the chunks of `manifest` (that version) by the database's
 * table sizes and store the plan under `planChunks.prefix`; answers the chunk ids the state machine's Map runs.
 */
export const chunkPlanInputSchema = z.object({
  database: databaseInputSchema,
  databaseName: z.string().min(1).optional(),
  manifest: s3Location.extend({ versionId: z.string().min(1) }),
  planChunks: z.object({
    prefix: chunkPrefixSchema,
    /** Chunk invocations at once (the database's `validation.parallelism`). */
    parallel: z.number().int().min(1).max(40),
    chunkBytes: z.number().positive().optional(),
    maxChunks: z.number().int().positive().optional(),
  }),
});
export type ChunkPlanInput = z.infer<typeof chunkPlanInputSchema>;

/** What the planning call answers. */
export interface ChunkPlanAnswer {
  readonly prefix: string;
  readonly ids: number[];
  readonly parallel: number;
  /** The planned size in bytes. */
  readonly bytes: number;
}

type Deps = ValidationHandlerDeps & { checkSettings?: (database: string) => CheckSettings };

/**
 * The failover validator function's handler: a planning call (`planChunks` in the event) plans, anything else
 * validates (the whole database, or the whole-table step of `chunks`).
 */
export function createValidatorHandler(deps: Deps) {
  const validate = createValidationHandler(deps);
  const plan = createChunkPlanHandler(deps);
  return async (event: unknown): Promise<ValidationReport | ChunkPlanAnswer> =>
    typeof event === 'object' && event !== null && 'planChunks' in event ? plan(event) : validate(event);
}

/** The handler logic with its clients injected; the database connection always verifies the server (`rdsConnectionConfig`). */
export function createValidationHandler(deps: Deps) {
  return async (event: unknown): Promise<ValidationReport> => {
    const input = parseInput(validationInputSchema, event);
    const settings = input.databaseName ? (deps.checkSettings?.(input.databaseName) ?? {}) : {};
    const connection = await databaseConfig(deps.secrets, input.database);
    deps.logger.info('validating', {
      host: connection.host,
      database: connection.database,
      manifest: input.manifest,
      chunks: input.chunks?.prefix ?? 'none',
      checks: input.checks ?? settings.checks ?? 'all',
    });
    const options = {
      url: connection,
      recoveryPointTime: input.recoveryPointTime ? new Date(input.recoveryPointTime) : undefined,
      rpoTargetSeconds: input.rpoTargetSeconds,
      checks: input.checks ?? settings.checks,
      customChecks: input.customChecks ?? settings.customChecks,
      invariants: settings.invariants,
      statementTimeoutMs: input.statementTimeoutMs,
      clock: deps.clock,
      logger: deps.logger,
    };
    const report = input.chunks
      ? await finishChunks(input, input.chunks.prefix, options, deps)
      : await validateDatabase({ ...options, manifest: await readManifest(input, deps) });
    if (input.report) {
      await deps.s3.send(
        new PutObjectCommand({
          Bucket: input.report.bucket,
          Key: input.report.key,
          Body: JSON.stringify(report, null, 2),
          ContentType: 'application/json',
        }),
      );
    }
    deps.logger.info('validation report', {
      passed: report.passed,
      achievedRpoSeconds: report.achievedRpoSeconds,
      failed: report.checks.filter((c) => !c.passed).map((c) => c.name),
    });
    return report;
  };
}

/** The whole-table step over the stored plan, which must compare with the manifest version the request names. */
async function finishChunks(
  input: ValidationInput,
  prefix: string,
  options: Omit<Parameters<typeof validateDatabase>[0], 'manifest'>,
  deps: Deps,
): Promise<ValidationReport> {
  const { version, report } = await finishStoredChunks({ s3: deps.s3, bucket: input.manifest.bucket, prefix }, options);
  const { key, versionId } = input.manifest;
  if (version.key !== key || (versionId !== undefined && version.versionId !== versionId))
    throw new Error(
      `the chunk plan at ${prefix} compares with ${version.key} version ${version.versionId}, ` +
        `not the requested ${key}${versionId ? ` version ${versionId}` : ''}`,
    );
  return report;
}

async function readManifest(input: ValidationInput, deps: Deps) {
  const object = await deps.s3.send(
    new GetObjectCommand({
      Bucket: input.manifest.bucket,
      Key: input.manifest.key,
      VersionId: input.manifest.versionId,
    }),
  );
  return parseManifest((await object.Body?.transformToString()) ?? '');
}

/** The planning call's logic; the plan (with the manifest version) goes next to the verdicts. */
export function createChunkPlanHandler(deps: Deps) {
  return async (event: unknown): Promise<ChunkPlanAnswer> => {
    const input = parseInput(chunkPlanInputSchema, event);
    const { prefix, ...plan } = input.planChunks;
    const { bucket } = input.manifest;
    const manifest = await readManifestVersion(deps.s3, input.manifest);
    const client = await connect(await databaseConfig(deps.secrets, input.database), {
      options: sessionOptions(CHUNK_STATEMENT_TIMEOUT_MS),
    });
    try {
      const { ids, bytes } = await planStoredChunks(client, { s3: deps.s3, bucket, prefix }, { manifest, ...plan });
      deps.logger.info('validation chunks planned', { prefix, chunks: ids.length, parallel: plan.parallel, bytes });
      return { prefix, ids, parallel: Math.min(plan.parallel, Math.max(1, ids.length)), bytes };
    } finally {
      await client.end();
    }
  };
}
