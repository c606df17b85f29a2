import { startTestPostgres } from '../helpers/postgres-server';

/**
 * One PostgreSQL server for the whole run (each test file gets its own database on it, see
 * `useTestDatabase`). Test workers inherit RXDR_TEST_PG_ADMIN_URL from this process.
 */
export default async function globalSetup(): Promise<void> {
  await startTestPostgres();
}
