import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ADMIN_URL_VARIABLE } from './postgres-server';

export interface TestDatabase {
  /** URL of this test file's own database. */
  readonly url: string;
  readonly name: string;
  /** URL of the server's admin database, for creating more databases (e.g. a restored copy). */
  readonly adminUrl: string;
}

function adminUrl(): string {
  const url = process.env[ADMIN_URL_VARIABLE];
  if (!url) throw new Error(`${ADMIN_URL_VARIABLE} is not set: the jest globalSetup did not start PostgreSQL`);
  return url;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** The credentials of a test database as its Secrets Manager secret holds them (its host is the caller's). */
export function credentialsOf(db: Pick<TestDatabase, 'url' | 'name'>): {
  username: string;
  password: string;
  dbname: string;
} {
  const url = new URL(db.url);
  return { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password), dbname: db.name };
}

/** A fresh database; `createOptions` are appended to its `CREATE DATABASE` (e.g. another encoding). */
export async function createDatabase(prefix = 't', createOptions = ''): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = adminUrl();
  const client = new Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} ${createOptions}`);
  } finally {
    await client.end();
  }
  return { name, url: withDatabase(admin, name), adminUrl: admin };
}

export async function dropDatabase(name: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/**
 * Give the calling test file a fresh database, created before its tests and dropped after them
 * (also when a test fails). Use `db()` inside tests.
 */
export function useTestDatabase(prefix = 't', createOptions = ''): () => TestDatabase {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createDatabase(prefix, createOptions);
  });
  afterAll(async () => {
    if (database) await dropDatabase(database.name);
  });
  return () => {
    if (!database) throw new Error('useTestDatabase(): the database is only available inside tests');
    return database;
  };
}
