import { GetObjectCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { manifestKey } from '../../shared/manifest-key';
import type { Manifest } from '../../validation';
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
      const manifest = await manifestBefore(options.s3, options.bucket, database, recoveryPointTime);
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

/** How many manifest versions (newest first, written before the recovery point) are opened at most. */
const MAX_VERSIONS_OPENED = 5;

/**
 * The newest manifest of `database` whose cut-off is at or before the recovery point: the manifest job
 * overwrites `manifestKey(database)` on its schedule and the evidence bucket keeps every version, so a drill
 * restoring yesterday's recovery point validates against the manifest taken before it, not today's (whose
 * rows the restored copy cannot have). Versions written after the recovery point are skipped unread.
 */
export async function manifestBefore(s3: S3Client, bucket: string, database: string, recoveryPointTime: Date): Promise<Manifest> {
  const key = manifestKey(database);
  const versions: { id: string; modified: Date }[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  do {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
    for (const v of page.Versions ?? []) if (v.Key === key && v.VersionId && v.LastModified) versions.push({ id: v.VersionId, modified: v.LastModified });
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  const candidates = versions.filter((v) => v.modified.getTime() <= recoveryPointTime.getTime() + 20 * 60_000).sort((a, b) => b.modified.getTime() - a.modified.getTime());
  for (const version of candidates.slice(0, MAX_VERSIONS_OPENED)) {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: version.id }));
    const manifest = parseManifest(JSON.parse((await object.Body?.transformToString()) ?? ''));
    if (new Date(manifest.cutoff).getTime() <= recoveryPointTime.getTime()) return manifest;
  }
  throw new Error(
    `no manifest of ${database} taken before the recovery point ${recoveryPointTime.toISOString()} in s3://${bucket}/${key} (${versions.length} version${versions.length === 1 ? '' : 's'} found): ` +
      'the scheduled manifest job writes it (replicated databases), or run `rxdr manifest` and upload it there',
  );
}
