import type { Client, ClientConfig } from 'pg';
import { InvariantFact, PHARMACY_INVARIANT_FACTS, SourceQuery } from './checks/pharmacy';
import { explainMappingError, mappingProblems, mapReferenceSql, PharmacyTables } from './checks/pharmacy/table-mapping';
import { bucketGeometry, bucketQuery, bucketRowsOf, EPCS_HASH, EPCS_WHERE } from './checksum';
import { connect, DatabaseTarget } from './db';
import { describeTable, numberOrNull } from './describe-table';
import { discoverTables, TableSelection } from './discovery';
import { listObjects, RECORDED_KINDS } from './drift';
import type { Manifest, PharmacyManifest } from './manifest-schema';
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
  /** The tables to describe. @default - every user table the database has (see `selection`) */
  readonly tables?: readonly TableSpec[];
  /** Which discovered tables to describe, and configured cut-off columns (ignored with `tables`). */
  readonly selection?: TableSelection;
  /**
   * @default - the reference schema's freshness columns for its tables, the cut-off column of every other
   * discovered table (none when `tables` is given)
   */
  readonly freshness?: readonly FreshnessColumn[];
  /** Include the pharmacy aggregates. @default - true when the tables include the whole reference schema */
  readonly pharmacy?: boolean;
  /**
   * The reference pharmacy tables on this database's own tables: the pharmacy section then describes those,
   * and the validator runs the invariant checks on them. A table or column missing is a `MappingError`.
   */
  readonly pharmacyTables?: PharmacyTables;
  /** @default 300000 (5 minutes) per statement */
  readonly statementTimeoutMs?: number;
  /** Tables hashed concurrently, one connection each. @default 2 */
  readonly concurrency?: number;
  readonly clock?: Clock;
  readonly logger?: EngineLogger;
  readonly onProgress?: (event: ProgressEvent) => void;
}

/**
 * Session settings for every engine connection: read-only, bounded statements, room for hash joins, fixed
 * settings for the text form of values (columns hashed by their text form hash the same anywhere), and, when
 * given, how many parallel workers PostgreSQL may add to one query (`parallelWorkersPerQuery`).
 */
export function sessionOptions(statementTimeoutMs: number, workMem = '128MB', parallelWorkers?: number): string {
  const textForm = '-c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=postgres -c extra_float_digits=1';
  const parallel = parallelWorkers === undefined ? '' : ` -c max_parallel_workers_per_gather=${parallelWorkers}`;
  return `-c default_transaction_read_only=on -c statement_timeout=${Math.max(1, Math.round(statementTimeoutMs))} -c work_mem=${workMem} ${textForm}${parallel}`;
}

/**
 * The parallel workers one query may add on a server with `serverCores` cores that `connections` of the
 * engine's connections keep busy at once: only the cores they leave idle. Workers beyond them only add process
 * start-ups and tuple queues to CPU the connections already use (on the bench database with two cores and two
 * connections, a validation took 5–7 % less time without them: docs/performance.md). Undefined when the cores
 * are not known: the server's setting applies.
 */
