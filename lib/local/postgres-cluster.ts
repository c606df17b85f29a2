import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { findFreePort } from './free-port';
import { initdbOrCopy } from './initdb-template';
import { PostgresBinaries, resolvePostgresBinaries } from './postgres-binaries';
import { childPids, isProcessAlive, waitUntil } from './processes';
import { serverUser, ServerUser } from './server-user';

const execFileAsync = promisify(execFile);

/** Values written to the cluster's `rxdr.conf` (included from postgresql.conf) before each start. */
export type PostgresSettings = Record<string, string | number | boolean>;

export interface CreateClusterOptions {
  /** Parent directory for the cluster's temporary directory. @default os.tmpdir() */
  readonly baseDir?: string;
  /** Settings applied on every start. @default fast, non-durable test settings (fsync off) */
  readonly settings?: PostgresSettings;
  /** WAL segment size in MB: small segments keep WAL archives small. @default 16 */
  readonly walSegmentSizeMb?: number;
  readonly binaries?: PostgresBinaries;
}

const DEFAULT_SETTINGS: PostgresSettings = {
  listen_addresses: '127.0.0.1',
  unix_socket_directories: '',
  fsync: false,
  synchronous_commit: false,
  full_page_writes: true,
  max_connections: 100,
  shared_buffers: '128MB',
};

/**
 * A throwaway PostgreSQL cluster driven through initdb/pg_ctl. Used by the test fixture, the local drill
 * (primary, restored copies, standbys) and the benchmarks. When running as root the server runs as an
 * unprivileged user, since PostgreSQL refuses to run as root.
 */
export class PostgresCluster {
  /** initdb a new cluster in a fresh temporary directory (not started); see `initdbOrCopy`. */
  static async create(options: CreateClusterOptions = {}): Promise<PostgresCluster> {
    const binaries = options.binaries ?? resolvePostgresBinaries();
    const user = await serverUser();
    const rootDir = await mkdtemp(path.join(options.baseDir ?? tmpdir(), 'rxdr-pg-'));
    await user.own(rootDir);
    const cluster = new PostgresCluster(rootDir, path.join(rootDir, 'data'), binaries, user, {
      ...DEFAULT_SETTINGS,
      ...options.settings,
    });
    const initdbOptions = ['-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'];
    if (options.walSegmentSizeMb) initdbOptions.push(`--wal-segsize=${options.walSegmentSizeMb}`);
    await initdbOrCopy({
      initdbBinary: binaries.initdb,
      options: initdbOptions,
      dataDir: cluster.dataDir,
      initdb: () => cluster.run(binaries.initdb, ['-D', cluster.dataDir, ...initdbOptions]),
    });
    await appendFile(path.join(cluster.dataDir, 'postgresql.conf'), "\ninclude_if_exists = 'rxdr.conf'\n");
    return cluster;
  }

  /**
   * A cluster over an existing data directory (a restored base backup or a standby copy). The caller owns
   * `rootDir`; `destroy()` removes it.
   */
  static async fromDataDir(
    rootDir: string,
    dataDir: string,
    settings: PostgresSettings = {},
    options: {
      binaries?: PostgresBinaries;
      /** The data directory's files already belong to the server user (copied with an owner): skip the walk. */
      filesOwned?: boolean;
    } = {},
  ): Promise<PostgresCluster> {
    const binaries = options.binaries ?? resolvePostgresBinaries();
    const user = await serverUser();
    await user.own(rootDir, { recursive: !options.filesOwned });
    const conf = path.join(dataDir, 'postgresql.conf');
    const text = await readFile(conf, 'utf8');
    if (!text.includes("include_if_exists = 'rxdr.conf'"))
      await appendFile(conf, "\ninclude_if_exists = 'rxdr.conf'\n");
    return new PostgresCluster(rootDir, dataDir, binaries, user, { ...DEFAULT_SETTINGS, ...settings });
  }

  private portNumber: number | undefined;

  private constructor(
    /** Directory that holds everything of this cluster (data, log, archives the caller puts there). */
    readonly rootDir: string,
    readonly dataDir: string,
    readonly binaries: PostgresBinaries,
    readonly user: ServerUser,
    private settings: PostgresSettings,
  ) {}

  get port(): number {
    if (this.portNumber === undefined) throw new Error('cluster not started: no port yet');
    return this.portNumber;
  }

  get logFile(): string {
    return path.join(this.rootDir, 'postgres.log');
  }

