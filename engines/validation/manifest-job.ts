import { PutObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { manifestKey } from '../common/manifest-key';
import { databaseConfig, databaseInputSchema } from './aws';
import { pharmacyTablesSchema } from './checks/pharmacy/table-mapping';
import { connect } from './db';
import { parseInput, ValidationHandlerDeps } from './lambda-commons';
import { buildManifest } from './manifest';
import { PgauditFinding, pgauditInPlace } from './pgaudit-in-place';

/** Which tables the manifest describes (the database's `validation` settings in rxdr config). */
export const tableSelectionSchema = z.object({
  schemas: z.array(z.string().min(1)).optional(),
  include: z.array(z.string().min(1)).optional(),
  exclude: z.array(z.string().min(1)).optional(),
  cutoffColumns: z.record(z.string(), z.string()).optional(),
});

/** The scheduled manifest job's input (a schedule's constant input). */
export const manifestInputSchema = z.object({
  /** The database's name in rxdr config; the manifest goes to `manifests/<name>.json`, where drills read it. */
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/),
  database: databaseInputSchema,
  /** @default the EVIDENCE_BUCKET environment variable */
  bucket: z.string().min(1).optional(),
  /** @default now minus 60 s */
  cutoff: z.iso.datetime({ offset: true }).optional(),
  statementTimeoutMs: z.number().int().positive().max(900_000).optional(),
  /** @default - every user table, cut-off columns inferred */
  selection: tableSelectionSchema.optional(),
  /** The reference pharmacy tables on this database's own (the invariant checks then run on them). */
  pharmacyTables: pharmacyTablesSchema.optional(),
  /** An adopted database: prove pgaudit is in place from inside it (the job fails when it is not). */
  requirePgaudit: z.boolean().optional(),
});

export interface ManifestJobResult {
  readonly bucket: string;
  readonly key: string;
  readonly cutoff: string;
  readonly tables: number;
  readonly rows: number;
  readonly findings: PgauditFinding[];
}

/**
 * Build the manifest of one database (a read replica, or an adopted instance in its own network) and write
 * it to the evidence bucket. With `requirePgaudit`, the job also checks pgaudit inside the database and,
 * once the manifest is written, fails naming what is missing (the job's alarm then fires).
 */
export function createManifestHandler(deps: ValidationHandlerDeps & { bucket?: string }) {
  return async (event: unknown): Promise<ManifestJobResult> => {
    const input = parseInput(manifestInputSchema, event);
    const bucket = input.bucket ?? deps.bucket;
    if (!bucket) throw new Error('no evidence bucket: set EVIDENCE_BUCKET or pass bucket');
    const connection = await databaseConfig(deps.secrets, input.database);
    const findings: PgauditFinding[] = [];
    if (input.requirePgaudit) {
      const client = await connect(connection);
      try {
        findings.push(await pgauditInPlace(client));
      } finally {
        await client.end();
      }
    }
    const manifest = await buildManifest({
      url: connection,
      cutoff: input.cutoff ? new Date(input.cutoff) : undefined,
      statementTimeoutMs: input.statementTimeoutMs,
      selection: input.selection,
      pharmacyTables: input.pharmacyTables,
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
      findings,
    };
    deps.logger.info('manifest written', { ...result });
    const failed = findings.filter((f) => !f.passed);
    if (failed.length > 0) {
      deps.logger.error('finding', { database: input.name, findings: failed });
      throw new Error(`${input.name}: ${failed.map((f) => f.message).join('; ')} (the manifest was written)`);
    }
    return result;
  };
}
