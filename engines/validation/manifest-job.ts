import { PutObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { manifestKey } from '../common/manifest-key';
import { databaseConfig, databaseInputSchema } from './aws';
import { parseInput, ValidationHandlerDeps } from './lambda-commons';
import { buildManifest } from './manifest';

/* The manifest job Lambda's logic (lambda/manifest.ts): input, manifest from the database, write to S3. */

/** The scheduled manifest job's input (an EventBridge rule's constant input). */
export const manifestInputSchema = z.object({
  /** The database's name in rxdr config; the manifest goes to `manifests/<name>.json`, where drills read it. */
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/),
  database: databaseInputSchema,
  /** @default the EVIDENCE_BUCKET environment variable */
  bucket: z.string().min(1).optional(),
  /** @default now minus 60 s */
  cutoff: z.iso.datetime({ offset: true }).optional(),
  statementTimeoutMs: z.number().int().positive().max(900_000).optional(),
});

export interface ManifestJobResult {
  readonly bucket: string;
  readonly key: string;
  readonly cutoff: string;
  readonly tables: number;
  readonly rows: number;
}

/** Build the manifest against the read replica (or primary) and write it to the evidence bucket. */
export function createManifestHandler(deps: ValidationHandlerDeps & { bucket?: string }) {
  return async (event: unknown): Promise<ManifestJobResult> => {
    const input = parseInput(manifestInputSchema, event);
    const bucket = input.bucket ?? deps.bucket;
    if (!bucket) throw new Error('no evidence bucket: set EVIDENCE_BUCKET or pass bucket');
    const connection = await databaseConfig(deps.secrets, input.database);
    const manifest = await buildManifest({
      url: connection,
      cutoff: input.cutoff ? new Date(input.cutoff) : undefined,
      statementTimeoutMs: input.statementTimeoutMs,
      clock: deps.clock,
    });
    const key = manifestKey(input.name);
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(manifest),
        ContentType: 'application/json',
      }),
    );
    const result = {
      bucket,
      key,
      cutoff: manifest.cutoff,
      tables: manifest.tables.length,
      rows: manifest.tables.reduce((n, t) => n + t.rowCount, 0),
    };
    deps.logger.info('manifest written', { ...result });
    return result;
  };
}
