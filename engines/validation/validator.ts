import type { Client } from 'pg';
import { CheckContext, CheckDefinition, CopyServer, PassContribution, PassRow } from './checks/check';
import { customCheckDefinition } from './checks/custom';
import { bucketRows } from './checks/differing-buckets';
import { splitPass, sumBuckets } from './checks/split-pass';
import { GENERIC_CHECKS } from './checks/generic';
import { DRIFT_CHECKS } from './drift';
import { PHARMACY_CHECKS } from './checks/pharmacy';
import { mappedReferenceCheck } from './checks/pharmacy/mapped-check';
import { InvariantMappings, mappedInvariantCheck, notMappedResult, PharmacyInvariant } from './checks/pharmacy/mapping';
import { tableRef } from './checksum';
import type { DatabaseTarget } from './db';
import { parallelWorkersPerQuery, sessionOptions } from './manifest';
import type { Manifest } from './manifest-schema';
import { ConnectionPool } from './pool';
import {
  CheckResult,
  CheckSuite,
  Clock,
  CustomCheck,
  EngineLogger,
  ProgressEvent,
  silentLogger,
  systemClock,
  ValidationReport,
} from './types';

/** Every built-in check, by suite. Custom checks are named `custom:<name>`. */
export const CHECK_NAMES = {
  generic: [...GENERIC_CHECKS, ...DRIFT_CHECKS].map((c) => c.name),
  pharmacy: PHARMACY_CHECKS.map((c) => c.name),
} as const;

export interface ValidateOptions {
  readonly url: DatabaseTarget;
  readonly manifest: Manifest;
  /** The time the copy was restored to. @default clock.now() (then the achieved RPO is the age of the newest data) */
  readonly recoveryPointTime?: Date;
  /** Maximum acceptable achieved RPO for the freshness check, in seconds. @default 86400 (24 h, daily-backup states) */
  readonly rpoTargetSeconds?: number;
  /**
   * Check names, suite names (`generic`, `pharmacy`, `custom`) or `custom:<name>`; `-name` skips one.
   * @default all that apply
   */
  readonly checks?: readonly string[];
  readonly customChecks?: readonly CustomCheck[];
  /**
   * The pharmacy invariants mapped to this database's tables (each replaces the reference schema's check of
   * that name). On a manifest without the reference schema, an invariant with no mapping is reported
   * skipped, "not mapped". @default - the reference schema's checks
   */
  readonly invariants?: InvariantMappings;
  /** Connections used concurrently. @default 2 */
  readonly concurrency?: number;
  /**
   * CPU cores of the database server, when known (local mode: this machine's). PostgreSQL then adds parallel
   * workers to a query only for the cores the validator's own connections leave idle (`parallelWorkersPerQuery`).
   * @default - unknown: the server's `max_parallel_workers_per_gather`
   */
  readonly serverCores?: number;
  /** @default 300000 (5 minutes) */
  readonly statementTimeoutMs?: number;
  /** `work_mem` of the validator's sessions (hash joins over the big tables). @default '128MB' */
  readonly workMem?: string;
  readonly clock?: Clock;
  readonly logger?: EngineLogger;
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Table passes already computed chunk by chunk and combined (the whole-table step of a chunked validation). */
  readonly precomputed?: PrecomputedPasses;
}

/** What the chunks of a chunked validation found, per `schema.table`. */
export interface PrecomputedPasses {
  /** The combined aggregates of the key-range checks' passes. */
  readonly passes: Record<string, PassRow>;
  /** The key ranges whose count or checksum differ (empty when every chunk of the table matched). */
  readonly ranges: Record<string, string[]>;
}

/** Thrown before connecting when `checks` names something that does not exist. */
export class UnknownCheckError extends Error {
  constructor(
    readonly unknown: string[],
    readonly known: string[],
  ) {
    super(
      `unknown check${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}; known: ${known.join(', ')}`,
    );
    this.name = 'UnknownCheckError';
  }
}

/** Whether a selection entry skips (`-name` or `!name`) rather than selects. */
const skips = (entry: string): boolean => entry.startsWith('-') || entry.startsWith('!');

/**
 * The checks a selection means. Accepts check names, suite names and `custom:<name>`; an entry written
 * `-name` (or `!name`) skips what it names: from every check when nothing is selected, else from the
 * selection. Throws `UnknownCheckError` for anything else (call it before connecting to fail fast).
 */
