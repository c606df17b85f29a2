/**
 * `bench:validate --schema <clinic|store|warehouse>`: the validation benchmark on one of the foreign schemas
 * the adopter tests use (partitioned tables, enums, json, xml, tsvector, composite keys, no primary key, …),
 * its data multiplied by `--scale`. It measures the same ratio as the reference-schema run: validation with
 * every check that applies over the content floor, here one pass per table reading and hashing every
 * column the way the manifest does (the whole row, or the text form of the columns without an extended hash).
 */
import { Client } from 'pg';
import { buildManifest, validateDatabase } from '../engines/validation';
import { tableRowHash } from '../engines/validation/checksum';
import { runPool } from '../engines/validation/pool';
import { FOREIGN_SCHEMAS } from '../test/validation/adopter/schemas';

/**
 * Scaled data runs past the schemas' own end date: the manifest describes every row and the copy is taken
 * at once (the measurement is the cost of validating, not the age of the data).
 */
const CUTOFF = new Date('2100-01-01T00:00:00Z');
const NO_RPO_LIMIT = 100 * 365 * 86_400;

export const FOREIGN_SCHEMA_NAMES = FOREIGN_SCHEMAS.map((s) => s.name);

export interface ForeignSchemaResult {
  schema: string;
  scale: number;
  rows: number;
  seconds: { contentFloor: number; validation: number };
  validationOverContentFloor: number;
  validationPassed: boolean;
}

/** The schema's SQL with every `generate_series(1, n)` row count multiplied by `scale`. */
function scaled(sql: string, scale: number): string {
  return sql.replace(/generate_series\(1, (\d+)\)/g, (_m, n: string) => `generate_series(1, ${Number(n) * scale})`);
}

async function best(repeat: number, fn: () => Promise<unknown>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

/** Load the foreign schema into `url`'s (empty) database, then time the content floor and validation. */
export async function benchForeignSchema(
  url: string,
  options: {
    schema: string;
    scale: number;
    repeat: number;
    cores: number;
    serverCores?: number;
    log: (text: string) => void;
  },
): Promise<ForeignSchemaResult> {
  const schema = FOREIGN_SCHEMAS.find((s) => s.name.toLowerCase() === options.schema.toLowerCase());
  if (!schema) throw new Error(`--schema ${options.schema}: not one of ${FOREIGN_SCHEMA_NAMES.join(', ')}`);
  options.log(`loading the ${schema.name} schema × ${options.scale}…`);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(scaled(schema.sql, options.scale));
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
  const manifest = await buildManifest({ url, cutoff: CUTOFF, concurrency: options.cores });
  const floorSql = manifest.tables.map(
    (t) =>
      `SELECT sum(${tableRowHash(t.columns)}) FROM "${t.schema.replace(/"/g, '""')}"."${t.table.replace(/"/g, '""')}" t`,
  );
  const contentFloor = () =>
    runPool(
      floorSql.map((sql) => async (c: Client) => (await c.query(sql)).rows),
      { target: url, concurrency: options.cores },
    );
  await contentFloor(); // warm-up
  let passed = true;
  const validate = async () => {
    const report = await validateDatabase({
      url,
      manifest,
      recoveryPointTime: CUTOFF,
      rpoTargetSeconds: NO_RPO_LIMIT,
      concurrency: options.cores,
      serverCores: options.serverCores,
    });
    passed &&= report.passed;
    for (const c of report.checks.filter((c) => !c.passed && !c.skipped))
      options.log(`  check ${c.name} failed: ${c.error ?? JSON.stringify(c.measured).slice(0, 200)}`);
  };
  // Interleaved, best of each, as the reference-schema run does: a busy moment cannot flatter either side.
  let floorMs = Infinity;
  let validationMs = Infinity;
  for (let i = 0; i < options.repeat; i++) {
    floorMs = Math.min(floorMs, await best(1, contentFloor));
    validationMs = Math.min(validationMs, await best(1, validate));
  }
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    schema: schema.name,
    scale: options.scale,
    rows: manifest.tables.reduce((n, t) => n + t.rowCount, 0),
    seconds: { contentFloor: round(floorMs / 1000), validation: round(validationMs / 1000) },
    validationOverContentFloor: round(validationMs / floorMs),
    validationPassed: passed,
  };
}

/** The human-readable line of a foreign-schema run. */
export function foreignSchemaSummary(r: ForeignSchemaResult, cores: number, repeat: number): string {
  return (
    `validation benchmark, ${r.schema} schema × ${r.scale}: ${r.rows.toLocaleString('en-US')} rows, ${cores} cores, ` +
    `best of ${repeat}\n  content floor ${r.seconds.contentFloor.toFixed(2)} s, validation ` +
    `${r.seconds.validation.toFixed(2)} s = ${r.validationOverContentFloor} × content floor (target ≤ 1.5; passed: ` +
    `${r.validationPassed})\n`
  );
}
