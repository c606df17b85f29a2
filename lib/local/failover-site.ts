import { readFile, rename, writeFile } from 'node:fs/promises';
import type { RepointRecord } from '../../engines/failover/provider';
import * as path from 'node:path';
import { Client } from 'pg';
import type { Manifest } from '../../engines/validation';
import { buildChunkedManifest } from '../../engines/validation/chunks/manifest';
import { takeBaseBackup } from './base-backup';
import { recordBaseBackup } from './local-restore-provider';
import {
  checkAborted,
  LOCAL_DATABASE,
  LocalWorkspace,
  makeServerDir,
  pharmacyUnitWriter,
  PhaseTimer,
  seedPhase,
  sleep,
  startPrimary,
} from './local-run';
import { PostgresCluster } from './postgres-cluster';
import { waitUntil } from './processes';
import { serverUser } from './server-user';
import { UnitWriter, WriteLoad } from './write-load';

/** What a local failover recovers from: the primary under load, its streaming standby, a base backup, WAL. */
export interface FailoverSite {
  readonly primary: PostgresCluster;
  readonly standby: PostgresCluster;
  readonly archiveDir: string;
  readonly backupsDir: string;
  readonly restoresDir: string;
  /** The pointer clients read to find the database (`{ host, port, database }`); repoint rewrites it. */
  readonly endpointFile: string;
  readonly manifest: Manifest;
  readonly load: WriteLoad;
  readonly prescriptions: number;
}

export interface FailoverSiteOptions {
  readonly prescriptions?: number;
  readonly seed?: number;
  readonly archiveTimeoutSeconds: number;
  /** Seconds of write load after the standby is streaming. @default 3 */
  readonly loadSeconds?: number;
  readonly unitWriter?: UnitWriter;
  readonly signal?: AbortSignal;
}

/**
 * Build the site a local failover runs on: a primary archiving its WAL, seeded; a base backup (recorded for
 * a point-in-time restore); a streaming standby made from that backup; the manifest; an application write
 * load that finds the primary through the endpoint file. Processes and directories belong to `run`.
 */
export async function setUpFailoverSite(
  run: LocalWorkspace,
  progress: PhaseTimer,
  options: FailoverSiteOptions,
  onPrimary: (primary: PostgresCluster) => void,
): Promise<FailoverSite> {
  const { workspace, guard, pids } = run;
  const archiveDir = await makeServerDir(workspace, 'wal-archive');
  const backupsDir = await makeServerDir(workspace, 'base-backups');
  const restoresDir = await makeServerDir(workspace, 'restores');
  const primary = await progress('primary', async () => {
    const { cluster, detail } = await startPrimary(run, archiveDir, options.archiveTimeoutSeconds);
    return [cluster, detail];
  });
  onPrimary(primary);
  const endpointFile = path.join(workspace, `${LOCAL_DATABASE}.endpoint.json`);
  await writeFile(endpointFile, endpointText('127.0.0.1', primary.port));
  const prescriptions = await seedPhase(progress, primary, options);
  checkAborted(options.signal);

  const backupDir = path.join(backupsDir, 'backup-1');
  await progress('base-backup', async () => {
    const taken = await takeBaseBackup({
      url: primary.url(),
      sourceDataDir: primary.dataDir,
      targetDataDir: path.join(backupDir, 'data'),
      label: `rxdr-local-${Date.now()}`,
      owner: await serverUser(),
    });
    await recordBaseBackup(backupDir, taken);
    return [taken, `${(taken.bytes / 1e6).toFixed(1)} MB, WAL ${taken.startLsn} → ${taken.stopLsn}`];
  });

  const standby = await progress('standby', async () => {
    const rootDir = await makeServerDir(workspace, 'standby');
    const dataDir = path.join(rootDir, 'data');
    guard.watchDataDir(dataDir);
    await takeBaseBackup({
      url: primary.url(),
      sourceDataDir: primary.dataDir,
      targetDataDir: dataDir,
      label: 'rxdr-standby',
    });
    await writeFile(path.join(dataDir, 'standby.signal'), '');
    const cluster = await PostgresCluster.fromDataDir(rootDir, dataDir, {
      primary_conninfo: `host=127.0.0.1 port=${primary.port} user=postgres application_name=rxdr_standby`,
      restore_command: `cp '${archiveDir}/%f' '%p'`,
      archive_mode: false,
      hot_standby: true,
      recovery_target_timeline: 'latest',
    });
    await cluster.start();
    const streaming = await waitUntil(() => isStreaming(primary.url()), 30_000, 100);
    if (!streaming)
      throw new Error(`the standby did not start streaming from the primary within 30 s:\n${await cluster.tailLog()}`);
    const serverPids = await cluster.serverPids();
    serverPids.forEach((pid) => pids.add(pid));
    return [cluster, `streaming from the primary, pid ${serverPids[0]}`];
  });

  const manifest = await progress('manifest', async () => {
    const built = await buildChunkedManifest({ url: primary.url(LOCAL_DATABASE), cutoff: new Date(Date.now() - 1000) });
    return [built, `${built.tables.length} tables, cut-off ${built.cutoff}`];
  });

  const load = await progress('write-load', async () => {
    const started = await WriteLoad.start(
      primary.url(LOCAL_DATABASE),
      options.unitWriter ?? pharmacyUnitWriter(options.seed ?? 1),
    );
    await sleep((options.loadSeconds ?? 3) * 1000, options.signal);
    return [started, `${started.stats.commits} units committed while the standby streamed and WAL was archived`];
  });
  return { primary, standby, archiveDir, backupsDir, restoresDir, endpointFile, manifest, load, prescriptions };
}

export function endpointText(host: string, port: number): string {
  return `${JSON.stringify({ host, port, database: LOCAL_DATABASE })}\n`;
}

async function isStreaming(adminUrl: string): Promise<boolean> {
  const client = new Client({ connectionString: adminUrl });
  try {
    await client.connect();
    const { rows } = await client.query(
      "SELECT 1 FROM pg_stat_replication WHERE application_name = 'rxdr_standby' AND state = 'streaming'",
    );
    return rows.length > 0;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Point clients at `endpoint`: rewrite the endpoint file atomically (a client reads the old or the new one). */
export async function repointEndpointFile(
  file: string,
  endpoint: { readonly host: string; readonly port: number },
  startedAt: string,
): Promise<RepointRecord> {
  const previous = await readFile(file, 'utf8').catch(() => '');
  const text = endpointText(endpoint.host, endpoint.port);
  if (previous !== text) {
    await writeFile(`${file}.tmp`, text);
    await rename(`${file}.tmp`, file);
  }
  const now = new Date().toISOString();
  return {
    startedAt,
    endedAt: now,
    changes: [
      {
        kind: 'endpoint-file',
        name: file,
        value: `${endpoint.host}:${endpoint.port}`,
        outcome: previous === text ? 'already-done' : 'done',
        ...(previous ? { previous: previous.trim() } : {}),
      },
    ],
    polls: 0,
    waitSeconds: 1,
    inSync: true,
    inSyncAt: now,
  };
}
