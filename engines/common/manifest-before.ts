import { GetObjectCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseManifest, type Manifest } from '../validation/manifest-schema';
import { manifestKey } from './manifest-key';

/** One version of a database's manifest object, and what it says. */
export interface ManifestVersion {
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  readonly manifest: Manifest;
}

/** How many manifest versions (newest first, written before the recovery point) are opened at most. */
const MAX_VERSIONS_OPENED = 5;
/** A manifest is written a little after its cut-off: versions written this long after the recovery point are opened. */
const WRITE_DELAY_MS = 20 * 60_000;

/**
 * The newest manifest of `database` whose cut-off is at or before the recovery point: the manifest job
 * overwrites `manifestKey(database)` on its schedule and the evidence bucket keeps every version, so a
 * restore of yesterday's recovery point is validated against the manifest taken before it, not today's
 * (whose rows the restored copy cannot have). The one choice the drill and the failover both make.
 */
export async function manifestVersionBefore(
  s3: S3Client,
  bucket: string,
  database: string,
  recoveryPointTime: Date,
): Promise<ManifestVersion> {
  const key = manifestKey(database);
  const versions: { id: string; modified: Date }[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: key,
        KeyMarker: keyMarker,
        VersionIdMarker: versionIdMarker,
      }),
    );
    for (const v of page.Versions ?? []) {
      if (v.Key === key && v.VersionId && v.LastModified) versions.push({ id: v.VersionId, modified: v.LastModified });
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  const candidates = versions
    .filter((v) => v.modified.getTime() <= recoveryPointTime.getTime() + WRITE_DELAY_MS)
    .sort((a, b) => b.modified.getTime() - a.modified.getTime());
  for (const version of candidates.slice(0, MAX_VERSIONS_OPENED)) {
    const found = await readManifestVersion(s3, { bucket, key, versionId: version.id });
    if (new Date(found.manifest.cutoff).getTime() <= recoveryPointTime.getTime()) return found;
  }
  const found = `${versions.length} version${versions.length === 1 ? '' : 's'} found`;
  throw new Error(
    `no manifest of ${database} taken before the recovery point ${recoveryPointTime.toISOString()} ` +
      `in s3://${bucket}/${key} (${found}): ` +
      'the scheduled manifest job writes it (replicated databases), or run `rxdr manifest` and upload it there',
  );
}

/** The manifest itself (see {@link manifestVersionBefore}). */
export async function manifestBefore(
  s3: S3Client,
  bucket: string,
  database: string,
  recoveryPointTime: Date,
): Promise<Manifest> {
  return (await manifestVersionBefore(s3, bucket, database, recoveryPointTime)).manifest;
}

/** One given version of a manifest object (the version a chunked validation's plan chose). */
export async function readManifestVersion(
  s3: S3Client,
  at: { bucket: string; key: string; versionId: string },
): Promise<ManifestVersion> {
  const object = await s3.send(new GetObjectCommand({ Bucket: at.bucket, Key: at.key, VersionId: at.versionId }));
  const manifest = parseManifest(JSON.parse((await object.Body?.transformToString()) ?? ''));
  return { ...at, manifest };
}
