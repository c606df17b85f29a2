import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { systemClock } from '../../engines/common/clock';
import type { EvidenceDocument } from '../../engines/evidence/schema';
import { FileEvidenceStore } from '../../engines/evidence/store';
import { createRng, insertPharmacyActivity, seedDatabase } from '../seed';
import { serverVersion, startArchivingPrimary } from './local-primary';
import type { PostgresCluster } from './postgres-cluster';
import { ProcessGuard } from './process-guard';
import { waitUntil } from './processes';
import { serverUser } from './server-user';
import type { UnitWriter, WriteLoad, WriteLoadStats } from './write-load';
import { DEFAULT_EVIDENCE_DIR } from './evidence-dir';

/**
 * What the local drill and the local failover have in common: the run's workspace and process guard, the
 * archiving primary, the seed, the write load's unit, the disaster (SIGKILL the primary), evidence and timing.
 */

export { TOOL_VERSION } from '../project-root';
export { DEFAULT_EVIDENCE_DIR };
export const LOCAL_DATABASE = 'pharmacy';

export interface LocalRunProgress {
  readonly phase: string;
  readonly durationMs: number;
  readonly detail?: string;
}

export interface LocalRunResult {
  readonly evidence: EvidenceDocument;
  readonly evidenceLocation?: string;
  /** Why the evidence could not be written: the run then counts as failed, whatever it found. */
  readonly evidenceError?: string;
  /** The run's directory (gone unless kept). */
  readonly workspace: string;
  /** Every process id the run started: servers (postmaster and children seen) and the watchdog. */
  readonly pids: number[];
  /** With `--keep`: how to reach what was kept. */
  readonly kept?: { readonly url: string; readonly dataDir: string; readonly stop: string };
}

export type PhaseTimer = ReturnType<typeof phaseTimer>;

/** A run's directory, the guard that kills its servers if the run dies, and the process ids seen so far. */
export interface LocalWorkspace {
  readonly workspace: string;
  readonly guard: ProcessGuard;
  readonly pids: Set<number>;
}

/** Runs named phases, reports each with its duration, and remembers the durations for evidence metrics. */
export function phaseTimer(onProgress?: (progress: LocalRunProgress) => void) {
  const durations: Record<string, number> = {};
  const timer = async <T>(phase: string, body: () => Promise<[T, string?]>): Promise<T> => {
    const began = Date.now();
    try {
      const [value, detail] = await body();
      durations[`${phase}Ms`] = Date.now() - began;
      onProgress?.({ phase, durationMs: Date.now() - began, detail });
      return value;
    } catch (error) {
      onProgress?.({ phase, durationMs: Date.now() - began, detail: `FAILED: ${(error as Error).message}` });
      throw error;
    }
  };
  return Object.assign(timer, { durations: () => ({ ...durations }) });
}

export async function makeWorkspace(baseDir?: string): Promise<string> {
  const workspace = await mkdtemp(path.join(baseDir ?? tmpdir(), 'rxdr-local-'));
  await (await serverUser()).own(workspace);
  return workspace;
}

/** A fresh workspace under `baseDir`, watched by a process guard; `pids` starts with the guard's own. */
export async function openWorkspace(baseDir?: string): Promise<LocalWorkspace> {
  const workspace = await makeWorkspace(baseDir);
  const guard = ProcessGuard.start(workspace);
  guard.watchDir(workspace);
  const pids = new Set<number>(guard.pid ? [guard.pid] : []);
  return { workspace, guard, pids };
}

