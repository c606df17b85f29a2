import { ident } from '../db';
import { partitionCounts } from '../describe-table';
import type { Manifest, TableManifest } from '../manifest-schema';
import {
  CheckContext,
  CheckDefinition,
  CheckOutcome,
  MAX_KEYS,
  num,
  PassContribution,
  TABLE_AGGREGATES_COMBINE,
  tableAggregates,
} from './check';
import { differingRangeLabels } from './differing-buckets';

const label = (t: { schema: string; table: string }): string => `${t.schema}.${t.table}`;

function countAndChecksum(m: Manifest): PassContribution[] {
  // The new-row scalars serve the pharmacy checks' gates only (computed here too, so that chunks combine them).
  const newRows = m.pharmacy !== undefined;
  return m.tables.map((t) => ({
    schema: t.schema,
    table: t.table,
    // rows, checksum and the keys of rows after the cut-off (the pharmacy checks' gate reads them too).
    select: tableAggregates(t, newRows),
    combine: TABLE_AGGREGATES_COMBINE,
  }));
}

/** The partitions of a partitioned table whose row counts differ from the manifest's. */
async function differingPartitions(context: CheckContext, t: TableManifest): Promise<string[]> {
  const actual = await partitionCounts((sql, params) => context.query(sql, params), t, context.cutoff);
  const found = new Map((actual ?? []).map((p) => [p.name, p.rowCount]));
  return (t.partitions ?? [])
    .filter((p) => found.get(p.name) !== p.rowCount)
    .map((p) => `${label(t)} partition ${p.name}: ${p.rowCount} rows expected, ${found.get(p.name) ?? 'none'} found`);
}

async function compareTables(context: CheckContext, field: 'rows' | 'checksum'): Promise<CheckOutcome> {
  const mismatched: Record<string, { expected: string | number; actual: string | number | null; error?: string }> = {};
  const offendingKeys: string[] = [];
  for (const t of context.manifest.tables) {
    const expected = field === 'rows' ? t.rowCount : t.checksum;
    try {
      const pass = await context.pass(t.schema, t.table);
      const actual = field === 'rows' ? num(pass.rows) : String(pass.checksum);
      if (actual !== expected) {
        mismatched[label(t)] = { expected, actual };
        if (field === 'rows' && t.partitions) offendingKeys.push(...(await differingPartitions(context, t)));
        if (offendingKeys.length < MAX_KEYS) {
          const ranges = context.localized?.(t.schema, t.table) ?? (await differingRangeLabels(context, t));
          offendingKeys.push(...ranges.slice(0, MAX_KEYS - offendingKeys.length));
        }
      }
    } catch (error) {
      mismatched[label(t)] = { expected, actual: null, error: error instanceof Error ? error.message : String(error) };
      if (offendingKeys.length < MAX_KEYS) offendingKeys.push(label(t));
    }
  }
  return {
    passed: Object.keys(mismatched).length === 0,
    measured: { tables: context.manifest.tables.length, mismatched },
    offendingKeys,
  };
}

export const schemaCheck: CheckDefinition = {
  name: 'schema',
  suite: 'generic',
  description: 'expected schemas, tables and columns (names, types, order) are present',
  async run(context) {
    const schemas = await context.query<{ nspname: string }>(
      'SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[])',
      [context.manifest.schemas],
    );
    const present = new Set(schemas.map((s) => s.nspname));
    const missingSchemas = context.manifest.schemas.filter((s) => !present.has(s));
    const columns = await context.query<{ schema: string; table: string; name: string; type: string }>(
      `SELECT n.nspname AS schema, c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p') ORDER BY n.nspname, c.relname, a.attnum`,
      [context.manifest.schemas],
    );
    const byTable = new Map<string, string[]>();
    for (const c of columns) {
      const key = `${c.schema}.${c.table}`;
      byTable.set(key, [...(byTable.get(key) ?? []), `${c.name} ${c.type}`]);
    }
    const missingTables: string[] = [];
    const changedTables: string[] = [];
    for (const t of context.manifest.tables) {
      const actual = byTable.get(label(t));
      if (!actual) missingTables.push(label(t));
      else if (actual.join(',') !== t.columns.map((c) => `${c.name} ${c.type}`).join(',')) changedTables.push(label(t));
    }
    const offendingKeys = [...missingSchemas.map((s) => `schema ${s}`), ...missingTables, ...changedTables].slice(
      0,
      MAX_KEYS,
    );
    return {
      passed: missingSchemas.length + missingTables.length + changedTables.length === 0,
      measured: {
        schemas: context.manifest.schemas.length,
        tables: context.manifest.tables.length,
        missingSchemas,
        missingTables,
        changedTables,
      },
      offendingKeys,
    };
  },
};

