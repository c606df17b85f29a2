import type { Client } from 'pg';
import { connect } from '../db';
import { assembleTable, describeTableHeader, describeTableRows, TableHeader, TableRows } from '../describe-table';
import { BuildManifestOptions, describePharmacySection, describeSource, sessionOptions } from '../manifest';
import type { Manifest } from '../manifest-schema';
import { runPool } from '../pool';
import { silentLogger, systemClock } from '../types';
import { Chunk, chunkLabel, chunkPredicate } from './chunk';
import { bucketCountOf, DEFAULT_CHUNK_BYTES, planChunksWithin, tableBytes } from './plan';

/**
 * The manifest as chunked work: a plan (catalog reads only), one step per chunk (the rows of one key range
 * of one table), and a finishing step (the pharmacy section, then the sums). Each step is plain JSON in and
 * out, so a state machine can run the chunks in a Map, and `buildChunkedManifest` runs the same steps over
 * a few local connections. The result equals `buildManifest`'s: counts and checksums are sums.
 */
export interface ManifestPlan {
  readonly cutoff: string;
  readonly source: Manifest['source'];
  readonly freshness: Manifest['freshness'];
  readonly objects: NonNullable<Manifest['objects']>;
  readonly discovery: Manifest['discovery'];
  /** Whether the finishing step describes the pharmacy section. */
  readonly pharmacy: boolean;
  /** The reference pharmacy tables on the adopter's, when configured (the pharmacy section describes those). */
  readonly pharmacyTables?: ChunkedManifestOptions['pharmacyTables'];
  readonly headers: TableHeader[];
  readonly chunks: Chunk[];
}

export interface ManifestChunkResult {
  readonly chunk: number;
  readonly rows: TableRows;
}

export type ChunkedManifestOptions = BuildManifestOptions & {
  /** Bytes per chunk (from `pg_total_relation_size`). @default 2 GiB */
  readonly chunkBytes?: number;
  /** Most chunks in the plan: the chunk size doubles until it fits (a state machine's history has a limit). */
  readonly maxChunks?: number;
};

function extraOf(options: { statementTimeoutMs?: number }) {
  return { options: sessionOptions(options.statementTimeoutMs ?? 300_000) };
}

/** Plan the manifest: tables, their columns and key spans, and chunks sized by the tables' bytes. */
export async function planManifest(options: ChunkedManifestOptions): Promise<ManifestPlan> {
  const clock = options.clock ?? systemClock;
  const cutoff = options.cutoff ?? new Date(clock.now().getTime() - 60_000);
  const client = await connect(options.url, extraOf(options));
  try {
    const { version, plan, objects } = await describeSource(client, options);
    const headers: TableHeader[] = [];
    for (const spec of plan.tables) {
      try {
        headers.push(await describeTableHeader(client, spec));
      } catch (error) {
        throw new Error(
          `table ${spec.schema}.${spec.table}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    const bytes = await tableBytes(client, plan.tables);
    const chunkable = headers.map((h) => ({
      schema: h.spec.schema,
      table: h.spec.table,
      kind: h.kind,
      keyColumn: h.spec.keyColumn,
      keyColumns: h.keyColumns,
      columns: h.columns,
      ...h.geometry,
      bucketCount: bucketCountOf(h.kind, h.geometry.width, h.minKey, h.maxKey),
    }));
    return {
      cutoff: cutoff.toISOString(),
      source: { database: version.db, serverVersionNum: Number(version.server_version_num) },
      freshness: [...(options.freshness ?? plan.freshness)],
      objects,
      discovery: plan.discovery,
      pharmacy: (options.pharmacy ?? plan.reference) || options.pharmacyTables !== undefined,
      ...(options.pharmacyTables ? { pharmacyTables: options.pharmacyTables } : {}),
      headers,
      chunks: planChunksWithin(chunkable, bytes, options.chunkBytes ?? DEFAULT_CHUNK_BYTES, options.maxChunks),
    };
  } finally {
    await client.end();
  }
}

function headerOf(plan: ManifestPlan, chunk: Chunk): TableHeader {
  const header = plan.headers.find((h) => h.spec.schema === chunk.schema && h.spec.table === chunk.table);
  if (!header) throw new Error(`chunk ${chunk.id}: no table ${chunk.schema}.${chunk.table} in the plan`);
  return header;
}

/** Describe one chunk's rows on an open connection. */
export async function describeManifestChunk(
  client: Client,
  plan: ManifestPlan,
  chunk: Chunk,
): Promise<ManifestChunkResult> {
  try {
    return {
      chunk: chunk.id,
      rows: await describeTableRows(client, headerOf(plan, chunk), new Date(plan.cutoff), chunkPredicate(chunk)),
    };
  } catch (error) {
    throw new Error(
      `chunk ${chunk.id} (${chunkLabel(chunk)}): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Sum the chunks into the manifest; every planned chunk must be there exactly once. */
export function assembleManifest(
  plan: ManifestPlan,
  results: readonly ManifestChunkResult[],
  createdAt: Date,
  pharmacy?: Manifest['pharmacy'],
): Manifest {
  const byChunk = new Map<number, TableRows>();
  for (const r of results) {
    if (byChunk.has(r.chunk)) throw new Error(`chunk ${r.chunk} was described twice`);
    byChunk.set(r.chunk, r.rows);
  }
  const missing = plan.chunks.filter((c) => !byChunk.has(c.id)).map((c) => c.id);
  if (missing.length) throw new Error(`chunks not described: ${missing.join(', ')}`);
  const tables = plan.headers.map((h) =>
    assembleTable(
      h,
      plan.chunks
        .filter((c) => c.schema === h.spec.schema && c.table === h.spec.table)
        .map((c) => byChunk.get(c.id) as TableRows),
    ),
  );
  return {
    format: 'rxdr.validation-manifest',
    version: 1,
    createdAt: createdAt.toISOString(),
    cutoff: plan.cutoff,
    source: plan.source,
    schemas: [...new Set(plan.headers.map((h) => h.spec.schema))],
    tables,
    freshness: plan.freshness,
    objects: plan.objects,
    discovery: plan.discovery,
    ...(pharmacy ? { pharmacy } : {}),
  };
}

/** The pharmacy section of a planned manifest (a whole-database step), or undefined when not planned. */
export async function describePlannedPharmacy(
  options: Pick<ChunkedManifestOptions, 'url' | 'statementTimeoutMs' | 'concurrency' | 'logger'>,
  plan: ManifestPlan,
): Promise<Manifest['pharmacy']> {
  if (!plan.pharmacy) return undefined;
  const logger = options.logger ?? silentLogger;
  return describePharmacySection(
    options.url,
    new Date(plan.cutoff),
    options.concurrency ?? 2,
    extraOf(options),
    logger,
    plan.pharmacyTables,
  );
}

/** Plan, describe every chunk over `concurrency` connections, finish: the manifest, chunk by chunk. */
export async function buildChunkedManifest(options: ChunkedManifestOptions): Promise<Manifest> {
  const clock = options.clock ?? systemClock;
  const plan = await planManifest(options);
  const results = await runPool(
    plan.chunks.map((chunk) => (client: Client) => describeManifestChunk(client, plan, chunk)),
    { target: options.url, concurrency: options.concurrency ?? 2, extra: extraOf(options) },
  );
  const pharmacy = await describePlannedPharmacy(options, plan);
  const manifest = assembleManifest(plan, results, clock.now(), pharmacy);
  for (const t of manifest.tables)
    options.onProgress?.({ kind: 'manifest-table', table: `${t.schema}.${t.table}`, rows: t.rowCount });
  return manifest;
}
