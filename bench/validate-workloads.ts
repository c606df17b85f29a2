/** What the validation benchmark runs over its copy besides the validator: floors, the naive baseline, damage. */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { PHARMACY_TABLES } from '../engines/validation';
import { runPool } from '../engines/validation/pool';

/** One query per table the validator reads, spread over `cores` connections. */
export async function perTable(url: string, cores: number, sql: (table: string) => string): Promise<void> {
  await runPool(
    PHARMACY_TABLES.map((t) => async (client: Client) => {
      await client.query(sql(`${t.schema}.${t.table}`));
    }),
    { target: url, concurrency: cores },
  );
}

/** The naive baseline: every row to the client as text, SHA-256 per row, order-independent sum. */
export async function naive(url: string, cores: number): Promise<bigint> {
  const sums = await runPool(
    PHARMACY_TABLES.map((t) => async (client: Client) => {
      let sum = 0n;
      let rest = '';
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          const lines = (rest + chunk.toString('utf8')).split('\n');
          rest = lines.pop() ?? '';
          for (const line of lines) sum += createHash('sha256').update(line).digest().readBigUInt64BE(0);
          done();
        },
      });
      await pipeline(client.query(copyTo(`COPY ${t.schema}.${t.table} TO STDOUT`)), sink);
      return sum;
    }),
    { target: url, concurrency: cores },
  );
  return sums.reduce((a, b) => a + b, 0n);
}

/** Rows the copy holds after the manifest's cut-off, over every table the validator reads. */
export async function rowsAfter(url: string, cutoff: Date): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    let total = 0;
    for (const t of PHARMACY_TABLES) {
      const { rows } = await client.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM ${t.schema}.${t.table} WHERE ${t.cutoffColumn} > $1`,
        [cutoff],
      );
      total += Number(rows[0]?.n ?? 0);
    }
    return total;
  } finally {
    await client.end();
  }
}

/** The table a damaged copy has one changed row in (read by most pharmacy checks). */
export const DAMAGED_TABLE = 'pharmacy.fill';

/** Change one row from before the cut-off, so the table no longer matches the manifest's checksum. */
export async function damageOneOldRow(url: string, cutoff: Date): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rowCount } = await client.query(
      `UPDATE ${DAMAGED_TABLE} SET quantity = quantity + 1
        WHERE fill_id = (SELECT min(fill_id) FROM ${DAMAGED_TABLE} WHERE filled_at <= $1)`,
      [cutoff],
    );
    if (rowCount !== 1) throw new Error(`could not damage ${DAMAGED_TABLE}: no row before ${cutoff.toISOString()}`);
  } finally {
    await client.end();
  }
}