export const rowCountsCheck: CheckDefinition = {
  name: 'row-counts',
  suite: 'generic',
  description: 'row counts of rows at or before the cut-off equal the manifest',
  partitioning: 'key-range',
  passes: countAndChecksum,
  run: (context) => compareTables(context, 'rows'),
};

export const checksumsCheck: CheckDefinition = {
  name: 'checksums',
  suite: 'generic',
  description: 'order-independent whole-row checksums of rows at or before the cut-off equal the manifest',
  partitioning: 'key-range',
  passes: countAndChecksum,
  run: (context) => compareTables(context, 'checksum'),
};

export const freshnessCheck: CheckDefinition = {
  name: 'freshness',
  suite: 'generic',
  description: 'newest timestamp versus the recovery point time (the achieved RPO) is within the RPO target',
  partitioning: 'key-range',
  passes: (m) =>
    m.freshness.map((f, i) => ({
      schema: f.schema,
      table: f.table,
      // An alias by position: column names may be longer than an alias can be, or need quoting.
      select: { [`newest_${i}`]: `max(t.${ident(f.column)})` },
      combine: { [`newest_${i}`]: 'max' as const },
    })),
  async run(context) {
    const columns: Record<string, string | null> = {};
    const unreadable: string[] = [];
    let newest: Date | undefined;
    if (context.manifest.freshness.length === 0) {
      // Nothing says which timestamp tells how recent the data is: say so instead of failing a clean copy.
      const notConfigured = context.manifest.tables.map((t) => `not configured for ${label(t)}`);
      return { passed: true, measured: { achievedRpoSeconds: null, notConfigured }, offendingKeys: [] };
    }
    for (const [i, f] of context.manifest.freshness.entries()) {
      const name = `${f.schema}.${f.table}.${f.column}`;
      try {
        const value = (await context.pass(f.schema, f.table))[`newest_${i}`];
        const date = value instanceof Date ? value : value ? new Date(String(value)) : undefined;
        columns[name] = date ? date.toISOString() : null;
        if (date && (!newest || date > newest)) newest = date;
      } catch {
        unreadable.push(name);
      }
    }
    const rpt = context.recoveryPointTime;
    const achievedRpoSeconds = newest ? (rpt.getTime() - newest.getTime()) / 1000 : null;
    const newerThanRecoveryPoint = Object.entries(columns)
      .filter(([, v]) => v !== null && new Date(v) > rpt)
      .map(([k]) => k);
    const tooOld = achievedRpoSeconds !== null && achievedRpoSeconds > context.rpoTargetSeconds;
    const passed = newest !== undefined && !tooOld && newerThanRecoveryPoint.length === 0 && unreadable.length === 0;
    const stale = tooOld ? Object.keys(columns) : [];
    return {
      passed,
      measured: {
        recoveryPointTime: rpt.toISOString(),
        newest: newest?.toISOString() ?? null,
        achievedRpoSeconds,
        rpoTargetSeconds: context.rpoTargetSeconds,
        columns,
        newerThanRecoveryPoint,
        unreadable,
      },
      offendingKeys: [...unreadable, ...newerThanRecoveryPoint, ...stale].slice(0, MAX_KEYS),
    };
  },
};

export const GENERIC_CHECKS: CheckDefinition[] = [schemaCheck, rowCountsCheck, checksumsCheck, freshnessCheck];
