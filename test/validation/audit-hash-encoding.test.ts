import { Client } from 'pg';
import { buildManifest, validateDatabase } from '../../engines/validation';
import { seedDatabase } from '../../lib/seed';
import { useTestDatabase } from '../helpers/postgres';
import { checkNamed, queryOne } from './fixture';

/**
 * An audit hash covers the actor, action and entity as UTF-8 (`convert_to(..., 'UTF8')` where the application
 * writes it). The validator reads those bytes with `textsend`, which converts text to the session's client
 * encoding: UTF8 on every node-postgres session (its startup message always asks for it). So on a database stored in
 * another encoding the bytes must still be the UTF-8 ones, on the source and on the copy.
 */
const END = new Date('2026-11-01T00:00:00Z');
const hours = (n: number) => new Date(END.getTime() + n * 3_600_000);
const db = useTestDatabase('latin1', "ENCODING 'LATIN1' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'");

async function run(sql: string, params: unknown[] = []): Promise<void> {
  const client = new Client({ connectionString: db().url });
  await client.connect();
  try {
    await client.query("SET client_encoding = 'UTF8'");
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/** Append an audit event by `actor` at `occurredAt`, hashed as the application hashes it. */
async function appendEvent(occurredAt: Date, actor: string): Promise<void> {
  await run(
    `INSERT INTO pharmacy.audit_event (seq, occurred_at, actor, action, entity, entity_id, prev_hash, hash)
       SELECT h.seq + 1, $1, $2, 'dispense', 'fill', 7, h.hash,
              sha256(h.hash || int8send(h.seq + 1) || timestamptz_send($1::timestamptz)
                     || convert_to($2 || '|dispense|fill', 'UTF8') || int8send(7::bigint))
         FROM (SELECT seq, hash FROM pharmacy.audit_event ORDER BY seq DESC LIMIT 1) h`,
    [occurredAt, actor],
  );
}

test('non-ASCII audit fields verify on a database stored in LATIN1', async () => {
  await seedDatabase({ url: db().url, prescriptions: 100, seed: 9, endTime: END, historyDays: 10 });
  await appendEvent(hours(1), 'José Ñúñez');
  const stored = await queryOne<{ server_encoding: string }>(db(), 'SHOW server_encoding');
  expect(stored.server_encoding).toBe('LATIN1');

  const manifest = await buildManifest({ url: db().url, cutoff: hours(2) });
  expect(manifest.pharmacy?.auditHead.seq).toBeGreaterThan(1);
  expect(manifest.pharmacy?.invariants?.['audit-chain']).toMatchObject({ holds: true });

  await appendEvent(hours(3), 'Zoë Ångström');
  const report = await validateDatabase({
    url: db().url,
    manifest,
    recoveryPointTime: hours(4),
    checks: ['audit-chain'],
  });
  expect(checkNamed(report, 'audit-chain')).toMatchObject({
    passed: true,
    measured: { mode: 'incremental', hashMismatches: 0, linksVerify: true },
  });
});

test("the validator's sessions send text as UTF-8, whatever the database's default", async () => {
  await run(`ALTER DATABASE "${db().name}" SET client_encoding = 'LATIN1'`);
  const manifest = await buildManifest({ url: db().url, cutoff: hours(2) });
  // A custom check runs on the validator's own pooled connections, so it reads their session setting.
  const report = await validateDatabase({
    url: db().url,
    manifest,
    recoveryPointTime: hours(4),
    checks: ['custom'],
    customChecks: [{ name: 'encoding', sql: "SELECT current_setting('client_encoding') AS e", expect: 'no-rows' }],
  });
  expect(report.checks[0]?.offendingKeys).toEqual(['UTF8']);
});
