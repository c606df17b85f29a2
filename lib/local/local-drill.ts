import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import { runDrill, DrillPhase, type DrillRun } from '../../engines/drill/run';
import type { DrillState } from '../../engines/drill/steps';
import { systemClock } from '../../engines/common/clock';
import type { DrillValidator } from '../../engines/drill/validator';
import { Manifest } from '../../engines/validation';
import { buildChunkedManifest } from '../../engines/validation/chunks/manifest';
import { takeBaseBackup } from './base-backup';
import type { LocalEngine } from './local-engines';
import { recordBaseBackup, BaseBackupMeta } from './local-restore-provider';
import { localRestoreProvider } from './restore-provider-for';
import {
  checkAborted,
  evidenceStore,
  explainSetupFailure,
  killPrimary,
  LocalRunProgress,
  LocalRunResult,
  LOCAL_DATABASE,
  makeServerDir,
  openWorkspace,
  pharmacyUnitWriter,
  phaseTimer,
  safeUser,
  seedPhase,
  sleep,
  startPrimary,
  stopCommand,
  TOOL_VERSION,
} from './local-run';
import type { PostgresCluster } from './postgres-cluster';
import { serverUser } from './server-user';
import { engineValidator } from './validation-adapter';
import { UnitWriter, WriteLoad } from './write-load';

export { DEFAULT_EVIDENCE_DIR, LOCAL_DATABASE } from './local-run';
export type { LocalRunProgress, LocalRunResult } from './local-run';

export interface LocalDrillOptions {
  /** The protected database's engine: `aurora-postgresql` drills a cluster's steps. @default postgres */
  readonly engine?: LocalEngine;
  /** Prescriptions to seed (about 7 rows each). @default 5000 */
  readonly prescriptions?: number;
  /** Seeder PRNG seed. @default 1 */
  readonly seed?: number;
  /** Leave the restored cluster running and every directory in place. @default false */
  readonly keep?: boolean;
  /** Evidence directory; `null` writes none. @default `.rxdr/evidence` */
  readonly evidenceDir?: string | null;
  /** `archive_timeout`: the longest a committed write waits to be archived. @default 1 */
  readonly archiveTimeoutSeconds?: number;
  /** How long the load keeps writing after the base backup before the disaster. @default 3 */
  readonly loadSecondsAfterBackup?: number;
  /** RTO target of the local drill. @default 300 */
  readonly rtoTargetSeconds?: number;
  /** RPO target. @default archiveTimeoutSeconds + 1 */
  readonly rpoTargetSeconds?: number;
  /** Parent of the run's workspace directory. @default os.tmpdir() */
  readonly baseDir?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: LocalRunProgress) => void;
  /** Test and fault-injection hooks. */
  readonly hooks?: LocalDrillHooks;
}

/** Where a restore reads base backups and archived WAL from (the recovery store, or a copy of it). */
export interface RestoreStore {
  readonly backupsDir: string;
  readonly archiveDir: string;
  /** Added to the evidence's `source.details`. */
  readonly details?: Readonly<Record<string, string>>;
}

export interface LocalDrillHooks {
  /** After the base backup is recorded, before the disaster: e.g. lock the recovery store. */
  afterBackup?(context: { workspace: string; backupsDir: string; archiveDir: string }): Promise<void>;
  /**
   * After the disaster, before the restore: e.g. remove an archived segment to make a WAL gap. May name another
   * store to restore from (a game day's isolated copy).
   */
  beforeRestore?(context: {
    workspace: string;
    archiveDir: string;
    backupsDir: string;
    backup: BaseBackupMeta;
  }): Promise<void | RestoreStore>;
  /** After the drill (restore, validation, cleanup of the restore), before the run's own cleanup. */
  afterDrill?(drill: DrillRun): Promise<void>;
  /** Replace the validator (e.g. one that throws, to simulate a crash mid-drill). */
  validator?(manifest: Manifest): DrillValidator;
  /** Replace the unit of write load. */
  unitWriter?: UnitWriter;
}

/**
 * The local restore drill: primary with WAL archiving → seed → write load → base backup → manifest →
 * disaster (SIGKILL the server mid-load) → the shared drill steps over `LocalRestoreProvider` (restore the
 * base backup, replay the archive to its end, validate with the engine and manifest, delete) → evidence.
 */
