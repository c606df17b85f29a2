/**
 * Where manifests live in the evidence bucket: the one key scheme the scheduled manifest job
 * (`lambda/manifest.ts`, which writes `manifests/<name>.json`), the drill's validator and
 * the IAM grants of both share. The bucket is versioned (Object Lock), so every manifest the job ever wrote
 * stays readable as a version of this key: the drill picks the newest one taken before its recovery point.
 * Pure constants and string functions only (imported by `lib/` and by Lambda bundles).
 */
export const MANIFEST_PREFIX = 'manifests/';

/** The manifest key of a configured database (`name` as in rxdr config). */
export function manifestKey(database: string): string {
  return `${MANIFEST_PREFIX}${database}.json`;
}
