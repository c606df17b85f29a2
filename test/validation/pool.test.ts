import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { disconnect } from '../../engines/validation/db';
import { ConnectionPool, PoolClosedError, runPool } from '../../engines/validation/pool';
import { useTestDatabase } from '../helpers/postgres';

/**
 * A failure in a pool of queries must close every connection (also one opened after the failure, and those
 * still running a statement), so the CLI can exit right after printing the error.
 */
const db = useTestDatabase('pool');

/** Connections of one test, told apart by application name; the server drops a closed one within 50 ms. */
function tagged(): { name: string; extra: { application_name: string; options: string } } {
  const name = `pool_${randomBytes(4).toString('hex')}`;
  return { name, extra: { application_name: name, options: '-c client_connection_check_interval=50' } };
}

async function openConnections(name: string): Promise<number> {
  const client = new Client({ connectionString: db().url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM pg_stat_activity WHERE application_name = $1',
      [name],
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

async function settledOpenConnections(name: string, withinMs = 1000): Promise<number> {
  const deadline = Date.now() + withinMs;
  let open = await openConnections(name);
  while (open > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    open = await openConnections(name);
  }
  return open;
}

describe('runPool', () => {
  test('a failing task rejects at once and leaves no connection open, not even one opened afterwards', async () => {
    const { name, extra } = tagged();
    const sleep = async (client: Client) => (await client.query('SELECT pg_sleep(30)')).rows;
    const tasks = [
      async () => {
        throw new Error('first task failed');
      },
      ...Array.from({ length: 8 }, () => sleep),
    ];
    const started = Date.now();
    await expect(runPool(tasks, { target: db().url, concurrency: 4, extra })).rejects.toThrow('first task failed');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await settledOpenConnections(name)).toBe(0);
  });

  test('a failing SQL statement among running ones rejects with its error and closes the others', async () => {
    const { name, extra } = tagged();
    const tasks = [
      async (client: Client) => (await client.query('SELECT pg_sleep(30)')).rows,
      async (client: Client) => (await client.query('SELECT 1/0')).rows,
      async (client: Client) => (await client.query('SELECT pg_sleep(30)')).rows,
    ];
    const started = Date.now();
    await expect(runPool(tasks, { target: db().url, concurrency: 3, extra })).rejects.toThrow(/division by zero/);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await settledOpenConnections(name)).toBe(0);
  });

  test('all tasks succeed: results in task order, every connection closed', async () => {
    const { name, extra } = tagged();
    const tasks = [3, 1, 2].map(
      (n) => async (client: Client) => (await client.query('SELECT $1::int AS n', [n])).rows[0],
    );
    const results = await runPool(tasks, { target: db().url, concurrency: 2, extra });
    expect(results).toEqual([{ n: 3 }, { n: 1 }, { n: 2 }]);
    expect(await settledOpenConnections(name)).toBe(0);
  });
});

describe('ConnectionPool', () => {
  test('end() closes a connection still being opened and rejects callers waiting for one', async () => {
    const { name, extra } = tagged();
    const pool = new ConnectionPool(db().url, 1, extra);
    const first = pool.use((client) => client.query('SELECT pg_sleep(30)'));
    const waiting = pool.use((client) => client.query('SELECT 1'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const opening = new ConnectionPool(db().url, 2, extra);
    const late = opening.use((client) => client.query('SELECT 1'));
    await Promise.all([pool.end(), opening.end()]);
    await expect(first).rejects.toThrow();
    await expect(waiting).rejects.toThrow(PoolClosedError);
    // `late`'s connection may still be opening when end() runs (rejected as closed) or just opened (its query
    // cut off): on a loaded machine either comes first; what matters is that it does not succeed or leak.
    await expect(late).rejects.toThrow();
    expect(await settledOpenConnections(name)).toBe(0);
  });
});

describe('disconnect', () => {
  /** The database's ended sessions and, among them, those the server saw end by a lost client. */
  async function sessionStats(): Promise<{ sessions: number; abandoned: number }> {
    const client = new Client({ connectionString: db().url });
    await client.connect();
    try {
      const { rows } = await client.query<{ sessions: string; abandoned: string }>(
        'SELECT sessions::text, sessions_abandoned::text AS abandoned FROM pg_stat_database WHERE datname = current_database()',
      );
      return { sessions: Number(rows[0]?.sessions), abandoned: Number(rows[0]?.abandoned) };
    } finally {
      await client.end();
    }
  }

  test('ends the session with Terminate (the server does not count it abandoned) and closes the socket', async () => {
    const { name, extra } = tagged();
    const client = new Client({ connectionString: db().url, ...extra });
    await client.connect();
    await client.query('SELECT 1');
    const before = await sessionStats();
    await disconnect(client);
    const stream = (client as unknown as { connection: { stream: { destroyed: boolean } } }).connection.stream;
    expect(stream.destroyed).toBe(true);
    await expect(client.query('SELECT 1')).rejects.toThrow();
    expect(await settledOpenConnections(name)).toBe(0);
    // The server counts a session as it ends (the probe's own sessions too); one cut off without Terminate would
    // count as abandoned.
    let after = await sessionStats();
    for (let i = 0; i < 20 && after.sessions < before.sessions + 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await sessionStats();
    }
    expect(after.sessions).toBeGreaterThanOrEqual(before.sessions + 2);
    expect(after.abandoned).toBe(before.abandoned);
  });

  test('a client that never connected resolves at once', async () => {
    await expect(disconnect(new Client({ connectionString: db().url }))).resolves.toBeUndefined();
  });
});