export async function makeServerDir(workspace: string, name: string): Promise<string> {
  const dir = path.join(workspace, name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await (await serverUser()).own(dir);
  return dir;
}

/** Start the primary that archives its WAL to `archiveDir`; its server pids join `run.pids`. The detail names version, source, pid and workspace. */
export async function startPrimary(
  run: LocalWorkspace,
  archiveDir: string,
  archiveTimeoutSeconds: number,
): Promise<{ cluster: PostgresCluster; detail: string }> {
  const cluster = await startArchivingPrimary({
    baseDir: run.workspace,
    archiveDir,
    archiveTimeoutSeconds,
    guard: run.guard,
    database: LOCAL_DATABASE,
  });
  const serverPids = await cluster.serverPids();
  serverPids.forEach((pid) => run.pids.add(pid));
  const version = await serverVersion(cluster.url());
  return {
    cluster,
    detail: `PostgreSQL ${version} (${cluster.binaries.source}) pid ${serverPids[0]} in ${run.workspace}`,
  };
}

/**
 * The `seed` phase; returns the number of prescriptions seeded. If the primary dies meanwhile, the phase
 * fails with a message saying so (the connection's own error event would otherwise crash the process).
 */
export async function seedPhase(
  progress: PhaseTimer,
  primary: PostgresCluster,
  options: { readonly prescriptions?: number; readonly seed?: number },
): Promise<number> {
  const prescriptions = options.prescriptions ?? 5000;
  await progress('seed', async () => {
    const client = new Client({ connectionString: primary.url(LOCAL_DATABASE) });
    client.on('error', () => undefined); // the failing query reports it
    try {
      await client.connect();
      const result = await seedDatabase({ client, prescriptions, seed: options.seed ?? 1 });
      const rows = Object.values(result.rows).reduce((a, b) => a + b, 0);
      return [result, `${prescriptions} prescriptions, ${rows} rows`];
    } catch (error) {
      throw await explainSetupFailure(primary, error, 'while seeding');
    } finally {
      await client.end().catch(() => undefined);
    }
  });
  return prescriptions;
}

export interface Disaster {
  readonly at: Date;
  readonly stats: WriteLoadStats;
  /**
   * The RPO reference: the newest write that may have been committed. That is the newest acknowledged one,
   * or the unit in flight when the server died if it is newer (its COMMIT may have landed without the
   * acknowledgement reaching the client, and then the restore holds it). Measured against this, the
   * achieved RPO is an upper bound, never negative.
   */
  readonly newestWrite: Date;
  /** How many server processes were killed. */
  readonly killed: number;
}

/**
 * A setup step failed: when the primary is gone, say that rather than the client error it caused. (The
 * connection can break a moment before the killed server's process is gone: give it a second.)
 */
export async function explainSetupFailure(
  primary: PostgresCluster | undefined,
  error: unknown,
  during: string,
): Promise<Error> {
  const original = error instanceof Error ? error : new Error(String(error));
  if (!primary || original.message.startsWith(PRIMARY_STOPPED)) return original;
  const stopped = await waitUntil(() => !primary.isRunning(), 1000);
  return stopped ? new Error(`${PRIMARY_STOPPED} ${during} (${original.message})`) : original;
}

const PRIMARY_STOPPED = 'the primary PostgreSQL server stopped';

/** The disaster: SIGKILL the primary mid-load, then stop the load; the newest acknowledged write is the RPO reference. */
export async function killPrimary(primary: PostgresCluster, load: WriteLoad, pids: Set<number>): Promise<Disaster> {
  const killed = await primary.kill();
  const at = new Date();
  killed.forEach((pid) => pids.add(pid));
  const stats = await load.stop();
  const acknowledged = stats.lastCommittedAt;
  if (!acknowledged) throw new Error('the write load committed nothing before the disaster');
  const newestWrite =
    stats.unacknowledgedAt && stats.unacknowledgedAt > acknowledged ? stats.unacknowledgedAt : acknowledged;
  return { at, stats, newestWrite, killed: killed.length };
}

/** The command a user runs to stop a kept server: as the server user, which is not root. */
export async function stopCommand(pgCtl: string, dataDir: string): Promise<string> {
  return (await serverUser()).shellCommand(`${pgCtl} stop -D ${dataDir}`);
}

/** Where evidence goes: `null` writes none. */
export function evidenceStore(evidenceDir: string | null | undefined): FileEvidenceStore | undefined {
  return evidenceDir === null ? undefined : new FileEvidenceStore(evidenceDir ?? DEFAULT_EVIDENCE_DIR);
}

export function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted)
    throw new Error(`aborted: ${signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? '')}`);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return systemClock.sleep(ms, signal);
}

/** One unit of dispensing activity per transaction, from the validation engine's activity helper. */
export function pharmacyUnitWriter(seed: number): UnitWriter {
  const rng = createRng(seed + 7919);
  return async (client: Client, at: Date) => {
    await client.query('BEGIN');
    try {
      await insertPharmacyActivity(client, rng, { now: at });
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  };
}

export function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