export function resolveChecks(
  selection: readonly string[] | undefined,
  customChecks: readonly CustomCheck[] = [],
  invariants: InvariantMappings = {},
): CheckDefinition[] {
  const pharmacy = PHARMACY_CHECKS.map((c) => {
    const mapping = invariants[c.name as PharmacyInvariant];
    return mapping ? mappedInvariantCheck(c.name as PharmacyInvariant, mapping) : c;
  });
  const all = [...GENERIC_CHECKS, ...DRIFT_CHECKS, ...pharmacy, ...customChecks.map(customCheckDefinition)];
  const entries = (selection ?? []).map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) return all;
  const suites: CheckSuite[] = ['generic', 'pharmacy', 'custom'];
  const unknown: string[] = [];
  const named = (name: string): CheckDefinition[] => {
    const bySuite = suites.includes(name as CheckSuite) ? all.filter((c) => c.suite === name) : [];
    const byName = all.filter((c) => c.name === name || c.name === `custom:${name}`);
    if (bySuite.length + byName.length === 0 && !suites.includes(name as CheckSuite)) unknown.push(name);
    return [...bySuite, ...byName];
  };
  const selected = entries.filter((e) => !skips(e));
  const chosen = new Set<CheckDefinition>(selected.length ? selected.flatMap(named) : all);
  for (const c of entries.filter(skips).flatMap((e) => named(e.slice(1)))) chosen.delete(c);
  if (unknown.length) throw new UnknownCheckError(unknown, [...suites, ...all.map((c) => c.name)]);
  return all.filter((c) => chosen.has(c));
}

/** Thrown before connecting when the selection leaves no check that applies to the manifest. */
export class NothingToCheckError extends Error {
  constructor(readonly selection: readonly string[] | undefined) {
    super(
      `no check to run: ${selection?.length ? `--checks ${selection.join(',')} selects` : 'there are'} no checks ` +
        'that apply to this manifest (the pharmacy checks need a manifest of the reference pharmacy schema or a ' +
        'pharmacy mapping); nothing was checked',
    );
    this.name = 'NothingToCheckError';
  }
}

/**
 * The chosen checks that apply to `manifest`, and the chosen pharmacy invariants that cannot run on it (no
 * reference schema, no mapping): reported "not mapped". A manifest whose pharmacy section maps the reference
 * tables to the adopter's runs the built-in invariant checks through that mapping. Throws `NothingToCheckError` when no check can run.
 */
export function planChecks(
  selection: readonly string[] | undefined,
  customChecks: readonly CustomCheck[] | undefined,
  manifest: Manifest,
  invariants?: InvariantMappings,
): { run: CheckDefinition[]; notMapped: string[] } {
  const tableMapping = manifest.pharmacy?.tableMapping;
  const chosen = resolveChecks(selection, customChecks, invariants).map((c) =>
    tableMapping && PHARMACY_CHECKS.includes(c) ? mappedReferenceCheck(c, tableMapping) : c,
  );
  const run = chosen.filter((c) => !c.applies || c.applies(manifest));
  if (run.length === 0) throw new NothingToCheckError(selection);
  const notMapped = chosen.filter((c) => !run.includes(c) && c.suite === 'pharmacy').map((c) => c.name);
  return { run, notMapped };
}

/** The chosen checks that apply to `manifest`; throws `NothingToCheckError` when none does. */
export function applicableChecks(
  selection: readonly string[] | undefined,
  customChecks: readonly CustomCheck[] | undefined,
  manifest: Manifest,
  invariants?: InvariantMappings,
): CheckDefinition[] {
  return planChecks(selection, customChecks, manifest, invariants).run;
}

