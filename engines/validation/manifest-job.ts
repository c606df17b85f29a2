import { PutObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { MANIFEST_CHUNKS_PREFIX, manifestRunPrefix } from '../common/chunk-key';
import { manifestKey } from '../common/manifest-key';
import { databaseConfig, databaseInputSchema } from './aws';
import { pharmacyTablesSchema } from './checks/pharmacy/table-mapping';
import { S3ChunkStore } from './chunks/chunk-store';
import {
  assembleManifest,
  describeManifestChunk,
  describePlannedPharmacy,
  ManifestChunkResult,
  ManifestPlan,
  planManifest,
} from './chunks/manifest';
import { DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_PARALLELISM } from './chunks/plan';
import { connect } from './db';
import { parseInput, ValidationHandlerDeps } from './lambda-commons';
import { sessionOptions } from './manifest';
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
  /** Chunks described at once (the Map's concurrency). @default 4 */
  parallelism: z.number().int().min(1).max(40).optional(),
  /** Bytes per chunk (`pg_total_relation_size`). @default 2 GiB */
  chunkBytes: z.number().int().min(8192).optional(),
});

export interface ManifestJobResult {
  readonly bucket: string;
  readonly key: string;
  readonly cutoff: string;
  readonly tables: number;
  readonly rows: number;
  readonly chunks: number;
  readonly findings: PgauditFinding[];
}

/** What the planning step leaves for the chunk steps and the finish (`manifest-chunks/<name>/<run>/plan.json`). */
interface StoredManifestPlan {
  readonly plan: ManifestPlan;
  readonly findings: PgauditFinding[];
}

/** The state the steps pass on: the job's input, and where its chunk work is (ids only: the state stays small). */
export interface ManifestJobState {
  readonly input: ManifestInput;
  readonly chunking: { readonly prefix: string; readonly ids: number[]; readonly parallel: number };
}

export type ManifestInput = z.infer<typeof manifestInputSchema>;

/** One chunk step's event (an iteration of the state machine's Map). */
export const manifestChunkEventSchema = z.object({
  chunk: z.number().int().nonnegative(),
  prefix: z.string().startsWith(MANIFEST_CHUNKS_PREFIX),
  database: databaseInputSchema,
  statementTimeoutMs: z.number().int().positive().max(900_000).optional(),
});

const planEventSchema = z.object({ input: z.unknown(), run: z.string().min(1) });
const finishEventSchema = z.object({
  input: z.unknown(),
  chunking: z.object({ prefix: z.string().startsWith(MANIFEST_CHUNKS_PREFIX) }).loose(),
});

/** Statement budget of one chunk: well inside the chunk function's timeout, so a slow chunk fails cleanly. */
export const MANIFEST_CHUNK_STATEMENT_TIMEOUT_MS = 240_000;