export function parallelWorkersPerQuery(serverCores: number | undefined, connections: number): number | undefined {
  if (serverCores === undefined || !Number.isFinite(serverCores) || serverCores < 1) return undefined;
  return Math.max(0, Math.floor(serverCores / Math.max(1, connections)) - 1);
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

/**
 * The audit head, claim totals and EPCS aggregate at the cut-off. With a table mapping, of the adopter's
 * tables (a part whose reference table is not mapped is left empty: its invariant is "not mapped").
 */
async function describePharmacy(client: Client, cutoff: Date, mapping?: PharmacyTables): Promise<PharmacyManifest> {
  const query = async <R extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<R[]> => {
    try {
      return (await client.query<R>(mapping ? mapReferenceSql(text, mapping) : text, values)).rows;
    } catch (error) {
      throw (mapping && explainMappingError(error, mapping)) || error;
    }
  };
  const described = (table: string): boolean => !mapping || mapping[table] !== undefined;
  const head = described('audit_event')
    ? await query<{ seq: string; hash: string }>(
        // ORDER BY the bigint column, not the text output column of the same name (which sorts "99" after "606").
        `SELECT t.seq::text AS seq, encode(t.hash, 'hex') AS hash FROM pharmacy.audit_event t WHERE t.occurred_at <= $1 ORDER BY t.seq DESC LIMIT 1`,
        [cutoff],
      )
    : [];
  const claims = described('claim')
    ? await query<{ code: 'B1' | 'B2' | 'B3'; status: 'paid' | 'rejected'; count: string; amount: string }>(
        `SELECT transaction_code AS code, status, count(*)::text AS count, sum(amount)::text AS amount FROM pharmacy.claim
           WHERE submitted_at <= $1 GROUP BY 1, 2 ORDER BY 1, 2`,
        [cutoff],
      )
    : [];
  const range = described('prescription')
    ? await query<{ min: string | null; max: string | null }>(
        'SELECT min(prescription_id)::text AS min, max(prescription_id)::text AS max FROM pharmacy.prescription',
      )
    : [];
  const { start, width } = bucketGeometry(numberOrNull(range[0]?.min), numberOrNull(range[0]?.max));
  const spec = PHARMACY_TABLES.find((t) => t.table === 'prescription');
  if (!spec) throw new Error('reference schema has no prescription table');
  const buckets = bucketQuery({ ...spec, buckets: { start, width } }, cutoff, EPCS_WHERE, EPCS_HASH);
  const entries = described('prescription')
    ? bucketRowsOf(await query<{ index: string; rows: string; checksum: string }>(buckets.text, buckets.values))
    : [];
  return {
    auditHead: { seq: Number(head[0]?.seq ?? 0), hash: head[0]?.hash ?? '' },
    claimTotals: claims.map((r) => ({ code: r.code, status: r.status, count: Number(r.count), amount: r.amount })),
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
  const cutoff = options.cutoff ?? new Date(clock.now().getTime() - 60_000);
  const extra = { options: sessionOptions(options.statementTimeoutMs ?? 300_000) };
  const first = await connect(options.url, extra);
  let source: SourceDescription;
  try {
    source = await describeSource(first, options);
  } finally {
    await first.end();
  }
  const { version, plan, objects } = source;
  const described = await runPool(
    plan.tables.map((spec) => async (client: Client) => {
      const table = await describeTable(client, spec, cutoff);
      options.onProgress?.({ kind: 'manifest-table', table: `${spec.schema}.${spec.table}`, rows: table.rowCount });
      logger.info('manifest table described', { table: `${spec.schema}.${spec.table}`, rows: table.rowCount });
      return table;
    }),
    { target: options.url, concurrency: options.concurrency ?? 2, extra },
  );
  const pharmacy =
    (options.pharmacy ?? plan.reference) || options.pharmacyTables
      ? await describePharmacySection(
          options.url,
          cutoff,
          options.concurrency ?? 2,
          extra,
          logger,
          options.pharmacyTables,
        )
      : undefined;
  return {
    format: 'rxdr.validation-manifest',
    version: 1,
    createdAt: clock.now().toISOString(),
    cutoff: cutoff.toISOString(),
    source: { database: version.db, serverVersionNum: Number(version.server_version_num) },
    schemas: [...new Set(plan.tables.map((t) => t.schema))],
    tables: described,
    freshness: [...(options.freshness ?? plan.freshness)],
    objects,
    discovery: plan.discovery,
    ...(pharmacy ? { pharmacy } : {}),
  };
}

/** The configured pharmacy table mapping does not fit the database: every problem, each naming the value. */
export class MappingError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`validation.pharmacyTables does not fit this database: ${problems.join('; ')}`);
    this.name = 'MappingError';
  }
}

export interface SourceDescription {
  readonly version: { server_version_num: string; db: string };
  readonly plan: TablePlan;
  readonly objects: NonNullable<Manifest['objects']>;
}

