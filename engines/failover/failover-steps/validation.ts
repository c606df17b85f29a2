/** Validation of the recovered database by the validator function, as evidence checks. */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { achievedRpoOf, evidenceCheckOf } from '../../evidence/validation-check';
import { manifestUsedCheck } from '../../evidence/manifest-used';
import { manifestVersionBefore, readManifestVersion, type ManifestVersion } from '../../common/manifest-before';
import { chunkRunPrefix } from '../../common/chunk-key';
import { chunksCheck } from '../../evidence/chunks-check';
import type { ChunkPlanAnswer, ChunkPlanInput } from '../../validation/handler';
import { messageOf } from '../aws-helpers';
import { isThrottlingError } from '../../common/aws-errors';
import { databaseOf, Errors, StepError } from '../catalog';
import type { StepDeps } from '../clients';
import { ChunkingRecord, FailoverState, Validation } from './state';
import { required } from './required';

/**
 * What the validation engine's function (`lambda/validate.ts`) answers: a `ValidationReport`.
 * Only the fields the runbook needs are read; each check becomes an evidence check.
 */
const ValidatorReport = z.object({
  passed: z.boolean(),
  chunks: z.object({ planned: z.number(), parallel: z.number(), mismatched: z.array(z.string()) }).optional(),
  achievedRpoSeconds: z.number().nullable().optional(),
  checks: z
    .array(
      z.object({
        name: z.string(),
        suite: z.enum(['generic', 'pharmacy', 'custom']),
        passed: z.boolean(),
        durationMs: z.number().nonnegative().default(0),
        error: z.string().optional(),
        skipped: z.string().optional(),
        measured: z.record(z.string(), z.unknown()).default({}),
        offendingKeys: z.array(z.string()).default([]),
      }),
    )
    .default([]),
});

/** The manifest version taken before the recovery point (as the drill chooses it); a missing one fails the step. */
async function manifestFor(state: FailoverState, deps: StepDeps, recoveryPointTime: string): Promise<ManifestVersion> {
  const db = databaseOf(deps.catalog, required(state.plan, 'plan').database);
  try {
    return await manifestVersionBefore(
      deps.clients.s3,
      deps.catalog.evidenceBucket,
      db.name,
      new Date(recoveryPointTime),
    );
  } catch (error) {
    if (isThrottlingError(error)) throw error;
    throw new StepError(Errors.stepFailed, messageOf(error));
  }
}

