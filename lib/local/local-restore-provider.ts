import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Client } from 'pg';
import type { EvidenceCheck } from '../../engines/evidence/schema';
import type {
  DatabaseConnection,
  DeletionStatus,
  RecoverySource,
  RestoreHandle,
  RestoreProvider,
  RestoreStatus,
  SourceSelector,
} from '../../engines/drill/provider';
import type { BaseBackup } from './base-backup';
import { copyTree } from './copy-tree';
import type { ProcessGuard } from './process-guard';
import { PostgresCluster, PostgresSettings } from './postgres-cluster';
import { isProcessAlive } from './processes';
import { serverUser } from './server-user';

/** A base backup's facts, beside its `data/` directory. */
export const BACKUP_META_FILE = 'rxdr-backup.json';

export interface LocalRestoreProviderOptions {
  /** Base backups: one directory each, `data/` plus `rxdr-backup.json` (see `recordBaseBackup`). */
  readonly backupsDir: string;
  /** The WAL archive the primary's `archive_command` fills. */
  readonly archiveDir: string;
  /** Where restored clusters go, one directory per drill. */
  readonly restoresDir: string;
  /** The protected primary's name (evidence `source.sourceDatabase`). */
  readonly sourceDatabase: string;
  /** The database inside the cluster the validator connects to. */
  readonly database: string;
  /**
   * Latest restorable time: the newest write the primary acknowledged before it was lost. A restore to
   * "latest" should reach it; the validator measures the achieved RPO against it.
   */
  readonly latestRestorableTime: () => Date;
  readonly settings?: PostgresSettings;
  /** Added to every source's details (the evidence's `source.details`): e.g. which store it came from. */
  readonly sourceDetails?: Readonly<Record<string, string>>;
  readonly guard?: ProcessGuard;
  /** Seconds `pg_ctl start` may take (copy excluded). @default 600 */
  readonly startTimeoutSeconds?: number;
}

interface RestoreEntry {
  cluster: Promise<PostgresCluster>;
  readonly rootDir: string;
  readonly backup: BaseBackupMeta;
  state: 'copying' | 'recovering' | 'started' | 'failed' | 'deleted';
  error?: string;
  started?: PostgresCluster;
  pids: number[];
  /** Phase timings, for the benchmark. */
  readonly timings: { began: number; copied?: number; accepting?: number; restoreBytes?: number };
}

export interface BaseBackupMeta {
  readonly label: string;
  readonly startLsn: string;
  readonly stopLsn: string;
  readonly stopWalFile: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly bytes: number;
}

/** Store a base backup's facts next to its data directory, so `findSource` can list backups. */
export async function recordBaseBackup(backupDir: string, backup: BaseBackup): Promise<void> {
  const meta: BaseBackupMeta = {
    label: backup.label,
    startLsn: backup.startLsn,
    stopLsn: backup.stopLsn,
    stopWalFile: backup.stopWalFile,
    startedAt: backup.startedAt.toISOString(),
    finishedAt: backup.finishedAt.toISOString(),
    bytes: backup.bytes,
  };
  await writeFile(path.join(backupDir, BACKUP_META_FILE), JSON.stringify(meta, null, 2));
}

/**
 * The local implementation of the drill's `RestoreProvider`: the same point-in-time restore RDS performs,
 * with PostgreSQL's own machinery. A restore copies the newest base backup into a new directory, adds
 * `recovery.signal` and a `restore_command` over the WAL archive, and starts the server, which replays the
 * archive to its end (or to a PITR target) and promotes itself. Each call is short, as in AWS: the copy and
 * replay run in the background and `describeRestore` reports on them.
 */
export class LocalRestoreProvider implements RestoreProvider {
  readonly name = 'local';
  private readonly restores = new Map<string, RestoreEntry>();

  constructor(private readonly options: LocalRestoreProviderOptions) {}