/** The server version, the tables to describe and the schema objects (one connection, catalog reads only). */
export async function describeSource(client: Client, options: BuildManifestOptions): Promise<SourceDescription> {
  const version = (
    await client.query<{ server_version_num: string; db: string }>(
      'SELECT current_setting($1) AS server_version_num, current_database() AS db',
      ['server_version_num'],
    )
  ).rows[0] ?? { server_version_num: '0', db: '' };
  if (options.pharmacyTables) {
    const problems = await mappingProblems(
      async (sql, params) => (await client.query(sql, params)).rows as never,
      options.pharmacyTables,
    );
    if (problems.length) throw new MappingError(problems);
  }
  const plan = await planTables(client, options);
  const schemas = [...new Set(plan.tables.map((t) => t.schema))];
  const query = async (sql: string, params: unknown[]) =>
    (await client.query<{ name: string; definition: string }>(sql, params)).rows;
  const objects: NonNullable<Manifest['objects']> = {};
  for (const kind of RECORDED_KINDS) objects[kind.field] = await listObjects(query, kind, schemas);
  if (plan.tables.length === 0)
    throw new Error(
      `no table to describe in database ${version.db}${plan.skipped.length ? ' (all filtered out)' : ''}`,
    );
  return { version, plan, objects };
}

/**
 * The pharmacy section: audit head, claim totals, EPCS aggregate and the invariants verified on the source;
 * with `tableMapping`, of the adopter's tables the reference tables are mapped to.
 */
export async function describePharmacySection(
  target: DatabaseTarget,
  cutoff: Date,
  concurrency: number,
  extra: Partial<ClientConfig>,
  logger: EngineLogger,
  tableMapping?: PharmacyTables,
): Promise<PharmacyManifest> {
  const client = await connect(target, extra);
  let pharmacy: PharmacyManifest;
  try {
    pharmacy = await describePharmacy(client, cutoff, tableMapping);
  } finally {
    await client.end();
  }
  // On an adopter's tables the invariants are checked in full on the copy: no source verification to record.
  if (tableMapping) return { ...pharmacy, tableMapping };
  const invariants = await verifyInvariants(target, cutoff, concurrency, extra);
  for (const [name, fact] of Object.entries(invariants))
    if (!fact.holds) logger.warn('invariant does not hold on the source', { check: name, measured: fact.measured });
  return { ...pharmacy, invariants };
}

export interface TablePlan {
  readonly tables: readonly TableSpec[];
  readonly skipped: { table: string; reason: string }[];
  /** Whether the tables include the whole reference pharmacy schema. */
  readonly reference: boolean;
  readonly freshness: readonly FreshnessColumn[];
  readonly discovery: NonNullable<Manifest['discovery']>;
}

/**
 * The listed tables, or every discovered one; tables of the reference pharmacy schema keep its key and
 * cut-off columns, and its freshness columns.
 */
async function planTables(client: Client, options: BuildManifestOptions): Promise<TablePlan> {
  if (options.tables) {
    const reference = options.tables === PHARMACY_TABLES;
    return {
      tables: options.tables,
      skipped: [],
      reference,
      freshness: reference ? PHARMACY_FRESHNESS : [],
      discovery: { mode: 'listed' },
    };
  }
  const selection = options.selection ?? {};
  const found = await discoverTables(client, selection);
  const isReference = (t: TableSpec) => PHARMACY_TABLES.some((p) => p.schema === t.schema && p.table === t.table);
  const reference = PHARMACY_TABLES.every((p) =>
    found.tables.some((t) => t.schema === p.schema && t.table === p.table),
  );
  const tables = found.tables.map((t) => {
    const known = reference ? PHARMACY_TABLES.find((p) => p.schema === t.schema && p.table === t.table) : undefined;
    return known
      ? {
          ...known,
          chosen: { key: `reference schema: ${known.keyColumn}`, cutoff: `reference schema: ${known.cutoffColumn}` },
        }
      : t;
  });
  const freshness: FreshnessColumn[] = [
    ...(reference ? PHARMACY_FRESHNESS : []),
    ...tables
      .filter((t) => !(reference && isReference(t)) && t.cutoffColumn)
      .map((t) => ({ schema: t.schema, table: t.table, column: t.cutoffColumn ?? '' })),
  ];
  return {
    tables,
    skipped: found.skipped,
    reference,
    freshness,
    discovery: {
      mode: 'discovered',
      ...(selection.schemas?.length ? { schemas: [...selection.schemas] } : {}),
      ...(selection.include?.length ? { include: [...selection.include] } : {}),
      ...(selection.exclude?.length ? { exclude: [...selection.exclude] } : {}),
      ...(found.skipped.length ? { skipped: found.skipped } : {}),
    },
  };
}
