import type { Client, ClientConfig } from 'pg';
import { InvariantFact, PHARMACY_INVARIANT_FACTS, SourceQuery } from './checks/pharmacy';
import { bucketGeometry, BucketRow, bucketSql, EPCS_HASH, EPCS_WHERE } from './checksum';
import { connect, DatabaseTarget, ident } from './db';
import type { Manifest, PharmacyManifest, TableManifest } from './manifest-schema';
import { runPool } from './pool';
import { PHARMACY_FRESHNESS, PHARMACY_TABLES } from './schema';
import { Clock, EngineLogger, FreshnessColumn, ProgressEvent, silentLogger, systemClock, TableSpec } from './types';

export interface BuildManifestOptions {
  readonly url: DatabaseTarget;
  /**
   * Rows with a cut-off column value <= this are described.
   * @default clock.now() minus 60 s, so transactions in flight at "now" have committed
   */
  readonly cutoff?: Date;
  /** @default PHARMACY_TABLES */
  readonly tables?: readonly TableSpec[];
  /** @default PHARMACY_FRESHNESS (or none when `tables` is given) */
  readonly freshness?: readonly FreshnessColumn[];
  /** Include the pharmacy aggregates. @default true when `tables` is the reference schema */
  readonly pharmacy?: boolean;
  /** @default 300000 (5 minutes) per statement */
  readonly statementTimeoutMs?: number;
  /** Tables hashed concurrently, one connection each. @default 2 */
  readonly concurrency?: number;
  readonly clock?: Clock;
  readonly logger?: EngineLogger;
  readonly onProgress?: (event: ProgressEvent) => void;
}

/** Session settings for every engine connection: read-only, bounded statements, room for hash joins. */
export function sessionOptions(statementTimeoutMs: number, workMem = '128MB'): string {
  return `-c default_transaction_read_only=on -c statement_timeout=${Math.max(1, Math.round(statementTimeoutMs))} -c work_mem=${workMem}`;
}

async function bucketRows(
  client: Client,
  spec: TableSpec,
  cutoff: Date,
  start: number,
  width: number,
  where?: string,
  hashExpr?: string,
): Promise<BucketRow[]> {
  const result = await client.query<{ index: string; rows: string; checksum: string }>(
    bucketSql(spec.schema, spec.table, spec.keyColumn, spec.cutoffColumn, where, hashExpr),
    [cutoff, start, width],
  );
  return result.rows.map((r) => ({ index: Number(r.index), rows: Number(r.rows), checksum: r.checksum }));
}

/** Count and checksum one table per key bucket (one scan), with its column list. */
export async function describeTable(client: Client, spec: TableSpec, cutoff: Date): Promise<TableManifest> {
  const columns = await client.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
       WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [`${ident(spec.schema)}.${ident(spec.table)}`],
  );
  if (columns.rows.length === 0) throw new Error(`table ${spec.schema}.${spec.table} does not exist or has no columns`);
  const range = await client.query<{ min: string | null; max: string | null }>(
    `SELECT min(${ident(spec.keyColumn)})::text AS min, max(${ident(spec.keyColumn)})::text AS max FROM ${ident(spec.schema)}.${ident(spec.table)}`,
  );
  const { start, width } = bucketGeometry(numberOrNull(range.rows[0]?.min), numberOrNull(range.rows[0]?.max));
  const entries = await bucketRows(client, spec, cutoff, start, width);
  return {
    schema: spec.schema,
    table: spec.table,
    keyColumn: spec.keyColumn,
    cutoffColumn: spec.cutoffColumn,
    columns: columns.rows,
    rowCount: entries.reduce((n, e) => n + e.rows, 0),
    checksum: entries.reduce((s, e) => s + BigInt(e.checksum), 0n).toString(),
    buckets: { start, width, entries },
  };
}