/** A chunk that could not be described (connection, S3, time budget): the Map retries this chunk alone. */
export class ManifestChunkFailedError extends Error {
  constructor(chunk: number, cause: unknown) {
    super(`chunk ${chunk} could not be described: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'Rxdr.ChunkFailed';
  }
}

export type ManifestJobDeps = ValidationHandlerDeps & { bucket?: string };

const store = (deps: ManifestJobDeps, bucket: string, prefix: string) =>
  new S3ChunkStore<StoredManifestPlan, ManifestChunkResult>(deps.s3, bucket, prefix, MANIFEST_CHUNKS_PREFIX);

function bucketOf(input: ManifestInput, deps: ManifestJobDeps): string {
  const bucket = input.bucket ?? deps.bucket;
  if (!bucket) throw new Error('no evidence bucket: set EVIDENCE_BUCKET or pass bucket');
  return bucket;
}

/**
 * The scheduled manifest job as chunked work, the steps of `buildChunkedManifest` spread over invocations of
 * a state machine: plan (catalog reads; pgaudit proof of an adopted database), one step per chunk (the rows of
 * one key range of one table), and the finish (the pharmacy section, the sums, the manifest written to
 * `manifests/<name>.json`, where drills read it). The manifest equals the unchunked one.
 */
export function createManifestJobSteps(deps: ManifestJobDeps) {
  return {
    /** Plan the chunks from the catalog and store the plan; only the chunk ids go on as state. */
    plan: async (event: unknown): Promise<ManifestJobState> => {
      const { input: raw, run } = parseInput(planEventSchema, event);
      const input = parseInput(manifestInputSchema, raw);
      const bucket = bucketOf(input, deps);
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
      const plan = await planManifest({
        url: connection,
        cutoff: input.cutoff ? new Date(input.cutoff) : undefined,
        statementTimeoutMs: input.statementTimeoutMs,
        selection: input.selection,
        pharmacyTables: input.pharmacyTables,
        clock: deps.clock,
        chunkBytes: input.chunkBytes ?? DEFAULT_CHUNK_BYTES,
        maxChunks: MAX_MANIFEST_CHUNKS,
      });
      const prefix = manifestRunPrefix(input.name, run);
      await store(deps, bucket, prefix).putPlan({ plan, findings });
      const ids = plan.chunks.map((c) => c.id);
      deps.logger.info('manifest planned', { database: input.name, chunks: ids.length, prefix });
      const parallel = Math.min(input.parallelism ?? DEFAULT_CHUNK_PARALLELISM, Math.max(1, ids.length));
      return { input, chunking: { prefix, ids, parallel } };
    },

    /** Describe one chunk's rows and store them under the chunk's key (a retry writes the same result again). */
    chunk: async (event: unknown): Promise<{ chunk: number }> => {
      const input = parseInput(manifestChunkEventSchema, event);
      try {
        const bucket = deps.bucket;
        if (!bucket) throw new Error('no evidence bucket: set EVIDENCE_BUCKET');
        const chunks = store(deps, bucket, input.prefix);
        const { plan } = await chunks.getPlan();
        const chunk = plan.chunks.find((c) => c.id === input.chunk);
        if (!chunk) throw new Error(`no chunk ${input.chunk} in the plan at ${input.prefix}`);
        const connection = await databaseConfig(deps.secrets, input.database);
        const timeout = Math.min(input.statementTimeoutMs ?? Infinity, MANIFEST_CHUNK_STATEMENT_TIMEOUT_MS);
        const client = await connect(connection, { options: sessionOptions(timeout) });
        try {
          await chunks.putVerdict(await describeManifestChunk(client, plan, chunk));
        } finally {
          await client.end();
        }
        return { chunk: input.chunk };
      } catch (error) {
        throw new ManifestChunkFailedError(input.chunk, error);
      }
    },

    /** Combine every chunk, describe the pharmacy section, write the manifest; fail on a missing pgaudit after. */
    finish: async (event: unknown): Promise<ManifestJobResult> => {
      const { input: raw, chunking } = parseInput(finishEventSchema, event);
      const input = parseInput(manifestInputSchema, raw);
      const bucket = bucketOf(input, deps);
      const chunks = store(deps, bucket, chunking.prefix);
      const { plan, findings } = await chunks.getPlan();
      const results = await chunks.getVerdicts(plan.chunks);
      const connection = await databaseConfig(deps.secrets, input.database);
      const pharmacy = await describePlannedPharmacy(
        { url: connection, statementTimeoutMs: input.statementTimeoutMs, logger: deps.logger },
        plan,
      );
      const manifest = assembleManifest(plan, results, deps.clock.now(), pharmacy);
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
        chunks: plan.chunks.length,
        findings,
      };
      deps.logger.info('manifest written', { ...result });
      const failed = findings.filter((f) => !f.passed);
      if (failed.length > 0) {
        deps.logger.error('finding', { database: input.name, findings: failed });
        throw new Error(`${input.name}: ${failed.map((f) => f.message).join('; ')} (the manifest was written)`);
      }
      return result;
    },
  };
}

/**
 * Most chunks of one manifest run: a Standard execution has 25,000 history events and one chunk costs about
 * ten (with room for a retry), so a larger plan doubles its chunk size until it fits.
 */
export const MAX_MANIFEST_CHUNKS = 2000;
