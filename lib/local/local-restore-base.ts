import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
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

export interface BaseBackupMeta {
  readonly label: string;
  readonly startLsn: string;
  readonly stopLsn: string;
  readonly stopWalFile: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly bytes: number;
}

/**
 * One restore: its data directory (the copied base backup with its recovery settings: the storage) and, once
 * started, the server on it (what answers queries). An instance restore starts the server right after the copy; a
 * cluster restore starts it as the separate "add the instance" step.
 */
export interface RestoreEntry {
  readonly handle: RestoreHandle;
  readonly rootDir: string;
  readonly backup: BaseBackupMeta;
  /** The copy and the recovery settings, not started. */
  readonly prepared: Promise<PostgresCluster>;
  /** The start and the replay, once asked for. */
  server?: Promise<PostgresCluster>;
  state: 'copying' | 'copied' | 'recovering' | 'started' | 'failed' | 'deleted';
  error?: string;
  started?: PostgresCluster;
  pids: number[];
  /** Phase timings, for the benchmark. */
  readonly timings: { began: number; copied?: number; accepting?: number; restoreBytes?: number };
}

/** A restored server that accepts connections and has left recovery: what `describeRestore` reports on. */
export interface RunningRestore {
  readonly cluster: PostgresCluster;
  readonly version: string;
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
 * What every local `RestoreProvider` shares: the point-in-time restore RDS performs, with PostgreSQL's own
 * machinery. Restoring copies the chosen base backup into a new directory with `recovery.signal` and a
 * `restore_command` over the WAL archive; starting the server replays the archive to its end (or to a PITR target)
 * and promotes it. Each call is short, as in AWS: the copy and the replay run in the background and the
 * subclass's `describeRestore` reports on them.
 */
export abstract class LocalRestoreBase implements RestoreProvider {
  readonly name = 'local';
  protected readonly restores = new Map<string, RestoreEntry>();

  constructor(protected readonly options: LocalRestoreProviderOptions) {}

  abstract startRestore(source: RecoverySource, drillId: string): Promise<RestoreHandle>;
  abstract describeRestore(handle: RestoreHandle): Promise<RestoreStatus>;
  abstract deleteRestored(handle: RestoreHandle): Promise<void>;
  abstract describeDeletion(handle: RestoreHandle): Promise<DeletionStatus>;

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

  async connection(handle: RestoreHandle): Promise<DatabaseConnection> {
    const cluster = this.restores.get(handle.id)?.started;
    if (!cluster) throw new Error(`restore ${handle.id} is not running`);
    return { url: cluster.url(this.options.database), display: `127.0.0.1:${cluster.port}/${this.options.database}` };
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

  /**
   * Restore the data: copy the base backup into `restoresDir/restore-<drill id>` with its recovery settings, in the
   * background. Idempotent per drill id (a retried start does not restore twice): the known entry is returned.
   */
  protected async restoreData(source: RecoverySource, drillId: string): Promise<RestoreEntry> {
    const id = `restore-${drillId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const known = this.restores.get(id);
    if (known) return known;
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
    const timings: RestoreEntry['timings'] = { began: Date.now() };
    const prepared = (async () => {
      const owner = await serverUser();
      timings.restoreBytes = await copyTree(path.join(backup.dir, 'data'), dataDir, { own: (f) => owner.own(f) });
      timings.copied = Date.now();
      await writeFile(path.join(dataDir, 'recovery.signal'), '');
      return PostgresCluster.fromDataDir(
        rootDir,
        dataDir,
        { ...this.options.settings, ...recoverySettings(this.options.archiveDir, target) },
        { filesOwned: true },
      );
    })();
    const entry: RestoreEntry = {
      handle: { id, details: { baseBackup: source.id } },
      rootDir,
      backup,
      prepared,
      state: 'copying',
      timings,
      pids: [],
    };
    prepared.then(
      () => {
        if (entry.state === 'copying') entry.state = 'copied';
      },
      (error: unknown) => this.failed(entry, error),
    );
    this.restores.set(id, entry);
    return entry;
  }

  /** Start the server on the restored data (in the background, after the copy): it replays WAL and promotes. */
  protected startServer(entry: RestoreEntry): void {
    if (entry.server) return;
    entry.server = (async () => {
      const cluster = await entry.prepared;
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
    entry.server.catch((error: unknown) => this.failed(entry, error));
  }

  /**
   * One look at a started restore: still on its way (`pending`), dead (`failed`), or running out of recovery.
   * A dead server never becomes available: that is said at once rather than polled until the restore timeout.
   */
  protected async probe(entry: RestoreEntry): Promise<RestoreStatus | RunningRestore> {
    if (entry.state === 'failed') return { state: 'failed', reason: entry.error ?? 'unknown error' };
    if (entry.state === 'copying') return { state: 'pending', detail: 'copying the base backup' };
    if (!entry.started) return { state: 'pending', detail: 'replaying archived WAL' };
    const cluster = entry.started;
    if (!cluster.isRunning()) {
      this.failed(entry, new Error(await exitedEarly(entry, cluster)));
      return { state: 'failed', reason: entry.error ?? 'the restored server exited' };
    }
    const client = new Client({ connectionString: cluster.url(this.options.database) });
    try {
      await client.connect();
      const { rows } = await client.query<{ recovering: boolean; version: string }>(
        "SELECT pg_is_in_recovery() AS recovering, current_setting('server_version') AS version",
      );
      const row = rows[0];
      if (!row || row.recovering) return { state: 'pending', detail: 'still in recovery' };
      return { cluster, version: row.version };
    } catch (error) {
      return { state: 'pending', detail: `not accepting connections yet: ${(error as Error).message}` };
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /**
   * Did recovery replay every segment the archive holds? Recovery to "latest" ends at the first segment
   * `restore_command` cannot fetch; if newer segments exist, the archive has a gap and writes after it are lost.
   */
  protected async walContinuity(cluster: PostgresCluster, backup: BaseBackupMeta): Promise<EvidenceCheck> {
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

  private failed(entry: RestoreEntry, error: unknown): void {
    if (entry.state === 'deleted') return;
    entry.state = 'failed';
    entry.error ??= error instanceof Error ? error.message : String(error);
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
}

/** Whether `probe` found the restore running out of recovery. */
export function isRunning(status: RestoreStatus | RunningRestore): status is RunningRestore {
  return 'cluster' in status;
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
