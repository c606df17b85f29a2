import { Client } from 'pg';
import type { EvidenceCheck } from '../../engines/evidence/schema';
import { waitUntil } from './processes';

/**
 * A planned switchover on local PostgreSQL, the way Aurora's managed switchover works: writes on the primary are
 * frozen and its WAL position taken; the standby is promoted only once it has replayed up to that position, so
 * nothing acknowledged is lost. If it cannot catch up, the freeze is lifted and the primary goes on.
 */

/** How long a new session may take to see a reloaded setting (the postmaster applies SIGHUP asynchronously). */
const RELOAD_SECONDS = 5;

/**
 * Freeze writes on the primary: new and idle sessions become read-only (`default_transaction_read_only`), the
 * sessions still connected are ended (an open transaction cannot commit after the position is taken), and the
 * primary's WAL position is returned.
 */
export async function freezePrimaryWrites(adminUrl: string): Promise<{ walPosition: string; ended: number }> {
  await withClient(adminUrl, async (client) => {
    await client.query('ALTER SYSTEM SET default_transaction_read_only = on');
    await client.query('SELECT pg_reload_conf()');
  });
  await waitForSetting(adminUrl, 'on');
  return withClient(adminUrl, async (client) => {
    const { rows } = await client.query<{ ended: number; lsn: string }>(
      `SELECT (SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity
                WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()) AS ended,
              pg_current_wal_lsn()::text AS lsn`,
    );
    const [row] = rows;
    if (!row) throw new Error('the primary did not report its WAL position');
    return { walPosition: row.lsn, ended: row.ended };
  });
}

/** Lift the freeze: the primary takes writes again. */
export async function liftPrimaryFreeze(adminUrl: string): Promise<void> {
  await withClient(adminUrl, async (client) => {
    await client.query('SET default_transaction_read_only = off');
    await client.query('ALTER SYSTEM RESET default_transaction_read_only');
    await client.query('SELECT pg_reload_conf()');
  });
  await waitForSetting(adminUrl, 'off');
}

/**
 * How far the standby's replay is from `walPosition`: `behindBytes` 0 once it replayed everything up to it.
 * Undefined when the standby does not answer as a standby.
 */
export async function replayGap(
  standbyUrl: string,
  walPosition: string,
): Promise<{ replayed: string; behindBytes: number } | undefined> {
  try {
    return await withClient(standbyUrl, async (client) => {
      const { rows } = await client.query<{ r: boolean; replayed: string | null; behind: string | null }>(
        `SELECT pg_is_in_recovery() AS r, pg_last_wal_replay_lsn()::text AS replayed,
                pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn())::bigint::text AS behind`,
        [walPosition],
      );
      const row = rows[0];
      if (!row?.r || row.replayed === null || row.behind === null) return undefined;
      return { replayed: row.replayed, behindBytes: Math.max(0, Number(row.behind)) };
    });
  } catch {
    return undefined;
  }
}

async function waitForSetting(adminUrl: string, expected: 'on' | 'off'): Promise<void> {
  const seen = await waitUntil(
    async () => {
      try {
        return await withClient(adminUrl, async (client) => {
          const { rows } = await client.query<{ v: string }>(
            "SELECT current_setting('default_transaction_read_only') AS v",
          );
          return rows[0]?.v === expected;
        });
      } catch {
        return false;
      }
    },
    RELOAD_SECONDS * 1000,
    20,
  );
  if (!seen)
    throw new Error(`the primary did not apply default_transaction_read_only = ${expected} within ${RELOAD_SECONDS} s`);
}

async function withClient<T>(url: string, body: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A switchover promises no data loss: the newest row on the new primary is the last write before the freeze. */
export function noDataLoss(lastWrite: Date, achievedRpoSeconds: number | undefined): EvidenceCheck {
  const ok = achievedRpoSeconds !== undefined && achievedRpoSeconds <= 0;
  return {
    id: 'failover.no-data-loss',
    category: 'failover',
    status: ok ? 'passed' : 'failed',
    message: ok
      ? `the last write acknowledged before the freeze (${lastWrite.toISOString()}) is on the new primary`
      : achievedRpoSeconds === undefined
        ? 'the validator measured no RPO: the last write before the freeze cannot be found'
        : `data lost in a planned switchover: the newest row is ${achievedRpoSeconds} s older than the last ` +
          `write acknowledged before the freeze (${lastWrite.toISOString()})`,
    details: { lastWriteBeforeFreeze: lastWrite.toISOString(), achievedRpoSeconds: achievedRpoSeconds ?? null },
  };
}
