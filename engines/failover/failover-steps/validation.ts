/** Validation of the recovered database by the validator function, as evidence checks. */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { achievedRpoOf, evidenceCheckOf } from '../../evidence/validation-check';
import { manifestUsedCheck } from '../../evidence/manifest-used';
import { manifestVersionBefore, type ManifestVersion } from '../../common/manifest-before';
import { messageOf } from '../aws-helpers';
import { isThrottlingError } from '../../common/aws-errors';
import { databaseOf, Errors, StepError } from '../catalog';
import type { StepDeps } from '../clients';
import { FailoverState, Validation } from './state';
import { required } from './required';

/**
 * What the validation engine's function (`lambda/validate.ts`) answers: a `ValidationReport`.
 * Only the fields the runbook needs are read; each check becomes an evidence check.
 */
const ValidatorReport = z.object({
  passed: z.boolean(),
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

/**
 * Ask the validation engine's function to check the recovered database. The request follows the engine's
 * input (`validationInputSchema`): the replicated secret for credentials with the recovered endpoint as
 * host/port override (clients still point at the old primary), the manifest version taken before the
 * recovery point (chosen as the drill chooses it), the recovery point time (the RPO reference) and the
 * tier's RPO; the full report goes to the evidence bucket next to the failover evidence.
 */
export async function validateRecovered(state: FailoverState, deps: StepDeps): Promise<z.infer<typeof Validation>> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const recovery = required(state.recovery, 'recovery');
  const endpoint = required(recovery.endpoint, 'recovery.endpoint');
  const db = databaseOf(deps.catalog, plan.database);
  const recoveryPointTime = plan.source?.recoveryPointTime ?? recovery.availableAt ?? startedAt;
  const bucket = deps.catalog.evidenceBucket;
  let manifest: ManifestVersion;
  try {
    manifest = await manifestVersionBefore(deps.clients.s3, bucket, db.name, new Date(recoveryPointTime));
  } catch (error) {
    if (isThrottlingError(error)) throw error;
    throw new StepError(Errors.stepFailed, messageOf(error));
  }
  const request = {
    database: { secretArn: db.repoint.secretArn, host: endpoint.host, port: endpoint.port },
    databaseName: db.name,
    manifest: { bucket, key: manifest.key, versionId: manifest.versionId },
    recoveryPointTime,
    ...(db.rpoSeconds > 0 ? { rpoTargetSeconds: db.rpoSeconds } : {}),
    report: { bucket, key: `failover/${db.name}/${state.execution.name}/validation.json` },
  };
  const out = await deps.clients.lambda.send(
    new InvokeCommand({
      FunctionName: deps.catalog.validatorFunctionName,
      Payload: Buffer.from(JSON.stringify(request)),
    }),
  );
  const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
  if (out.FunctionError)
    throw new StepError(Errors.stepFailed, `the validator failed (${out.FunctionError}): ${text.slice(0, 500)}`);
  const parsed = ValidatorReport.safeParse(JSON.parse(text || 'null'));
  if (!parsed.success)
    throw new StepError(
      Errors.stepFailed,
      `the validator answered something that is not a validation report: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const report = parsed.data;
  return {
    startedAt,
    endedAt: deps.clock.now().toISOString(),
    passed: report.passed,
    ...(achievedRpoOf(report) !== undefined ? { achievedRpoSeconds: achievedRpoOf(report) } : {}),
    checks: [manifestUsedCheck(manifest, new Date(recoveryPointTime)), ...report.checks.map(evidenceCheckOf)],
  };
}
