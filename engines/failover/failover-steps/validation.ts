/** Validation of the recovered database by the validator function, as evidence checks. */
import { z } from 'zod';
import { achievedRpoOf, evidenceCheckOf } from '../../evidence/validation-check';
import { manifestUsedCheck } from '../../evidence/manifest-used';
import { manifestVersionBefore, readManifestVersion, type ManifestVersion } from '../../common/manifest-before';
import { chunkRunPrefix } from '../../common/chunk-key';
import { chunksCheck } from '../../evidence/chunks-check';
import type { ChunkPlanInput, ValidationInput } from '../../validation/handler';
import { messageOf } from '../aws-helpers';
import { isThrottlingError } from '../../common/aws-errors';
import { databaseOf, Errors, StepError } from '../catalog';
import type { StepDeps } from '../clients';
import { FailoverState, Validation, ValidationRequestsRecord } from './state';
import { required } from './required';

/**
 * What the validation engine's function (`lambda/validate.ts`) answers to the Validate task: a
 * `ValidationReport`. Only the fields the runbook needs are read; each check becomes an evidence check.
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

/**
 * PrepareValidation: choose the manifest version (as the drill chooses it), then write what the validator's own
 * tasks send: the planning call (plan the recovered database's chunks by its table sizes and store the plan under
 * this execution's prefix, `validation-chunks/<environment>/failover/<execution>/<database>/`) and the
 * whole-table step over the stored verdicts. Both connect with the replicated secret for credentials and the
 * recovered endpoint as host/port override (clients still point at the old primary); the whole-table step also
 * gets the recovery point time (the RPO reference) and the tier's RPO, and writes the full report to the
 * evidence bucket next to the failover evidence. Nothing here waits for the database.
 */
export async function prepareValidation(state: FailoverState, deps: StepDeps): Promise<ValidationRequestsRecord> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const recovery = required(state.recovery, 'recovery');
  const endpoint = required(recovery.endpoint, 'recovery.endpoint');
  const db = databaseOf(deps.catalog, plan.database);
  const recoveryPointTime = plan.source?.recoveryPointTime ?? recovery.availableAt ?? startedAt;
  const { bucket, key, versionId } = await manifestFor(state, deps, recoveryPointTime);
  const manifest = { bucket, key, versionId };
  const database = { secretArn: db.repoint.secretArn, host: endpoint.host, port: endpoint.port };
  const prefix = chunkRunPrefix('failover', deps.catalog.environment, state.execution.name, db.name);
  const planRequest: ChunkPlanInput = {
    database,
    databaseName: db.name,
    manifest,
    planChunks: {
      prefix,
      parallel: db.chunking.parallelism,
      chunkBytes: db.chunking.chunkBytes,
      maxChunks: db.chunking.maxChunks,
    },
  };
  const wholeTable: ValidationInput = {
    database,
    databaseName: db.name,
    manifest,
    recoveryPointTime,
    ...(db.rpoSeconds > 0 ? { rpoTargetSeconds: db.rpoSeconds } : {}),
    report: { bucket: deps.catalog.evidenceBucket, key: `failover/${db.name}/${state.execution.name}/validation.json` },
    chunks: { prefix },
  };
  return { startedAt, manifest, recoveryPointTime, plan: planRequest, wholeTable };
}

/**
 * RecordValidation: the validator's report of the whole-table step (the Validate task's answer) as the runbook's
 * validation record: the manifest version used, how the work was split and which chunks differed, then every
 * check of the engine. An answer that is not a report fails the step and says what came back.
 */
export async function recordValidation(state: FailoverState, deps: StepDeps): Promise<z.infer<typeof Validation>> {
  const requests = required(state.validationRequests, 'validationRequests');
  const chunking = required(state.chunking, 'chunking');
  const parsed = ValidatorReport.safeParse(state.validationReport);
  if (!parsed.success)
    throw new StepError(
      Errors.stepFailed,
      `the validator answered something that is not a validation report: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const report = parsed.data;
  const manifest = await readManifestVersion(deps.clients.s3, requests.manifest);
  return {
    startedAt: requests.startedAt,
    endedAt: deps.clock.now().toISOString(),
    passed: report.passed,
    ...(achievedRpoOf(report) !== undefined ? { achievedRpoSeconds: achievedRpoOf(report) } : {}),
    checks: [
      manifestUsedCheck(manifest, new Date(requests.recoveryPointTime)),
      chunksCheck(report, chunking.prefix, chunking.bytes),
      ...report.checks.map(evidenceCheckOf),
    ],
  };
}
