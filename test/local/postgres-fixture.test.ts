import { Client } from 'pg';
import { useTestDatabase, createDatabase, dropDatabase } from '../helpers/postgres';

describe('real PostgreSQL test fixture', () => {
  const db = useTestDatabase();

  test('gives the file its own database that accepts DDL and queries', async () => {
    const client = new Client({ connectionString: db().url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>('SELECT current_database() AS name');
      expect(rows[0]!.name).toBe(db().name);
      await client.query('CREATE TABLE t (id int primary key, v text)');
      await client.query("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
      const count = await client.query<{ n: string }>('SELECT count(*) AS n FROM t');
      expect(count.rows[0]!.n).toBe('2');
    } finally {
      await client.end();
    }
  });

  test('separate databases do not see each other', async () => {
    const other = await createDatabase('other');
    const client = new Client({ connectionString: other.url });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT to_regclass('public.t') AS t");
      expect(rows[0].t).toBeNull();
    } finally {
      await client.end();
      await dropDatabase(other.name);
    }
  });
});