export async function runLocalDrill(options: LocalDrillOptions = {}): Promise<LocalRunResult> {
  const archiveTimeoutSeconds = options.archiveTimeoutSeconds ?? 1;
  const progress = phaseTimer(options.onProgress);
  const run = await openWorkspace(options.baseDir);
  const { workspace, guard, pids } = run;
  let primary: PostgresCluster | undefined;
  let load: WriteLoad | undefined;
  let keptResult: LocalRunResult['kept'];
  let disasterStruck = false; // before it, a dead primary is a setup failure
  try {
    const archiveDir = await makeServerDir(workspace, 'wal-archive');
    const backupsDir = await makeServerDir(workspace, 'base-backups');
    const restoresDir = await makeServerDir(workspace, 'restores');

    primary = await progress('primary', async () => {
      const { cluster, detail } = await startPrimary(run, archiveDir, archiveTimeoutSeconds);
      return [cluster, `${detail}, archive_timeout ${archiveTimeoutSeconds} s`];
    });
    const url = primary.url(LOCAL_DATABASE);
    const primaryUrl = primary.url();
    const primaryDataDir = primary.dataDir;
    const primaryCluster = primary;
    checkAborted(options.signal);

    const prescriptions = await seedPhase(progress, primary, options);
    checkAborted(options.signal);

    const writeLoad = await progress('write-load', async () => {
      const started = await WriteLoad.start(url, options.hooks?.unitWriter ?? pharmacyUnitWriter(options.seed ?? 1));
      await started.waitForCommits(5);
      return [started, 'one connection committing units of dispensing activity back to back'];
    });
    load = writeLoad;

    const backup = await progress('base-backup', async () => {
      const dir = path.join(backupsDir, 'backup-1');
      const taken = await takeBaseBackup({
        url: primaryUrl,
        sourceDataDir: primaryDataDir,
        targetDataDir: path.join(dir, 'data'),
        label: `rxdr-local-${Date.now()}`,
        owner: await serverUser(),
      });
      await recordBaseBackup(dir, taken);
      return [taken, `${(taken.bytes / 1e6).toFixed(1)} MB, WAL ${taken.startLsn} → ${taken.stopLsn}`];
    });
    await options.hooks?.afterBackup?.({ workspace, backupsDir, archiveDir });
    checkAborted(options.signal);

    const manifest = await progress('manifest', async () => {
      // Cut-off a little in the past: every row stamped before it has committed (the load's units take ms).
      const built = await buildChunkedManifest({ url, cutoff: new Date(Date.now() - 1000) });
      return [built, `${built.tables.length} tables, cut-off ${built.cutoff}`];
    });

    await progress('load-after-backup', async () => {
      const before = writeLoad.stats.commits;
      await sleep((options.loadSecondsAfterBackup ?? 3) * 1000, options.signal);
      return [undefined, `${writeLoad.stats.commits - before} more units committed while WAL was archived`];
    });
    checkAborted(options.signal);

    disasterStruck = true;
    const disaster = await progress('disaster', async () => {
      const killed = await killPrimary(primaryCluster, writeLoad, pids);
      return [
        killed,
        `SIGKILL to ${killed.killed} server processes; ${killed.stats.commits} units committed, newest at ${killed.newestWrite.toISOString()}`,
      ];
    });

    const store =
      (await options.hooks?.beforeRestore?.({ workspace, archiveDir, backupsDir, backup: backupMeta(backup) })) ??
      undefined;

    const rpoTarget = options.rpoTargetSeconds ?? archiveTimeoutSeconds + 1;
    const provider = localRestoreProvider(options.engine, {
      backupsDir: store?.backupsDir ?? backupsDir,
      archiveDir: store?.archiveDir ?? archiveDir,
      ...(store?.details ? { sourceDetails: store.details } : {}),
      restoresDir,
      sourceDatabase: `local-primary:${primary.port}`,
      database: LOCAL_DATABASE,
      latestRestorableTime: () => disaster.newestWrite,
      guard,
    });
    const drillId = `local-${new Date()
      .toISOString()
      .replace(/[-:.TZ]/g, '')
      .slice(0, 14)}-${randomBytes(3).toString('hex')}`;
    const restoreProvider = provider;
    const drill = await runDrill(
      {
        drillId,
        environment: 'local',
        database: LOCAL_DATABASE,
        tier: 1,
        targets: { rtoSeconds: options.rtoTargetSeconds ?? 300, rpoSeconds: rpoTarget },
        selector: { kind: 'latest' },
        startedBy: `local:${safeUser()}`,
        toolVersion: TOOL_VERSION,
        disasterAt: disaster.at.toISOString(),
        restoreTimeoutSeconds: 600,
        // Local calls are cheap: look often (AWS uses seconds to minutes).
        poll: { initialSeconds: 0.05, factor: 1.5, maxSeconds: 0.5 },
        keep: options.keep,
      },
      {
        provider,
        validator: options.hooks?.validator?.(manifest) ?? engineValidator(manifest, { rpoTargetSeconds: rpoTarget }),
        clock: systemClock,
        signal: options.signal,
        evidence: evidenceStore(options.evidenceDir),
        metrics: () => ({
          prescriptions,
          unitsCommitted: disaster.stats.commits,
          ...progress.durations(),
          ...restoreProvider.restoreMetrics(),
        }),
        onPhase: (phase, durationMs, state) =>
          options.onProgress?.({ phase: `drill:${phase}`, durationMs, detail: phaseDetail(phase, state) }),
      },
    );
    provider.startedPids().forEach((pid) => pids.add(pid));
    await options.hooks?.afterDrill?.(drill);
    const target = drill.state.available?.target;
    if (options.keep && target?.endpoint) {
      const dataDir = target.details?.dataDir ?? '';
      keptResult = {
        url: `postgres://postgres@${target.endpoint}/${LOCAL_DATABASE}`,
        dataDir,
        stop: await stopCommand(primary.binaries.pgCtl, dataDir),
      };
    }
    if (drill.evidenceError) options.onProgress?.({ phase: 'evidence', durationMs: 0, detail: drill.evidenceError });
    return {
      evidence: drill.evidence,
      evidenceLocation: drill.evidenceLocation,
      evidenceError: drill.evidenceError,
      workspace,
      pids: [...pids],
      kept: keptResult,
    };
  } catch (error) {
    throw disasterStruck ? error : await explainSetupFailure(primary, error, 'during setup');
  } finally {
    await progress('cleanup', async () => {
      await load?.stop().catch(() => undefined);
      await primary?.destroy().catch(() => undefined);
      if (!options.keep) {
        await rm(workspace, { recursive: true, force: true });
        guard.release();
        return [undefined, `removed ${workspace}`];
      }
      guard.release();
      return [undefined, `kept ${workspace}`];
    }).catch(() => undefined);
  }
}

