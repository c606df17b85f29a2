import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parseManifest, validateDatabase } from '../../validation';
import type { CheckResult } from '../../validation';
import type { EvidenceCheck } from '../../evidence/schema';
import type { DrillValidator } from '../validator';

/**
 * The validation engine as the AWS drill's `DrillValidator`. Runs inside the Validate Lambda (a VPC
 * function in the drill network, the only source the restored instance's security group admits), against
 * the manifest the primary side published for the database (`s3://<bucket>/manifests/<database>.json`).
 */
export function engineValidator(options: { s3: S3Client; bucket: string; rpoTargetSeconds?: (database: string) => number | undefined; statementTimeoutMs?: number }): DrillValidator {
  return {
    validate: async ({ connection, recoveryPointTime, database }) => {
      const object = await options.s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: `manifests/${database}.json` }));
      const manifest = parseManifest(JSON.parse((await object.Body?.transformToString()) ?? ''));
      const report = await validateDatabase({
        url: connection.url,
        manifest,
        recoveryPointTime,
        rpoTargetSeconds: options.rpoTargetSeconds?.(database),
        statementTimeoutMs: options.statementTimeoutMs,
      });
      return { passed: report.passed, achievedRpoSeconds: report.achievedRpoSeconds ?? undefined, checks: report.checks.map(toEvidenceCheck) };
    },
  };
}

function toEvidenceCheck(check: CheckResult): EvidenceCheck {
  const status = check.error ? 'error' : check.passed ? 'passed' : 'failed';
  const measured = Object.entries(check.measured)
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(', ');
  const offending = check.offendingKeys.length > 0 ? `; offending: ${check.offendingKeys.slice(0, 5).join(', ')}` : '';
  return {
    id: check.name,
    category: check.suite,
    status,
    message: check.error ?? ((measured.length > 300 ? `${measured.slice(0, 297)}...` : measured) + offending || (check.passed ? 'passed' : 'failed')),
    durationMs: check.durationMs,
    details: { measured: check.measured, offendingKeys: check.offendingKeys },
  };
}