  /** Connection URL for a database on this cluster (superuser `postgres`, trust auth on loopback). */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }

  /** Add or change settings for the next start. */
  configure(settings: PostgresSettings): void {
    this.settings = { ...this.settings, ...settings };
  }

  /** Start and wait until the server accepts connections (`pg_ctl -w`; a standby accepts read-only ones). */
  async start(options: { port?: number; timeoutSeconds?: number } = {}): Promise<void> {
    this.portNumber = options.port ?? this.portNumber ?? (await findFreePort());
    const conf = Object.entries({ ...this.settings, port: this.portNumber })
      .map(([key, value]) => `${key} = ${formatSetting(value)}`)
      .join('\n');
    await writeFile(path.join(this.dataDir, 'rxdr.conf'), conf + '\n');
    await this.user.own(path.join(this.dataDir, 'rxdr.conf'));
    try {
      await this.run(this.binaries.pgCtl, [
        'start',
        '-w',
        '-t',
        String(options.timeoutSeconds ?? 120),
        '-D',
        this.dataDir,
        '-l',
        this.logFile,
      ]);
    } catch (error) {
      throw new Error(
        `PostgreSQL did not start (data ${this.dataDir}): ${(error as Error).message}\n--- last log lines ---\n${await this.tailLog()}`,
      );
    }
  }

  /**
   * Wait until the server accepts a write-capable connection: recovery finished (`pg_is_in_recovery()` is
   * false). `pg_ctl start -w` returns as soon as the postmaster is up, which during archive recovery (with
   * `hot_standby` off) is before replay ends.
   */
  async waitUntilWritable(timeoutSeconds = 600): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    let last = 'not tried';
    while (Date.now() < deadline) {
      if (!this.isRunning())
        throw new Error(`PostgreSQL exited during recovery (data ${this.dataDir}):\n${await this.tailLog(5)}`);
      const client = new Client({ connectionString: this.url(), connectionTimeoutMillis: 5000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        const { rows } = await client.query<{ recovering: boolean }>('SELECT pg_is_in_recovery() AS recovering');
        if (rows[0]?.recovering === false) return;
        last = 'still in recovery';
      } catch (error) {
        last = (error as Error).message;
      } finally {
        await client.end().catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(
      `PostgreSQL did not finish recovery within ${timeoutSeconds} s (${last}):\n${await this.tailLog(5)}`,
    );
  }

  /** Stop the server. `immediate` skips the shutdown checkpoint (like a crash, but clean for the OS). */
  async stop(mode: 'smart' | 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.isRunning()) return;
    await this.run(this.binaries.pgCtl, ['stop', '-w', '-m', mode, '-D', this.dataDir]);
  }

  /**
   * The disaster: SIGKILL the postmaster and every server process at once, as if the machine died. (Killing
   * only the postmaster would let a backend that has not yet noticed still commit a transaction.)
   * Returns the pids it killed.
   */
  async kill(): Promise<number[]> {
    const pid = await this.postmasterPid();
    if (pid === undefined || !isProcessAlive(pid)) return [];
    const pids = [pid, ...(await childPids(pid))];
    for (const target of pids) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await waitUntil(() => pids.every((target) => !isProcessAlive(target)), 10_000);
    return pids;
  }

  /** The postmaster and its children (backends, archiver, walsender…), for tracking and leak checks. */
  async serverPids(): Promise<number[]> {
    const pid = await this.postmasterPid();
    if (pid === undefined || !isProcessAlive(pid)) return [];
    return [pid, ...(await childPids(pid))];
  }

  /** Promote a standby to primary and wait until it accepts writes. */
  async promote(): Promise<void> {
    await this.run(this.binaries.pgCtl, ['promote', '-w', '-D', this.dataDir]);
  }

  /** A postmaster.pid exists and its process is alive (after `kill()` the stale file stays behind). */
  isRunning(): boolean {
    const file = path.join(this.dataDir, 'postmaster.pid');
    if (!existsSync(file)) return false;
    try {
      const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 && isProcessAlive(pid);
    } catch {
      return false;
    }
  }

  /** The postmaster's process id, read from postmaster.pid. */
  async postmasterPid(): Promise<number | undefined> {
    try {
      const first = (await readFile(path.join(this.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0];
      const pid = Number(first);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Stop (immediately) and delete every file of the cluster. Safe to call more than once. */
  async destroy(): Promise<void> {
    if (this.isRunning()) {
      await this.stop('immediate').catch(() => this.kill());
    }
    await rm(this.rootDir, { recursive: true, force: true });
  }

  /** Create a directory inside the cluster's root that the server can write (e.g. a WAL archive). */
  async makeServerDir(name: string): Promise<string> {
    const dir = path.join(this.rootDir, name);
    await mkdir(dir, { recursive: true });
    await this.user.own(dir);
    return dir;
  }

  async tailLog(lines = 20): Promise<string> {
    try {
      return (await readFile(this.logFile, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  private async run(file: string, args: string[]): Promise<void> {
    await execFileAsync(file, args, { ...this.user.spawnOptions(), timeout: 180_000 });
  }
}

function formatSetting(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') return String(value);
  return `'${value.replace(/'/g, "''")}'`;
}

export { isProcessAlive } from './processes';