/** At most `size` tasks at once, in submission order. */
class Slots {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  constructor(private readonly size: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

/** One table's shared pass: the aggregates of every check, over `from` (default: the table itself). */
export interface PassQuery {
  schema: string;
  table: string;
  select: Map<string, string>;
  from?: (passSql: string) => string;
  /** The aliases that read new rows only (`PassContribution.newOnly`, declared so by every check that selects them). */
  newOnly: Set<string>;
}

/** Merge the pass contributions of the chosen checks into one SELECT per table. */
export function passQueries(
  checks: CheckDefinition[],
  manifest: Manifest,
  server?: CopyServer,
): Map<string, PassQuery> {
  const byTable = new Map<string, PassQuery>();
  const contributions: PassContribution[] = checks.flatMap((c) => c.passes?.(manifest, server) ?? []);
  const notNewOnly = new Set<string>();
  for (const c of contributions) {
    const key = `${c.schema}.${c.table}`;
    let entry = byTable.get(key);
    if (!entry)
      byTable.set(
        key,
        (entry = {
          schema: c.schema,
          table: c.table,
          select: new Map(),
          newOnly: new Set(),
          ...(c.from ? { from: c.from } : {}),
        }),
      );
    else if (c.from) entry.from = c.from;
    for (const [alias, sql] of Object.entries(c.select)) {
      const existing = entry.select.get(alias);
      if (existing !== undefined && existing !== sql)
        throw new Error(`two checks define the pass column ${key}.${alias} differently`);
      entry.select.set(alias, sql);
      if (c.newOnly?.includes(alias)) entry.newOnly.add(alias);
      else notNewOnly.add(`${key}\0${alias}`);
    }
  }
  for (const [key, entry] of byTable)
    for (const alias of entry.newOnly) if (notNewOnly.has(`${key}\0${alias}`)) entry.newOnly.delete(alias);
  // The largest old key the manifest records stands in for the pass's own aggregate (see `tableGate`).
  for (const entry of byTable.values())
    if (manifest.tables.find((t) => t.schema === entry.schema && t.table === entry.table)?.maxKey !== undefined)
      entry.select.delete('old_max_key');
  return byTable;
}

/** The parameters a pass query refers to: `$1` the cut-off, `$2` the recovery point time. */
function paramsOf(sql: string, cutoff: Date, recoveryPointTime: Date): unknown[] {
  return sql.includes('$2') ? [cutoff, recoveryPointTime] : sql.includes('$1') ? [cutoff] : [];
}

async function runQuery<R extends Record<string, unknown>>(
  client: Client,
  sql: string,
  params: unknown[],
  mode?: 'isolated',
): Promise<R[]> {
  if (mode !== 'isolated') return (await client.query<R>(sql, params)).rows;
  await client.query('BEGIN READ ONLY');
  try {
    return (
      await client.query<R>({ text: sql, values: params, queryMode: 'extended' } as { text: string; values: unknown[] })
    ).rows;
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

/** What the copy's server offers the checks' SQL (see `CopyServer`). */
async function readServer(client: Client): Promise<CopyServer> {
  const { rows } = await client.query<{ bytea: boolean }>(
    "SELECT to_regprocedure('pg_catalog.hashbyteaextended(bytea, bigint)') IS NOT NULL AS bytea",
  );
  return { hashesBytea: rows[0]?.bytea === true };
}

/** A table with fewer rows than this share of all rows validated has its pass started first. */
const SMALL_TABLE_SHARE = 0.01;

/**
 * Validate a (restored) database against a manifest: runs the chosen checks concurrently over a small
 * pool of read-only connections with a statement timeout. Each table the checks need is scanned once by a
 * shared pass that computes every aggregate they ask for (counts, checksums, newest timestamps, audit
 * chain, EPCS hashes); checks that need joins run their own queries. A check that errors fails with
 * `error` set; the report passes only when every check passes. Connection errors, and a selection that
 * leaves no check to run (`NothingToCheckError`), reject: nothing was checked.
 */
export async function validateDatabase(options: ValidateOptions): Promise<ValidationReport> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const { run: checks, notMapped } = planChecks(
    options.checks,
    options.customChecks,
    options.manifest,
    options.invariants,
  );
  const started = clock.now();
  const cutoff = new Date(options.manifest.cutoff);
  const recoveryPointTime = options.recoveryPointTime ?? started;
  const concurrency = Math.max(1, options.concurrency ?? 2);
  // One connection more than the table passes may hold: the checks' small follow-up queries (schema, key
  // lookups of rows after the cut-off) then run while the passes scan, instead of queuing behind them.
  const pool = new ConnectionPool(options.url, concurrency + 1, {
    options: sessionOptions(
      options.statementTimeoutMs ?? 300_000,
      options.workMem,
      parallelWorkersPerQuery(options.serverCores, concurrency),
    ),
  });
  try {
    await pool.warmUp();
    const server = await pool.use(readServer);
    const passSql = passQueries(checks, options.manifest, server);
    const passes = new Map<string, Promise<PassRow>>();
    const context: CheckContext = {
      manifest: options.manifest,
      cutoff,
      recoveryPointTime,
      rpoTargetSeconds: options.rpoTargetSeconds ?? 86_400,
      server,
      pass: (schema, table) =>
        passes.get(`${schema}.${table}`) ?? Promise.reject(new Error(`no pass requested for ${schema}.${table}`)),
      query: (sql, params = [], mode) => pool.use((client) => runQuery(client, sql, params, mode)),
      table: (schema, table) => options.manifest.tables.find((t) => t.schema === schema && t.table === table),
      localized: (schema, table) =>
        options.precomputed?.passes[`${schema}.${table}`]
          ? (options.precomputed.ranges[`${schema}.${table}`] ?? [])
          : undefined,
    };
    const passSlots = new Slots(concurrency);
    // Start every table pass now. The biggest table's pass starts at once: it is the longest single query, and
    // it keeps one core busy while the first queries on the other connections are still opening connections and
    // reading the catalog. Then the small tables: they are parents whose gates the checks of the big tables wait
    // for, and their passes take milliseconds. Then the rest, biggest first, so that the pool stays busy.
    const rowsOf = (key: string) =>
      options.manifest.tables.find((t) => `${t.schema}.${t.table}` === key)?.rowCount ?? 0;
    const totalRows = [...passSql.keys()].reduce((sum, key) => sum + rowsOf(key), 0);
    const small = (key: string) => rowsOf(key) < totalRows * SMALL_TABLE_SHARE;
    const [biggest, ...others] = [...passSql.entries()].sort(([a], [b]) => rowsOf(b) - rowsOf(a));
    const order = [
      ...(biggest ? [biggest] : []),
      ...others.sort(([a], [b]) => Number(small(b)) - Number(small(a)) || rowsOf(b) - rowsOf(a)),
    ];
    for (const [key, q] of order) {
      const done = options.precomputed?.passes[key];
      if (done && [...q.select.keys()].every((alias) => alias in done)) {
        passes.set(key, Promise.resolve(done));
        continue;
      }
      const select = [...q.select.entries()].map(([alias, sql]) => `${sql} AS "${alias}"`).join(',\n  ');
      const sql = `SELECT ${select}\nFROM ${q.from ? `${q.from(select)} t` : tableRef(q.schema, q.table)}`;
      const one = async (client: Client, text: string): Promise<PassRow> =>
        (await client.query(text, paramsOf(text, cutoff, recoveryPointTime))).rows[0] ?? {};
      const whole = () => pool.use((client) => one(client, sql));
      const t = q.from ? undefined : context.table(q.schema, q.table);
      const split = t && splitPass(t, q.select, q.newOnly);
      const promise = passSlots.run(async () => {
        if (!t || !split) return whole();
        // A tail too large to pay for reading it again: the pass as one filtered query.
        const read = await pool.use(async (client): Promise<PassRow | [PassRow, PassRow]> =>
          split.pays(await one(client, split.probe))
            ? [await one(client, split.whole), await one(client, split.tail)]
            : one(client, sql),
        );
        if (!Array.isArray(read)) return read;
        const [wholeRow, tailRow] = read;
        // No match with the manifest: the exact old rows from the grouped scan the checks localize with.
        return (
          split.combine(wholeRow, tailRow) ??
          split.combine(wholeRow, tailRow, sumBuckets(await bucketRows(context, t))) ??
          whole()
        );
      });
      promise.catch(() => undefined); // observed by the checks that await it
      passes.set(key, promise);
    }
    const results = await Promise.all(
      checks.map(async (check): Promise<CheckResult> => {
        const t0 = clock.now().getTime();
        options.onProgress?.({ kind: 'check-started', name: check.name });
        let result: CheckResult;
        try {
          const outcome = await check.run(context);
          result = { name: check.name, suite: check.suite, ...outcome, durationMs: clock.now().getTime() - t0 };
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          logger.warn('check could not run', { check: check.name, error: message });
          result = {
            name: check.name,
            suite: check.suite,
            passed: false,
            measured: {},
            offendingKeys: [],
            durationMs: clock.now().getTime() - t0,
            error: message,
          };
        }
        options.onProgress?.({
          kind: 'check-finished',
          name: check.name,
          passed: result.passed,
          durationMs: result.durationMs,
        });
        return result;
      }),
    );
    results.push(...notMapped.map(notMappedResult));
    const finished = clock.now();
    const freshness = results.find((r) => r.name === 'freshness');
    const rpo = freshness?.measured.achievedRpoSeconds;
    const report: ValidationReport = {
      passed: results.some((r) => !r.skipped) && results.every((r) => r.passed || r.skipped),
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      recoveryPointTime: recoveryPointTime.toISOString(),
      manifestCutoff: cutoff.toISOString(),
      achievedRpoSeconds: typeof rpo === 'number' ? rpo : null,
      checks: results,
    };
    logger.info('validation finished', {
      passed: report.passed,
      failed: results.filter((r) => !r.passed && !r.skipped).map((r) => r.name),
      notMapped,
      durationMs: report.durationMs,
    });
    return report;
  } finally {
    await pool.end();
  }
}
