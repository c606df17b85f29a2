import { Client } from 'pg';
import { PostgresCluster, PostgresSettings } from './postgres-cluster';
import type { ProcessGuard } from './process-guard';

export interface ArchivingPrimaryOptions {
  /** Parent directory (the run's workspace). */
  readonly baseDir: string;
  /** The WAL archive; must exist and be writable by the server user. */
  readonly archiveDir: string;
  /** Force a WAL segment switch (and so an archived segment) at least this often: bounds the RPO. */
  readonly archiveTimeoutSeconds: number;
  readonly guard?: ProcessGuard;
  readonly settings?: PostgresSettings;
  /** Database to create for the workload. */
  readonly database: string;
}

/** Settings of a primary that archives WAL and can feed a streaming standby. */
export function archivingSettings(archiveDir: string, archiveTimeoutSeconds: number): PostgresSettings {
  return {
    wal_level: 'replica',
    archive_mode: true,
    // Copy, and fail (so PostgreSQL retries and never overwrites) when the segment is already archived.
    archive_command: `test ! -f '${archiveDir}/%f' && cp '%p' '${archiveDir}/%f'`,
    archive_timeout: archiveTimeoutSeconds,
    max_wal_senders: 5,
    wal_keep_size: '256MB',
    // The drill measures the RPO: keep commits durable in WAL order as a production primary would.
    synchronous_commit: true,
  };
}

/**
 * initdb (1 MB WAL segments: a forced switch every second archives 1 MB, not 16 MB) and start a primary
 * that archives WAL, then create the workload database.
 */
export async function startArchivingPrimary(options: ArchivingPrimaryOptions): Promise<PostgresCluster> {
  const cluster = await PostgresCluster.create({
    baseDir: options.baseDir,
    walSegmentSizeMb: 1,
    settings: { ...archivingSettings(options.archiveDir, options.archiveTimeoutSeconds), ...options.settings },
  });
  options.guard?.watchDataDir(cluster.dataDir);
  await cluster.start();
  const client = new Client({ connectionString: cluster.url() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${options.database}`);
  } finally {
    await client.end();
  }
  return cluster;
}

export async function serverVersion(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return rows[0]?.v ?? 'unknown';
  } finally {
    await client.end();
  }
}
