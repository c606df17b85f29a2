import { Client } from 'pg';
import { WriteLoad } from '../../lib/local/write-load';
import { useTestDatabase } from '../helpers/postgres';

describe('local write load on real PostgreSQL', () => {
  const db = useTestDatabase('load');

  test('a unit cut off by the disaster is recorded as unacknowledged, newer than the last acknowledged one', async () => {
    // GIVEN a load whose units commit quickly until one hangs mid-statement
    const admin = new Client({ connectionString: db().url });
    await admin.connect();
    try {
      await admin.query('CREATE TABLE unit (at timestamptz NOT NULL)');
      let units = 0;
      let tick = Date.parse('2026-11-28T10:00:00Z');
      const load = await WriteLoad.start(
        db().url,
        async (client, at) => {
          units += 1;
          await client.query('INSERT INTO unit (at) VALUES ($1)', [at]);
          if (units === 4) await client.query('SELECT pg_sleep(30)');
        },
        { pauseMs: 0, now: () => new Date((tick += 1000)) },
      );
      await load.waitForCommits(3);
      // WHEN the server side of the connection dies while unit 4 is in flight
      const sleeping =
        "FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active' AND pid <> pg_backend_pid()";
      for (let tries = 0; tries < 200 && (await admin.query(`SELECT 1 ${sleeping}`)).rowCount === 0; tries++)
        await new Promise((r) => setTimeout(r, 50));
      await admin.query(`SELECT pg_terminate_backend(pid) ${sleeping}`);
      for (let tries = 0; tries < 200 && !load.stats.unacknowledgedAt; tries++)
        await new Promise((r) => setTimeout(r, 50));
      const stats = await load.stop();
      // THEN three units were acknowledged and the fourth is known only as possibly committed
      expect(stats.commits).toBe(3);
      expect(stats.lastCommittedAt?.toISOString()).toBe('2026-11-28T10:00:03.000Z');
      expect(stats.unacknowledgedAt?.toISOString()).toBe('2026-11-28T10:00:04.000Z');
      expect(stats.stoppedBy).toMatch(/terminat/i);
    } finally {
      await admin.end();
    }
  });
});