  async findSource(_database: string, selector: SourceSelector): Promise<RecoverySource> {
    const backups = await this.listBackups();
    if (backups.length === 0) throw new Error(`no base backup in ${this.options.backupsDir}`);
    const details = (backup: BaseBackupMeta & { dir: string }): Record<string, string> => ({
      baseBackup: backup.dir,
      backupFinishedAt: backup.finishedAt,
      backupStopLsn: backup.stopLsn,
      walArchive: this.options.archiveDir,
      ...this.options.sourceDetails,
    });
    if (selector.kind === 'recovery-point') {
      const backup = backups.find((b) => b.label === selector.id);
      if (!backup)
        throw new Error(`no base backup labelled ${selector.id} (have: ${backups.map((b) => b.label).join(', ')})`);
      return {
        id: backup.label,
        kind: 'snapshot',
        recoveryPointTime: backup.finishedAt,
        sourceDatabase: this.options.sourceDatabase,
        details: { ...details(backup), recoveryTarget: 'immediate' },
      };
    }
    if (selector.kind === 'point-in-time') {
      const target = new Date(selector.time);
      const usable = backups.filter((b) => new Date(b.finishedAt) <= target);
      const backup = usable[usable.length - 1];
      if (!backup)
        throw new Error(`no base backup finished before ${selector.time} (oldest finished ${backups[0]?.finishedAt})`);
      return {
        id: backup.label,
        kind: 'point-in-time',
        recoveryPointTime: target.toISOString(),
        sourceDatabase: this.options.sourceDatabase,
        details: { ...details(backup), recoveryTarget: target.toISOString() },
      };
    }
    const newest = backups[backups.length - 1];
    if (!newest) throw new Error('no base backup');
    return {
      id: newest.label,
      kind: 'point-in-time',
      recoveryPointTime: this.options.latestRestorableTime().toISOString(),
      sourceDatabase: this.options.sourceDatabase,
      details: { ...details(newest), recoveryTarget: 'latest' },
    };
  }

