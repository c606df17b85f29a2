import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { startTestPostgres } from '../helpers/postgres-server';

/**
 * Compile the CLI the way `npm ci` does (`npm run build`, into dist/), so tests that start `bin/rxdr` run the
 * JavaScript users run and never an older build; then one PostgreSQL server for the whole run (each test file
 * gets its own database on it, see `useTestDatabase`). Test workers inherit RXDR_TEST_PG_ADMIN_URL.
 */
export default async function globalSetup(): Promise<void> {
  execFileSync(process.execPath, [path.join(__dirname, '..', '..', 'scripts', 'build.js')], { stdio: 'ignore' });
  await startTestPostgres();
}
