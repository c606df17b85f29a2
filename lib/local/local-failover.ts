import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Client } from 'pg';
import { decideOutcome } from '../../engines/evidence/outcome';
import { EVIDENCE_SCHEMA_VERSION, EvidenceCheck, EvidenceCleanup, parseEvidence } from '../../engines/evidence/schema';
import { secondsBetween } from '../../engines/common/clock';
import { buildChunkedManifest } from '../../engines/validation/chunks/manifest';
import { takeBaseBackup } from './base-backup';
import type { LocalDrillOptions } from './local-drill';
import { serverVersion } from './local-primary';
import {
  checkAborted,
  evidenceStore,
  explainSetupFailure,
  killPrimary,
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
import { PostgresCluster } from './postgres-cluster';
import { waitUntil } from './processes';
import { engineValidator } from './validation-adapter';
import { WriteLoad } from './write-load';

export type LocalFailoverOptions = Omit<LocalDrillOptions, 'hooks'> & {
  hooks?: Pick<NonNullable<LocalDrillOptions['hooks']>, 'validator' | 'unitWriter'>;
};

/**
 * The local failover: a primary and a streaming standby (made from a base backup, `standby.signal` +
 * `primary_conninfo`) under write load; the primary is killed; the standby is promoted, validated with the
 * engine and manifest, and the achieved RTO (disaster → validated) and RPO recorded as failover evidence.
 */
export async function runLocalFailover(options: LocalFailoverOptions = {}): Promise<LocalRunResult> {
  const archiveTimeoutSeconds = options.archiveTimeoutSeconds ?? 1;
  const progress = phaseTimer(options.onProgress);
  const run = await openWorkspace(options.baseDir);
  const { workspace, guard, pids } = run;
  const startedAt = new Date();
  let primary: PostgresCluster | undefined;
  let standby: PostgresCluster | undefined;
  let load: WriteLoad | undefined;
  let kept: LocalRunResult['kept'];
  let disasterStruck = false; // before it, a dead primary is a setup failure
  try {
    const archiveDir = await makeServerDir(workspace, 'wal-archive');
    const primaryCluster = await progress('primary', async () => {
      const { cluster, detail } = await startPrimary(run, archiveDir, archiveTimeoutSeconds);
      return [cluster, detail];
    });
    primary = primaryCluster;
    const url = primaryCluster.url(LOCAL_DATABASE);
    const prescriptions = await seedPhase(progress, primaryCluster, options);
    checkAborted(options.signal);

    const standbyCluster = await progress('standby', async () => {
      const rootDir = await makeServerDir(workspace, 'standby');
      const dataDir = path.join(rootDir, 'data');
      guard.watchDataDir(dataDir);
      await takeBaseBackup({
        url: primaryCluster.url(),
        sourceDataDir: primaryCluster.dataDir,
        targetDataDir: dataDir,
        label: 'rxdr-standby',
      });
      await writeFile(path.join(dataDir, 'standby.signal'), '');
      const cluster = await PostgresCluster.fromDataDir(rootDir, dataDir, {
        primary_conninfo: `host=127.0.0.1 port=${primaryCluster.port} user=postgres application_name=rxdr_standby`,
        restore_command: `cp '${archiveDir}/%f' '%p'`,
        archive_mode: false,
        hot_standby: true,
        recovery_target_timeline: 'latest',
      });
      await cluster.start();
      const streaming = await waitUntil(() => isStreaming(primaryCluster.url()), 30_000, 100);
      if (!streaming)
        throw new Error(
          `the standby did not start streaming from the primary within 30 s:\n${await cluster.tailLog()}`,
        );
      const serverPids = await cluster.serverPids();
      serverPids.forEach((pid) => pids.add(pid));
      return [cluster, `streaming from the primary, pid ${serverPids[0]}`];
    });
    standby = standbyCluster;

    const manifest = await progress('manifest', async () => {
      const built = await buildChunkedManifest({ url, cutoff: new Date(Date.now() - 1000) });
      return [built, `${built.tables.length} tables, cut-off ${built.cutoff}`];
    });

    const writeLoad = await progress('write-load', async () => {
      const started = await WriteLoad.start(url, options.hooks?.unitWriter ?? pharmacyUnitWriter(options.seed ?? 1));
      await sleep((options.loadSecondsAfterBackup ?? 3) * 1000, options.signal);
      return [started, `${started.stats.commits} units committed while the standby streamed`];
    });
    load = writeLoad;
    checkAborted(options.signal);

    disasterStruck = true;
    const disaster = await progress('disaster', async () => {
      const killed = await killPrimary(primaryCluster, writeLoad, pids);
      return [
        killed,
        `SIGKILL to ${killed.killed} primary processes; newest acknowledged write ${killed.newestWrite.toISOString()}`,
      ];
    });

    // From the disaster on, a failure is the failover's result: it goes into the evidence, not an exception.
    const promotion = await progress<{ at?: Date; error?: string }>('promote', async () => {
      const error = await promoteStandby(standbyCluster);
      if (error) return [{ error }, `FAILED: ${error}`];
      return [{ at: new Date() }, `standby promoted, accepting writes at 127.0.0.1:${standbyCluster.port}`];
    });
    const available = promotion.at;

    const rpoTarget = options.rpoTargetSeconds ?? archiveTimeoutSeconds + 1;
    const validator =
      options.hooks?.validator?.(manifest) ?? engineValidator(manifest, { rpoTargetSeconds: rpoTarget });
    const validation = await progress<ValidationOutcome>('validate', async () => {
      if (promotion.error)
        return [
          { passed: false, checks: [], at: new Date(), error: 'skipped: the standby was not promoted' },
          'skipped: the standby was not promoted',
        ];
      try {
        const result = await validator.validate({
          connection: {
            url: standbyCluster.url(LOCAL_DATABASE),
            display: `127.0.0.1:${standbyCluster.port}/${LOCAL_DATABASE}`,
          },
          recoveryPointTime: disaster.newestWrite,
          database: LOCAL_DATABASE,
        });
        return [
          {
            passed: result.passed,
            checks: result.checks,
            achievedRpoSeconds: result.achievedRpoSeconds,
            at: new Date(),
          },
          `${result.checks.filter((c) => c.status === 'passed').length}/${result.checks.length} checks passed, achieved RPO ${result.achievedRpoSeconds ?? '?'} s`,
        ];
      } catch (error) {
        return [
          { passed: false, checks: [], achievedRpoSeconds: undefined, at: new Date(), error: (error as Error).message },
          `FAILED: ${(error as Error).message}`,
        ];
      }
    });

    const version = await serverVersion(standbyCluster.url()).catch(() => undefined);
    const cleanup = await progress<EvidenceCleanup>('cleanup', async () => {
      const resources = [primaryCluster.rootDir, standbyCluster.rootDir];
      if (options.keep) {
        kept = {
          url: standbyCluster.url(LOCAL_DATABASE),
          dataDir: standbyCluster.dataDir,
          stop: await stopCommand(standbyCluster.binaries.pgCtl, standbyCluster.dataDir),
        };
        guard.forgetDir(workspace);
        return [{ status: 'kept', resources, message: `kept ${workspace}` }, `kept ${workspace}`];
      }
      await standbyCluster.destroy();
      await primaryCluster.destroy();
      return [{ status: 'deleted', resources }, 'stopped the standby and removed both clusters'];
    });
    const cleanedUp = new Date();

    const achievedRtoSeconds = validation.error ? undefined : secondsBetween(disaster.at, validation.at);
    const outcome = decideOutcome({
      targets: { rtoSeconds: options.rtoTargetSeconds ?? 300, rpoSeconds: rpoTarget },
      achievedRtoSeconds,
      achievedRpoSeconds: validation.achievedRpoSeconds,
      validation: validation.error ? undefined : validation,
      failure: promotion.error
        ? { step: 'promote', reason: promotion.error }
        : validation.error
          ? { step: 'validate', reason: `validation could not run: ${validation.error}` }
          : undefined,
    });
    const evidence = parseEvidence({
      schemaVersion: EVIDENCE_SCHEMA_VERSION,
      runId: `local-failover-${startedAt
        .toISOString()
        .replace(/[-:.TZ]/g, '')
        .slice(0, 14)}-${randomBytes(3).toString('hex')}`,
      kind: 'failover',
      environment: 'local',
      provider: 'local',
      database: LOCAL_DATABASE,
      tier: 1,
      targets: { rtoSeconds: options.rtoTargetSeconds ?? 300, rpoSeconds: rpoTarget },
      source: {
        id: 'rxdr_standby',
        kind: 'replica',
        recoveryPointTime: disaster.newestWrite.toISOString(),
        sourceDatabase: `local-primary:${primaryCluster.port}`,
      },
      target: {
        identifier: 'rxdr_standby',
        engine: 'postgres',
        engineVersion: version,
        endpoint: `127.0.0.1:${standbyCluster.port}`,
        encrypted: false,
        publiclyAccessible: false,
        network: 'loopback',
      },
      timestamps: {
        started: startedAt.toISOString(),
        disaster: disaster.at.toISOString(),
        available: available?.toISOString(),
        validated: validation.error ? undefined : validation.at.toISOString(),
        cleanedUp: cleanedUp.toISOString(),
        recorded: new Date().toISOString(),
      },
      achievedRtoSeconds,
      achievedRpoSeconds: validation.achievedRpoSeconds,
      result: outcome.result,
      failureReason: outcome.failureReason,
      failedStep: outcome.failedStep,
      checks: outcome.checks,
      cleanup,
      startedBy: `local:${safeUser()}`,
      toolVersion: TOOL_VERSION,
      metrics: { prescriptions, unitsCommitted: disaster.stats.commits, ...progress.durations() },
    });
    let evidenceLocation: string | undefined;
    let evidenceError: string | undefined;
    const store = evidenceStore(options.evidenceDir);
    try {
      if (store) evidenceLocation = await store.put(evidence);
    } catch (error) {
      evidenceError = `evidence could not be written: ${(error as Error).message}`;
    }
    return { evidence, evidenceLocation, evidenceError, workspace, pids: [...pids], kept };
  } catch (error) {
    throw disasterStruck ? error : await explainSetupFailure(primary, error, 'during setup');
  } finally {
    await load?.stop().catch(() => undefined);
    if (!options.keep) {
      await standby?.destroy().catch(() => undefined);
      await primary?.destroy().catch(() => undefined);
      await rm(workspace, { recursive: true, force: true });
    } else {
      await primary?.destroy().catch(() => undefined);
    }
    guard.release();
  }
}

/** Promote the standby and wait for it to accept writes; returns why that failed, or undefined. */
async function promoteStandby(standby: PostgresCluster): Promise<string | undefined> {
  const died = 'the standby PostgreSQL server is not running: it exited before it could be promoted';
  try {
    await standby.promote();
  } catch (error) {
    if (!standby.isRunning()) return died;
    const stderr = (error as { stderr?: string }).stderr?.trim();
    return `pg_ctl promote failed: ${stderr || (error as Error).message}`;
  }
  const writable = await waitUntil(() => isWritable(standby.url(LOCAL_DATABASE)), 60_000, 50);
  if (writable) return undefined;
  if (!standby.isRunning()) return 'the standby PostgreSQL server exited while it was being promoted';
  return `the promoted standby did not accept writes within 60 s; its log ends: ${await standby.tailLog(5)}`;
}

interface ValidationOutcome {
  readonly passed: boolean;
  readonly checks: EvidenceCheck[];
  readonly achievedRpoSeconds?: number;
  readonly at: Date;
  /** Set when the validator could not run at all. */
  readonly error?: string;
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

async function isWritable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
    return rows[0]?.r === false;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