  async startRestore(source: RecoverySource, drillId: string): Promise<RestoreHandle> {
    const id = `restore-${drillId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const handle: RestoreHandle = { id, details: { baseBackup: source.id } };
    if (this.restores.has(id)) return handle; // idempotent: a retried start does not restore twice
    const backup = (await this.listBackups()).find((b) => b.label === source.id);
    if (!backup) throw new Error(`base backup ${source.id} not found in ${this.options.backupsDir}`);
    const rootDir = path.join(this.options.restoresDir, id);
    if (existsSync(rootDir))
      throw new Error(`${rootDir} already exists: a previous restore with this drill id was not cleaned up`);
    await mkdir(rootDir, { recursive: true });
    this.options.guard?.watchDir(rootDir);
    const dataDir = path.join(rootDir, 'data');
    this.options.guard?.watchDataDir(dataDir);
    const target = source.details?.recoveryTarget ?? 'latest';
    const entry: RestoreEntry = {
      rootDir,
      backup,
      state: 'copying',
      timings: { began: Date.now() },
      pids: [],
      cluster: Promise.resolve(undefined as never),
    };
    entry.cluster = (async () => {
      const owner = await serverUser();
      entry.timings.restoreBytes = await copyTree(path.join(backup.dir, 'data'), dataDir, {
        own: (file) => owner.own(file),
      });
      entry.timings.copied = Date.now();
      await writeFile(path.join(dataDir, 'recovery.signal'), '');
      const cluster = await PostgresCluster.fromDataDir(
        rootDir,
        dataDir,
        { ...this.options.settings, ...recoverySettings(this.options.archiveDir, target) },
        { filesOwned: true },
      );
      entry.state = 'recovering';
      const timeoutSeconds = this.options.startTimeoutSeconds ?? 600;
      await cluster.start({ timeoutSeconds });
      entry.pids = await cluster.serverPids();
      // RTO counts until the server takes writes, not until pg_ctl returns (replay may still be running).
      await cluster.waitUntilWritable(timeoutSeconds).catch(async (error: unknown) => {
        throw cluster.isRunning() ? error : new Error(await exitedEarly(entry, cluster));
      });
      entry.timings.accepting = Date.now();
      entry.started = cluster;
      entry.state = 'started';
      return cluster;
    })();
    entry.cluster.catch((error: unknown) => {
      entry.state = 'failed';
      entry.error = (error as Error).message;
    });
    this.restores.set(id, entry);
    return handle;
  }

  async describeRestore(handle: RestoreHandle): Promise<RestoreStatus> {
    const entry = this.restores.get(handle.id);
    if (!entry) return { state: 'failed', reason: `unknown restore ${handle.id}` };
    if (entry.state === 'failed') return { state: 'failed', reason: entry.error ?? 'unknown error' };
    if (entry.state === 'copying') return { state: 'pending', detail: 'copying the base backup' };
    if (entry.state === 'recovering' || !entry.started) return { state: 'pending', detail: 'replaying archived WAL' };
    const cluster = entry.started;
    // A dead server never becomes available: say so now rather than polling until the restore timeout.
    if (!cluster.isRunning()) {
      entry.state = 'failed';
      entry.error = await exitedEarly(entry, cluster);
      return { state: 'failed', reason: entry.error };
    }
    const client = new Client({ connectionString: cluster.url(this.options.database) });
    try {
      await client.connect();
      const { rows } = await client.query<{ recovering: boolean; version: string }>(
        "SELECT pg_is_in_recovery() AS recovering, current_setting('server_version') AS version",
      );
      const row = rows[0];
      if (!row || row.recovering) return { state: 'pending', detail: 'still in recovery' };
      return {
        state: 'available',
        target: {
          identifier: handle.id,
          engine: 'postgres',
          engineVersion: row.version,
          endpoint: `127.0.0.1:${cluster.port}`,
          encrypted: false,
          publiclyAccessible: false,
          network: 'loopback',
          details: { dataDir: cluster.dataDir, baseBackup: entry.backup.label, binaries: cluster.binaries.source },
        },
        checks: [await this.walContinuity(cluster, entry.backup)],
      };
    } catch (error) {
      return { state: 'pending', detail: `not accepting connections yet: ${(error as Error).message}` };
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async connection(handle: RestoreHandle): Promise<DatabaseConnection> {
    const cluster = this.restores.get(handle.id)?.started;
    if (!cluster) throw new Error(`restore ${handle.id} is not running`);
    return { url: cluster.url(this.options.database), display: `127.0.0.1:${cluster.port}/${this.options.database}` };
  }

  async deleteRestored(handle: RestoreHandle): Promise<void> {
    const entry = this.restores.get(handle.id);
    if (!entry || entry.state === 'deleted') return;
    // A restore still copying or replaying is waited for (pg_ctl start returns or fails), then removed.
    const cluster = await entry.cluster.catch(() => undefined);
    if (cluster) await cluster.destroy();
    else
      await PostgresCluster.fromDataDir(entry.rootDir, path.join(entry.rootDir, 'data')).then(
        (c) => c.destroy(),
        () => undefined,
      );
    await rm(entry.rootDir, { recursive: true, force: true });
    entry.state = 'deleted';
  }

  async describeDeletion(handle: RestoreHandle): Promise<DeletionStatus> {
    const entry = this.restores.get(handle.id);
    if (!entry) return { state: 'deleted' };
    const pid = await entry.started?.postmasterPid();
    if (pid !== undefined && isProcessAlive(pid))
      return { state: 'deleting', detail: `postmaster ${pid} still running` };
    if (existsSync(entry.rootDir)) return { state: 'deleting', detail: `${entry.rootDir} still exists` };
    return { state: 'deleted' };
  }

  /** Timings of a restore (ms since epoch), for the benchmark. */
  timings(handle: RestoreHandle): RestoreEntry['timings'] | undefined {
    return this.restores.get(handle.id)?.timings;
  }

  /** Figures of the newest restore for evidence metrics: base-backup copy, and start to accepting connections. */
  restoreMetrics(): Record<string, number> {
    const entries = [...this.restores.values()];
    const timings = entries[entries.length - 1]?.timings;
    if (!timings) return {};
    const metrics: Record<string, number> = {};
    if (timings.copied) metrics.restoreCopyMs = timings.copied - timings.began;
    if (timings.accepting) metrics.restoreToAcceptingMs = timings.accepting - timings.began;
    if (timings.restoreBytes !== undefined) metrics.restoreBytes = timings.restoreBytes;
    return metrics;
  }

  /** Server process ids of every restore this provider started (seen right after start). */
  startedPids(): number[] {
    return [...this.restores.values()].flatMap((entry) => entry.pids);
  }

  private async listBackups(): Promise<(BaseBackupMeta & { dir: string })[]> {
    let entries: string[];
    try {
      entries = await readdir(this.options.backupsDir);
    } catch {
      return [];
    }
    const backups: (BaseBackupMeta & { dir: string })[] = [];
    for (const entry of entries) {
      const dir = path.join(this.options.backupsDir, entry);
      try {
        backups.push({
          ...(JSON.parse(await readFile(path.join(dir, BACKUP_META_FILE), 'utf8')) as BaseBackupMeta),
          dir,
        });
      } catch {
        // not a finished backup
      }
    }
    return backups.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
  }

  /**
   * Did recovery replay every segment the archive holds? Recovery to "latest" ends at the first segment
   * `restore_command` cannot fetch; if newer segments exist, the archive has a gap and writes after it are lost.
   */
  private async walContinuity(cluster: PostgresCluster, backup: BaseBackupMeta): Promise<EvidenceCheck> {
    const started = Date.now();
    const log = await readFile(cluster.logFile, 'utf8').catch(() => '');
    const restored = [...log.matchAll(/restored log file "([0-9A-F]{24})" from archive/g)]
      .map((m) => m[1] ?? '')
      .sort();
    const lastRestored = restored[restored.length - 1];
    const timeline = (lastRestored ?? backup.stopWalFile).slice(0, 8);
    const archived = (await readdir(this.options.archiveDir).catch(() => [] as string[]))
      .filter((f) => /^[0-9A-F]{24}$/.test(f) && f.startsWith(timeline))
      .sort();
    const newer = lastRestored
      ? archived.filter((f) => f > lastRestored)
      : archived.filter((f) => f >= backup.stopWalFile);
    const details = {
      restoredSegments: restored.length,
      lastRestored: lastRestored ?? null,
      archivedSegments: archived.length,
      newerInArchive: newer.length,
    };
    if (newer.length === 0) {
      return {
        id: 'restore.wal-continuity',
        category: 'restore',
        status: 'passed',
        message: `replayed ${restored.length} archived WAL segments up to ${lastRestored ?? backup.stopWalFile}, the newest in the archive`,
        durationMs: Date.now() - started,
        details,
      };
    }
    const missing = nextSegment(lastRestored ?? backup.stopWalFile);
    return {
      id: 'restore.wal-continuity',
      category: 'restore',
      status: 'failed',
      message:
        `recovery stopped after ${lastRestored ?? '(no segment)'}: WAL segment ${missing} is missing from ` +
        `the archive, but ${newer.length} newer segment(s) exist — every write after the gap is lost`,
      durationMs: Date.now() - started,
      details: { ...details, missing },
    };
  }
}

async function exitedEarly(entry: RestoreEntry, cluster: PostgresCluster): Promise<string> {
  const pid = entry.pids[0] ?? '?';
  return `the restored PostgreSQL server (pid ${pid}) exited before it became available; its log ends:\n${await cluster.tailLog(5)}`;
}

function recoverySettings(archiveDir: string, target: string): PostgresSettings {
  const settings: PostgresSettings = {
    archive_mode: false,
    restore_command: `cp '${archiveDir}/%f' '%p'`,
    recovery_target_timeline: 'latest',
    // No read-only connections during replay: the server accepts connections once it is a writable primary.
    hot_standby: false,
  };
  if (target === 'immediate') return { ...settings, recovery_target: 'immediate', recovery_target_action: 'promote' };
  if (target !== 'latest') return { ...settings, recovery_target_time: target, recovery_target_action: 'promote' };
  return settings;
}

/** The WAL file name after `name` (24 hex digits: timeline, log, segment), for 1 MB to 1 GB segments alike it is approximate at log boundaries; good enough for a message. */
function nextSegment(name: string): string {
  const timeline = name.slice(0, 8);
  const value = BigInt(`0x${name.slice(8, 16)}`) * 0x100000000n + BigInt(`0x${name.slice(16)}`) + 1n;
  const log = (value / 0x100000000n).toString(16).toUpperCase().padStart(8, '0');
  const seg = (value % 0x100000000n).toString(16).toUpperCase().padStart(8, '0');
  return `${timeline}${log}${seg}`;
}
