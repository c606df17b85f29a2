import type { ManifestVersion } from '../common/manifest-before';
import type { EvidenceCheck } from './schema';

/**
 * Which manifest a validation compared the restored copy with, and how old it was: the object version,
 * when it was taken (its cut-off) and how long before the recovery point. Rows written between the cut-off
 * and the recovery point are checked by the invariants, not the checksums, so an auditor wants to see it.
 */
export function manifestUsedCheck(version: ManifestVersion, recoveryPointTime: Date): EvidenceCheck {
  const cutoff = new Date(version.manifest.cutoff);
  const ageSeconds = Math.round((recoveryPointTime.getTime() - cutoff.getTime()) / 1000);
  return {
    id: 'manifest',
    category: 'drill',
    status: 'passed',
    message:
      `s3://${version.bucket}/${version.key} version ${version.versionId}: cut-off ${version.manifest.cutoff}, ` +
      `${ageSeconds} s before the recovery point; ${version.manifest.tables.length} tables`,
    details: {
      bucket: version.bucket,
      key: version.key,
      versionId: version.versionId,
      cutoff: version.manifest.cutoff,
      createdAt: version.manifest.createdAt,
      ageSeconds,
      tables: version.manifest.tables.length,
    },
  };
}