function numberOrNull(value: string | null | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export { EPCS_HASH, EPCS_WHERE } from './checksum';

/**
 * Verify on the source, over the rows at or before the cut-off, each invariant in the form the validator's
 * incremental proof needs (`PHARMACY_INVARIANT_FACTS`), concurrently over `concurrency` connections.
 */
async function verifyInvariants(
  target: DatabaseTarget,
  cutoff: Date,
  concurrency: number,
  extra: Partial<ClientConfig>,
): Promise<Record<string, InvariantFact>> {
  const entries = Object.entries(PHARMACY_INVARIANT_FACTS);
  const facts = await runPool(
    entries.map(
      ([, fact]) =>
        (client: Client) =>
          fact(serializedQuery(client), cutoff),
    ),
    { target, concurrency, extra },
  );
  return Object.fromEntries(entries.map(([name], i) => [name, facts[i] ?? { holds: false, measured: {} }]));
}

/**
 * A fact may issue several queries at once; one connection runs one statement at a time, so queue them here
 * rather than rely on pg's implicit queueing (deprecated, removed in pg 9).
 */
function serializedQuery(client: Client): SourceQuery {
  let tail: Promise<unknown> = Promise.resolve();
  return <R extends Record<string, unknown>>(sql: string, params: unknown[]) => {
    const run = tail.then(async () => (await client.query<R>(sql, params)).rows);
    tail = run.catch(() => undefined);
    return run;
  };
}

async function describePharmacy(client: Client, cutoff: Date): Promise<PharmacyManifest> {
  const head = await client.query<{ seq: string; hash: string }>(
    // ORDER BY the bigint column, not the text output column of the same name (which sorts "99" after "606").
    `SELECT t.seq::text AS seq, encode(t.hash, 'hex') AS hash FROM pharmacy.audit_event t WHERE t.occurred_at <= $1 ORDER BY t.seq DESC LIMIT 1`,
    [cutoff],
  );
  const claims = await client.query<{
    code: 'B1' | 'B2' | 'B3';
    status: 'paid' | 'rejected';
    count: string;
    amount: string;
  }>(
    `SELECT transaction_code AS code, status, count(*)::text AS count, sum(amount)::text AS amount FROM pharmacy.claim
       WHERE submitted_at <= $1 GROUP BY 1, 2 ORDER BY 1, 2`,
    [cutoff],
  );
  const range = await client.query<{ min: string | null; max: string | null }>(
    'SELECT min(prescription_id)::text AS min, max(prescription_id)::text AS max FROM pharmacy.prescription',
  );
  const { start, width } = bucketGeometry(numberOrNull(range.rows[0]?.min), numberOrNull(range.rows[0]?.max));
  const spec = PHARMACY_TABLES.find((t) => t.table === 'prescription');
  if (!spec) throw new Error('reference schema has no prescription table');
  const entries = await bucketRows(client, spec, cutoff, start, width, EPCS_WHERE, EPCS_HASH);
  return {
    auditHead: { seq: Number(head.rows[0]?.seq ?? 0), hash: head.rows[0]?.hash ?? '' },
    claimTotals: claims.rows.map((r) => ({ code: r.code, status: r.status, count: Number(r.count), amount: r.amount })),
    epcs: {
      count: entries.reduce((n, e) => n + e.rows, 0),
      checksum: entries.reduce((s, e) => s + BigInt(e.checksum), 0n).toString(),
      buckets: { start, width, entries },
    },
  };
}

/**
 * Describe the source database at a cut-off: per table the column list, row count and checksum of rows
 * at or before the cut-off (also per key range), the freshness columns to measure, and for the reference
 * pharmacy schema the audit chain head, claim totals and the EPCS aggregate. Read-only; tables are
 * hashed concurrently over `concurrency` connections.
 */
export async function buildManifest(options: BuildManifestOptions): Promise<Manifest> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const tables = options.tables ?? PHARMACY_TABLES;
  const isReference = options.tables === undefined;
  const cutoff = options.cutoff ?? new Date(clock.now().getTime() - 60_000);
  const extra = { options: sessionOptions(options.statementTimeoutMs ?? 300_000) };
  const first = await connect(options.url, extra);
  let version: { server_version_num: string; db: string } | undefined;
  try {
    version = (
      await first.query<{ server_version_num: string; db: string }>(
        'SELECT current_setting($1) AS server_version_num, current_database() AS db',
        ['server_version_num'],
      )
    ).rows[0];
  } finally {
    await first.end();
  }
  const described = await runPool(
    tables.map((spec) => async (client: Client) => {
      const table = await describeTable(client, spec, cutoff);
      options.onProgress?.({ kind: 'manifest-table', table: `${spec.schema}.${spec.table}`, rows: table.rowCount });
      logger.info('manifest table described', { table: `${spec.schema}.${spec.table}`, rows: table.rowCount });
      return table;
    }),
    { target: options.url, concurrency: options.concurrency ?? 2, extra },
  );
  let pharmacy: PharmacyManifest | undefined;
  if (options.pharmacy ?? isReference) {
    const client = await connect(options.url, extra);
    try {
      pharmacy = await describePharmacy(client, cutoff);
    } finally {
      await client.end();
    }
    const invariants = await verifyInvariants(options.url, cutoff, options.concurrency ?? 2, extra);
    for (const [name, fact] of Object.entries(invariants))
      if (!fact.holds) logger.warn('invariant does not hold on the source', { check: name, measured: fact.measured });
    pharmacy = { ...pharmacy, invariants };
  }
  return {
    format: 'rxdr.validation-manifest',
    version: 1,
    createdAt: clock.now().toISOString(),
    cutoff: cutoff.toISOString(),
    source: { database: version?.db ?? '', serverVersionNum: Number(version?.server_version_num ?? 0) },
    schemas: [...new Set(tables.map((t) => t.schema))],
    tables: described,
    freshness: [...(options.freshness ?? (isReference ? PHARMACY_FRESHNESS : []))],
    ...(pharmacy ? { pharmacy } : {}),
  };
}
