import { PutObjectCommand } from '@aws-sdk/client-s3';
import { manifestKey } from '../../../engines/common/manifest-key';
import type { Manifest } from '../../../engines/validation';
import type { ValidationSettings } from '../../config/validation-settings';
import { names } from '../../naming';
import { awsUsageError, AwsFlags, AwsTarget, resolveTarget } from '../aws';
import { ExitCode, UsageError } from '../errors';

/** Where `rxdr manifest --upload` writes, and the database's configured validation settings. */
export interface UploadDestination {
  readonly target: AwsTarget;
  readonly bucket: string;
  readonly key: string;
  readonly validation?: ValidationSettings;
}

/**
 * The evidence bucket of `--env` and the manifest key of `--database`: the object the drill and the failover
 * read (the newest version cut off before the recovery point). Checked before connecting to the database.
 */
export function uploadDestination(flags: AwsFlags): UploadDestination {
  if (!flags.env || !flags.database)
    throw new UsageError(
      '--upload needs --env <environment> and --database <name> (the database in the configuration)',
    );
  const target = resolveTarget(flags);
  const db = target.env.databases.find((d) => d.name === flags.database);
  return {
    target,
    bucket: names.evidenceBucket(target.env),
    key: manifestKey(flags.database),
    ...(db?.validation ? { validation: db.validation } : {}),
  };
}

/** Put the manifest; a failure is reported, never swallowed (credentials and access: exit 2, else 1). */
export async function uploadManifest(
  destination: UploadDestination,
  manifest: Manifest,
  profile?: string,
): Promise<{ ok: true; location: string; versionId?: string } | { ok: false; message: string; exitCode: number }> {
  const location = `s3://${destination.bucket}/${destination.key}`;
  try {
    const out = await destination.target.clients.s3.send(
      new PutObjectCommand({
        Bucket: destination.bucket,
        Key: destination.key,
        Body: JSON.stringify(manifest),
        ContentType: 'application/json',
      }),
    );
    return { ok: true, location, ...(out.VersionId ? { versionId: out.VersionId } : {}) };
  } catch (error) {
    const mapped = awsUsageError(error, destination.target, profile);
    return {
      ok: false,
      message: `${location}: ${mapped.message}`,
      exitCode: mapped.name === 'UsageError' ? ExitCode.Usage : ExitCode.Failed,
    };
  }
}