function backupMeta(backup: {
  label: string;
  startLsn: string;
  stopLsn: string;
  stopWalFile: string;
  startedAt: Date;
  finishedAt: Date;
  bytes: number;
}): BaseBackupMeta {
  return { ...backup, startedAt: backup.startedAt.toISOString(), finishedAt: backup.finishedAt.toISOString() };
}

function phaseDetail(phase: DrillPhase, state: DrillState): string | undefined {
  switch (phase) {
    case 'pick-source':
      return state.source
        ? `base backup ${state.source.id}, recovery point ${state.source.recoveryPointTime}`
        : state.failure?.reason;
    case 'start-restore':
      return state.restore ? `restoring into ${state.restore.handle.id}` : state.failure?.reason;
    case 'wait-available':
      return state.available
        ? `accepting connections at ${state.available.target.endpoint} after ${state.restore?.polls} polls`
        : state.failure?.reason;
    case 'validate':
      return state.validation
        ? `${state.validation.checks.filter((c) => c.status === 'passed').length}/${state.validation.checks.length} checks passed, achieved RPO ${state.validation.achievedRpoSeconds ?? '?'} s`
        : state.failure?.reason;
    case 'cleanup':
      return state.cleanup
        ? `${state.cleanup.status}${state.cleanup.message ? `: ${state.cleanup.message}` : ''}`
        : undefined;
    default:
      return undefined;
  }
}
