import type { S3Client } from '@aws-sdk/client-s3';
import { achievedRpoOf, evidenceCheckOf } from '../../evidence/validation-check';
import { manifestVersionBefore, type ManifestVersion } from '../../common/manifest-before';
import { manifestUsedCheck } from '../../evidence/manifest-used';
import { validateDatabase } from '../../validation';
import type { CheckSettings } from '../../validation/check-settings';
import { finishStoredChunks } from '../../validation/chunks/stored-chunks';
import { chunksCheck } from '../../evidence/chunks-check';
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
      const version = await manifestVersionBefore(options.s3, options.bucket, database, recoveryPointTime);
      const report = await validateDatabase({
        ...validationRequest(options, { connection, recoveryPointTime, database }),
        manifest: version.manifest,
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
      const { version, report, bytes } = await finishStoredChunks(
        { s3: options.s3, bucket: options.bucket, prefix: options.prefix },
        validationRequest(options, { connection, recoveryPointTime, database }),
      );
      const prediction = options.fit ? { description: describeFit(options.fit), fit: options.fit } : undefined;
      return resultOf(version, recoveryPointTime, report, chunksCheck(report, options.prefix, bytes, prediction));
    },
  };
}

/** What validating one restored database asks, besides the manifest: where, as of when, and which checks. */
function validationRequest(
  options: EngineValidatorOptions,
  { connection, recoveryPointTime, database }: Parameters<DrillValidator['validate']>[0],
) {
  const settings = options.checkSettings?.(database) ?? {};
  return {
    url: connection.url,
    recoveryPointTime,
    rpoTargetSeconds: options.rpoTargetSeconds?.(database),
    statementTimeoutMs: options.statementTimeoutMs,
    checks: settings.checks,
    customChecks: settings.customChecks,
    invariants: settings.invariants,
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

/** The Validate task's validator: the whole-table step over the planned chunks, or (no plan) one invocation. */
export function drillValidatorFor(event: unknown, options: EngineValidatorOptions): DrillValidator {
  const item = event as { chunking?: { prefix?: unknown }; expect?: { fit?: PlannedFit } } | null;
  const prefix = item?.chunking?.prefix;
  const fit = item?.expect?.fit;
  return typeof prefix === 'string' && prefix
    ? chunkedEngineValidator({ ...options, prefix, ...(fit ? { fit } : {}) })
    : engineValidator(options);
}
