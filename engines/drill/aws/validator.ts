import type { S3Client } from '@aws-sdk/client-s3';
import { achievedRpoOf, evidenceCheckOf } from '../../evidence/validation-check';
import { manifestVersionBefore } from '../../common/manifest-before';
import { manifestUsedCheck } from '../../evidence/manifest-used';
import { validateDatabase } from '../../validation';
import type { CheckSettings } from '../../validation/check-settings';
import type { DrillValidator } from '../validator';

/**
 * The validation engine as the AWS drill's `DrillValidator`. Runs inside the Validate Lambda (a VPC
 * function in the drill network, the only source the restored instance's security group admits), against
 * the newest manifest the primary side published for the database before the recovery point
 * (`s3://<bucket>/manifests/<database>.json`, a version of it), with the database's configured checks,
 * custom checks and invariant mappings. The evidence says which manifest version it used and how old it was.
 */
export function engineValidator(options: {
  s3: S3Client;
  bucket: string;
  rpoTargetSeconds?: (database: string) => number | undefined;
  statementTimeoutMs?: number;
  /** @default - every check that applies */
  checkSettings?: (database: string) => CheckSettings;
}): DrillValidator {
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
      return {
        passed: report.passed,
        achievedRpoSeconds: achievedRpoOf(report),
        checks: [manifestUsedCheck(version, recoveryPointTime), ...report.checks.map(evidenceCheckOf)],
      };
    },
  };
}
