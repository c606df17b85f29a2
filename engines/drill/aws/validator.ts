import type { S3Client } from '@aws-sdk/client-s3';
import { achievedRpoOf, evidenceCheckOf } from '../../evidence/validation-check';
import { manifestVersionBefore, readManifestVersion, type ManifestVersion } from '../../common/manifest-before';
import { manifestUsedCheck } from '../../evidence/manifest-used';
import { validateDatabase } from '../../validation';
import type { CheckSettings } from '../../validation/check-settings';
import { S3ChunkStore } from '../../validation/chunks/chunk-store';
import { finishChunkedValidation } from '../../validation/chunks/validate-chunked';
import type { ValidationReport } from '../../validation/types';
import type { EvidenceCheck } from '../../evidence/schema';
import type { DrillValidationResult, DrillValidator } from '../validator';
import { describeFit, type PlannedFit } from './fit';

export interface EngineValidatorOptions {
  s3: S3Client;
  bucket: string;
  rpoTargetSeconds?: (database: string) => number | undefined;
  statementTimeoutMs?: number;
  /** @default - every check that applies */
  checkSettings?: (database: string) => CheckSettings;
}

/**
 * The validation engine as the AWS drill's `DrillValidator`. Runs inside the Validate Lambda (a VPC
 * function in the drill network, the only source the restored instance's security group admits), against
 * the newest manifest the primary side published for the database before the recovery point
 * (`s3://<bucket>/manifests/<database>.json`, a version of it), with the database's configured checks,
 * custom checks and invariant mappings. The evidence says which manifest version it used and how old it was.
 */
export function engineValidator(options: EngineValidatorOptions): DrillValidator {
  return {
    validate: async ({ connection, recoveryPointTime, database }) => {
      const settings = options.checkSettings?.(database) ?? {};
      const version = await manifestVersionBefore(options.s3, options.bucket, database, recoveryPointTime);
      const report = await validateDatabase({
        url: connection.url,
        manifest: version.manifest,
        recoveryPointTime,
        rpoTargetSeconds: options.rpoTargetSeconds?.(database),
        statementTimeoutMs: options.statementTimeoutMs,
        checks: settings.checks,
        customChecks: settings.customChecks,
        invariants: settings.invariants,
      });
      return resultOf(version, recoveryPointTime, report);
    },
  };
}

/**
 * The whole-table step of the state machine's chunked validation: the plan and every chunk's verdict from
 * `prefix` (written by PlanChunks and the ValidateChunks Map), combined, then every check with the combined
 * passes (`finishChunkedValidation`, as `rxdr validate --parallel` does). Same evidence as `engineValidator`,
 * plus how the work was split and which chunks differ.
 */
export function chunkedEngineValidator(
  options: EngineValidatorOptions & { prefix: string; fit?: PlannedFit },
): DrillValidator {
  return {
    validate: async ({ connection, recoveryPointTime, database }) => {
      const started = new Date();
      const settings = options.checkSettings?.(database) ?? {};
      const store = new S3ChunkStore(options.s3, options.bucket, options.prefix);
      const plan = await store.getPlan();
      const version = await readManifestVersion(options.s3, plan.manifest);
      const verdicts = await store.getVerdicts(plan.chunks);
      const report = await finishChunkedValidation(
        {
          url: connection.url,
          manifest: version.manifest,
          recoveryPointTime,
          rpoTargetSeconds: options.rpoTargetSeconds?.(database),
          statementTimeoutMs: options.statementTimeoutMs,
          checks: settings.checks,
          customChecks: settings.customChecks,
          invariants: settings.invariants,
        },
        plan.chunks,
        verdicts,
        { started, parallel: plan.parallel },
      );
      const bytes = plan.chunks.reduce((sum, chunk) => sum + chunk.bytes, 0);
      return resultOf(version, recoveryPointTime, report, chunksCheck(report, options.prefix, bytes, options.fit));
    },
  };
}

function resultOf(
  version: ManifestVersion,
  recoveryPointTime: Date,
  report: ValidationReport,
  ...extra: EvidenceCheck[]
): DrillValidationResult {
  return {
    passed: report.passed,
    achievedRpoSeconds: achievedRpoOf(report),
    checks: [manifestUsedCheck(version, recoveryPointTime), ...extra, ...report.checks.map(evidenceCheckOf)],
  };
}

/**
 * The chunks' verdict; `bytes` (the planned size) lets the next drill predict its validation time. The Plan
 * task's prediction goes beside it, saying when it was made from defaults (a first drill).
 */
function chunksCheck(report: ValidationReport, prefix: string, bytes: number, fit?: PlannedFit): EvidenceCheck {
  const chunks = report.chunks ?? { planned: 0, parallel: 0, mismatched: [] };
  const differing = chunks.mismatched.length ? `; differing: ${chunks.mismatched.join(', ')}` : '';
  const predicted = fit ? `; ${describeFit(fit)}` : '';
  return {
    id: 'validation-chunks',
    category: 'drill',
    status: chunks.mismatched.length ? 'failed' : 'passed',
    message: `${chunks.planned} chunks, ${chunks.parallel} at a time${differing}${predicted}`,
    details: { ...chunks, prefix, bytes, ...(fit ? { prediction: fit } : {}) },
  };
}

/** The Validate task's validator: the whole-table step over the planned chunks, or (no plan) one invocation. */
export function drillValidatorFor(event: unknown, options: EngineValidatorOptions): DrillValidator {
  const item = event as { chunking?: { prefix?: unknown }; expect?: { fit?: PlannedFit } } | null;
  const prefix = item?.chunking?.prefix;
  const fit = item?.expect?.fit;
  return typeof prefix === 'string' && prefix
    ? chunkedEngineValidator({ ...options, prefix, ...(fit ? { fit } : {}) })
    : engineValidator(options);
}
