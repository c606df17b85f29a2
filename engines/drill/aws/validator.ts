import type { S3Client } from '@aws-sdk/client-s3';
import { achievedRpoOf, evidenceCheckOf } from '../../evidence/validation-check';
import { manifestBefore } from '../../common/manifest-before';
import { validateDatabase } from '../../validation';
import type { DrillValidator } from '../validator';

/**
 * The validation engine as the AWS drill's `DrillValidator`. Runs inside the Validate Lambda (a VPC
 * function in the drill network, the only source the restored instance's security group admits), against
 * the newest manifest the primary side published for the database before the recovery point
 * (`s3://<bucket>/manifests/<database>.json`, a version of it).
 */
export function engineValidator(options: {
  s3: S3Client;
  bucket: string;
  rpoTargetSeconds?: (database: string) => number | undefined;
  statementTimeoutMs?: number;
}): DrillValidator {
  return {
    validate: async ({ connection, recoveryPointTime, database }) => {
      const manifest = await manifestBefore(options.s3, options.bucket, database, recoveryPointTime);
      const report = await validateDatabase({
        url: connection.url,
        manifest,
        recoveryPointTime,
        rpoTargetSeconds: options.rpoTargetSeconds?.(database),
        statementTimeoutMs: options.statementTimeoutMs,
      });
      return {
        passed: report.passed,
        achievedRpoSeconds: achievedRpoOf(report),
        checks: report.checks.map(evidenceCheckOf),
      };
    },
  };
}