/** Invoke the validator function; its answer, parsed, or a step failure that says what came back. */
async function invokeValidator<T>(deps: StepDeps, request: unknown, answer: z.ZodType<T>, what: string): Promise<T> {
  const out = await deps.clients.lambda.send(
    new InvokeCommand({
      FunctionName: deps.catalog.validatorFunctionName,
      Payload: Buffer.from(JSON.stringify(request)),
    }),
  );
  const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
  if (out.FunctionError)
    throw new StepError(Errors.stepFailed, `the validator failed (${out.FunctionError}): ${text.slice(0, 500)}`);
  const parsed = answer.safeParse(JSON.parse(text || 'null'));
  if (!parsed.success)
    throw new StepError(
      Errors.stepFailed,
      `the validator answered something that is not ${what}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

const PlanAnswer: z.ZodType<ChunkPlanAnswer> = z.object({
  prefix: z.string(),
  ids: z.array(z.number().int().nonnegative()),
  parallel: z.number().int().positive(),
  bytes: z.number().nonnegative(),
});

/**
 * PlanChunks: choose the manifest version, then ask the validator (in the recovery database network) to plan
 * the recovered database's chunks by its table sizes and store the plan under this execution's prefix
 * (`validation-chunks/<environment>/failover/<execution>/<database>/`). The answer is what the ValidateChunks
 * Map needs: the chunk ids, the parallelism, and what each chunk invocation connects with.
 */
export async function planValidation(state: FailoverState, deps: StepDeps): Promise<ChunkingRecord> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const recovery = required(state.recovery, 'recovery');
  const endpoint = required(recovery.endpoint, 'recovery.endpoint');
  const db = databaseOf(deps.catalog, plan.database);
  const recoveryPointTime = plan.source?.recoveryPointTime ?? recovery.availableAt ?? startedAt;
  const { bucket, key, versionId } = await manifestFor(state, deps, recoveryPointTime);
  const database = { secretArn: db.repoint.secretArn, host: endpoint.host, port: endpoint.port };
  const prefix = chunkRunPrefix('failover', deps.catalog.environment, state.execution.name, db.name);
  const request: ChunkPlanInput = {
    database,
    databaseName: db.name,
    manifest: { bucket, key, versionId },
    planChunks: {
      prefix,
      parallel: db.chunking.parallelism,
      chunkBytes: db.chunking.chunkBytes,
      maxChunks: db.chunking.maxChunks,
    },
  };
  const answer = await invokeValidator(deps, request, PlanAnswer, 'a chunk plan');
  return {
    startedAt,
    endedAt: deps.clock.now().toISOString(),
    prefix: answer.prefix,
    ids: answer.ids,
    parallel: answer.parallel,
    bytes: answer.bytes,
    bucket,
    database,
    databaseName: db.name,
    recoveryPointTime,
    manifest: { bucket, key, versionId },
  };
}

/**
 * Validate: ask the validation engine's function to check the recovered database. The request follows the
 * engine's input (`validationInputSchema`): the replicated secret for credentials with the recovered endpoint
 * as host/port override (clients still point at the old primary), the manifest version taken before the
 * recovery point (chosen as the drill chooses it), the recovery point time (the RPO reference) and the tier's
 * RPO; the full report goes to the evidence bucket next to the failover evidence. After PlanChunks and the
 * ValidateChunks Map (`state.chunking`), it is the whole-table step over the stored chunk verdicts, with the
 * manifest version the plan chose, and the evidence says how the work was split and which chunks differed.
 */
export async function validateRecovered(state: FailoverState, deps: StepDeps): Promise<z.infer<typeof Validation>> {
  const chunking = state.chunking;
  const startedAt = chunking?.startedAt ?? deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const recovery = required(state.recovery, 'recovery');
  const endpoint = required(recovery.endpoint, 'recovery.endpoint');
  const db = databaseOf(deps.catalog, plan.database);
  const recoveryPointTime =
    chunking?.recoveryPointTime ?? plan.source?.recoveryPointTime ?? recovery.availableAt ?? startedAt;
  const bucket = deps.catalog.evidenceBucket;
  const manifest = chunking
    ? await readManifestVersion(deps.clients.s3, chunking.manifest)
    : await manifestFor(state, deps, recoveryPointTime);
  const request = {
    database: chunking?.database ?? { secretArn: db.repoint.secretArn, host: endpoint.host, port: endpoint.port },
    databaseName: db.name,
    manifest: { bucket: manifest.bucket, key: manifest.key, versionId: manifest.versionId },
    recoveryPointTime,
    ...(db.rpoSeconds > 0 ? { rpoTargetSeconds: db.rpoSeconds } : {}),
    report: { bucket, key: `failover/${db.name}/${state.execution.name}/validation.json` },
    ...(chunking ? { chunks: { prefix: chunking.prefix } } : {}),
  };
  const report = await invokeValidator(deps, request, ValidatorReport, 'a validation report');
  return {
    startedAt,
    endedAt: deps.clock.now().toISOString(),
    passed: report.passed,
    ...(achievedRpoOf(report) !== undefined ? { achievedRpoSeconds: achievedRpoOf(report) } : {}),
    checks: [
      manifestUsedCheck(manifest, new Date(recoveryPointTime)),
      ...(chunking ? [chunksCheck(report, chunking.prefix, chunking.bytes)] : []),
      ...report.checks.map(evidenceCheckOf),
    ],
  };
}
