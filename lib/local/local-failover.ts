import { rm, writeFile } from 'node:fs/promises';
import type { EvidenceCleanup } from '../../engines/evidence/schema';
import { systemClock } from '../../engines/common/clock';
import { runFailover, type ApprovalGate, type FailoverPhase, type FailoverRun } from '../../engines/failover/run';
import type { FailoverState } from '../../engines/failover/failover-steps/state';
import type { Strategy } from '../../engines/failover/catalog';
import { setUpFailoverSite, type FailoverSite } from './failover-site';
import { isPlanned } from './local-failover-plan';
import { AURORA_POSTGRESQL, CLUSTER_TARGET, type LocalEngine } from './local-engines';
import { GLOBAL_WRITER_ENDPOINT, GLOBAL_WRITER_PORT, LocalGlobalDatabase } from './local-global-database';
import { endpointText } from './failover-site';
import { LocalFailoverProvider } from './local-failover-provider';
import type { LocalDrillOptions } from './local-drill';
import { serverVersion } from './local-primary';
import {
  checkAborted,
  Disaster,
  evidenceStore,
  explainSetupFailure,
  killPrimary,
  LocalRunResult,
  LocalWorkspace,
  LOCAL_DATABASE,
  openWorkspace,
  pharmacyUnitWriter,
  phaseTimer,
  safeUser,
  stopCommand,
  TOOL_VERSION,
} from './local-run';
import type { PostgresCluster } from './postgres-cluster';
import { engineValidator } from './validation-adapter';
import type { UnitWriter } from './write-load';

export type LocalFailoverOptions = Omit<LocalDrillOptions, 'hooks'> & {
  hooks?: Pick<NonNullable<LocalDrillOptions['hooks']>, 'validator' | 'unitWriter'> & {
    /** Once the site runs under load, before the fault or the switchover (a test disturbs the standby here). */
    readonly siteReady?: (site: FailoverSite) => Promise<void>;
    /** Replaces the global database's move of its writer endpoint (a test makes it stay behind). */
    readonly moveGlobalWriter?: (move: () => Promise<void>) => Promise<void>;
  };
  /** `aurora-postgresql`: a point-in-time failover restores a cluster and adds its instance. @default postgres */
  readonly engine?: LocalEngine;
  /**
   * Clients connect through an Aurora Global Database's writer endpoint (a cluster's): the endpoint file names it,
   * a global switchover or failover moves it with the writer and changes no pointer. @default false
   */
  readonly clientsUseGlobalWriterEndpoint?: boolean;
  /** One of `LOCAL_STRATEGIES`; `global-switchover` is planned: no fault, writes freeze. @default promote-replica */
  readonly strategy?: Strategy;
  /** A switchover fails (and lifts the freeze) when the standby has not caught up by then. @default 30 */
  readonly catchUpTimeoutSeconds?: number;
  /** The fault, injected under write load (not for a planned switchover). @default SIGKILL to the primary */
  readonly fault?: (site: FailoverSite, pids: Set<number>) => Promise<Disaster>;
  /** The approval gate. @default approved at once by the local user */
  readonly approve?: ApprovalGate;
  /** After the last phase, before cleanup and evidence (a game day asks the operator to verify here). */
  readonly afterPhases?: (
    state: FailoverState,
    status: FailoverRun['status'],
    where: {
      readonly site: FailoverSite;
      readonly run: LocalWorkspace;
      readonly unitWriter: UnitWriter;
      /** The global database whose writer endpoint clients connect through (`clientsUseGlobalWriterEndpoint`). */
      readonly global?: LocalGlobalDatabase;
    },
  ) => Promise<void>;
  /** Extra evidence metrics, read when the document is built. */
  readonly metrics?: () => Record<string, number>;
  /** Called once the fault has struck. */
  readonly onDisaster?: (disaster: Disaster) => void;
};

export type LocalFailoverResult = LocalRunResult & {
  readonly failover: FailoverRun;
  /** The fault; none for a planned switchover. */
  readonly disaster?: Disaster;
};

/**
 * The local failover: a primary and a streaming standby under write load; a fault strikes the primary; then
 * the failover engine's phases (`engines/failover/run.ts`) over `LocalFailoverProvider` — the phases the AWS
 * state machine runs — promote the standby (or restore base backup + WAL), validate with the engine and
 * manifest, repoint the endpoint file, verify, and record the evidence with `buildEvidence`. A planned
 * switchover (`global-switchover`) strikes no fault: the same phases freeze the primary's writes under load,
 * let the standby catch up with its WAL position, promote it and prove that no write was lost.
 */
export async function runLocalFailover(options: LocalFailoverOptions = {}): Promise<LocalFailoverResult> {
  const archiveTimeoutSeconds = options.archiveTimeoutSeconds ?? 1;
  const progress = phaseTimer(options.onProgress);
  const run = await openWorkspace(options.baseDir);
  const { workspace, guard, pids } = run;
  let primary: PostgresCluster | undefined;
  let site: FailoverSite | undefined;
  let provider: LocalFailoverProvider | undefined;
  let kept: LocalRunResult['kept'];
  let disasterStruck = false; // before it, a dead primary is a setup failure
  try {
    const unitWriter = options.hooks?.unitWriter ?? pharmacyUnitWriter(options.seed ?? 1);
    site = await setUpFailoverSite(
      run,
      progress,
      {
        prescriptions: options.prescriptions,
        seed: options.seed,
        archiveTimeoutSeconds,
        loadSeconds: options.loadSecondsAfterBackup,
        unitWriter,
        signal: options.signal,
      },
      (started) => (primary = started),
    );
    const ready = site;
    const global = options.clientsUseGlobalWriterEndpoint
      ? await globalWriterEndpointFor(ready, run.workspace)
      : undefined;
    await options.hooks?.siteReady?.(ready);
    checkAborted(options.signal);

    disasterStruck = true;
    const planned = options.strategy !== undefined && isPlanned(options.strategy);
    const disaster = planned
      ? undefined
      : await progress('disaster', async () => {
          const struck = await (options.fault ?? ((s, p) => killPrimary(s.primary, s.load, p)))(ready, pids);
          return [struck, `${struck.killed} primary processes down; newest write ${struck.newestWrite.toISOString()}`];
        });
    if (disaster) options.onDisaster?.(disaster);
    // Without a fault the reference is the newest acknowledged write so far: final once the freeze stopped the load.
    const newestWrite = () => disaster?.newestWrite ?? ready.load.stats.lastCommittedAt ?? new Date();

    const rpoTarget = options.rpoTargetSeconds ?? archiveTimeoutSeconds + 1;
    const targets = { rtoSeconds: options.rtoTargetSeconds ?? 300, rpoSeconds: rpoTarget };
    const local = new LocalFailoverProvider({
      site: ready,
      validator:
        options.hooks?.validator?.(ready.manifest) ?? engineValidator(ready.manifest, { rpoTargetSeconds: rpoTarget }),
      newestWrite,
      targets,
      tier: 1,
      store: evidenceStore(options.evidenceDir),
      guard,
      unitWriter,
      catchUpTimeoutSeconds: options.catchUpTimeoutSeconds,
      engine: options.engine,
      global,
      moveGlobalWriter: options.hooks?.moveGlobalWriter,
    });
    provider = local;
    const user = `local:${safeUser()}`;
    const failover = await runFailover(
      {
        database: LOCAL_DATABASE,
        ...(options.strategy ? { strategy: options.strategy } : {}),
        dryRun: false,
        reason: planned ? 'local rehearsal: planned switchover' : 'local rehearsal: the primary was lost',
        startedBy: user,
      },
      {
        provider: local,
        clock: systemClock,
        signal: options.signal,
        approve: options.approve ?? (async () => ({ approvedBy: user, comment: 'approved at once (rehearsal)' })),
        onPhase: (phase, durationMs, state) =>
          options.onProgress?.({ phase: `failover:${phase}`, durationMs, detail: phaseDetail(phase, state) }),
        evidence: async (state, status) => {
          await options.afterPhases?.(state, status, { site: ready, run, unitWriter, global });
          const version = await serverVersion(ready.standby.url()).catch(() => undefined);
          const cleanup = await progress<EvidenceCleanup>('cleanup', () => cleanUp(ready, local));
          return {
            environment: 'local',
            database: LOCAL_DATABASE,
            tier: 1,
            targets,
            sourceDatabase: `local-primary:${ready.primary.port}`,
            defaultStrategy: 'promote-replica',
            toolVersion: TOOL_VERSION,
            // A switchover's outage starts when writes freeze.
            disasterAt: disaster?.at.toISOString() ?? state.freeze?.startedAt,
            target: {
              ...(options.engine === AURORA_POSTGRESQL || global ? CLUSTER_TARGET : {}),
              engineVersion: version,
              encrypted: false,
              publiclyAccessible: false,
              network: 'loopback',
            },
            cleanup,
            metrics: {
              prescriptions: ready.prescriptions,
              unitsCommitted: disaster?.stats.commits ?? ready.load.stats.commits,
              ...progress.durations(),
              ...options.metrics?.(),
            },
          };
        },
      },
    );
    local.startedPids().forEach((pid) => pids.add(pid));
    return {
      evidence: failover.evidence,
      evidenceLocation: failover.evidenceLocation || undefined,
      evidenceError: failover.evidenceError,
      workspace,
      pids: [...pids],
      kept,
      failover,
      disaster,
    };
  } catch (error) {
    throw disasterStruck ? error : await explainSetupFailure(primary, error, 'during setup');
  } finally {
    await site?.load.stop().catch(() => undefined);
    await primary?.destroy().catch(() => undefined);
    if (!options.keep) {
      await provider?.removeRestored().catch(() => undefined);
      await site?.standby.destroy().catch(() => undefined);
      await rm(workspace, { recursive: true, force: true });
    }
    guard.release();
  }

  async function cleanUp(ready: FailoverSite, local: LocalFailoverProvider): Promise<[EvidenceCleanup, string]> {
    const resources = [ready.primary.rootDir, ready.standby.rootDir];
    const recovered = local.recoveredServer();
    if (options.keep && recovered) {
      const dataDir = recovered.dataDir ?? ready.restoresDir;
      kept = { url: recovered.url, dataDir, stop: await stopCommand(ready.standby.binaries.pgCtl, dataDir) };
      guard.forgetDir(workspace);
      return [{ status: 'kept', resources, message: `kept ${workspace}` }, `kept ${workspace}`];
    }
    resources.push(...(await local.removeRestored()));
    await ready.standby.destroy();
    await ready.primary.destroy();
    return [{ status: 'deleted', resources }, 'stopped the servers and removed their directories'];
  }
}

/** A global database whose writer is the site's primary; clients' endpoint file names its writer endpoint. */
async function globalWriterEndpointFor(site: FailoverSite, workspace: string): Promise<LocalGlobalDatabase> {
  const global = await LocalGlobalDatabase.create(workspace, { host: '127.0.0.1', port: site.primary.port });
  await writeFile(site.endpointFile, endpointText(GLOBAL_WRITER_ENDPOINT, GLOBAL_WRITER_PORT));
  return global;
}

function phaseDetail(phase: FailoverPhase, state: FailoverState): string | undefined {
  if (state.failedStep === phase || (phase === 'wait-available' && state.failedStep === 'the recovery'))
    return `FAILED: ${state.failure?.Cause ?? ''}`;
  switch (phase) {
    case 'preflight':
      return state.plan
        ? `${state.plan.decision}: ${state.plan.primary.detail}; expected data loss ${state.plan.expectedDataLossSeconds ?? '?'} s`
        : undefined;
    case 'approval':
      return state.approval ? `${state.plan?.strategy} approved by ${state.approval.approvedBy}` : undefined;
    case 'freeze':
      return state.freeze?.detail;
    case 'unfreeze':
      return state.unfreeze?.detail;
    case 'recover':
    case 'wait-available':
      return state.recovery?.detail;
    case 'validate':
      return state.validation
        ? `${state.validation.checks.filter((c) => c.status === 'passed').length}/${state.validation.checks.length} checks passed, achieved RPO ${state.validation.achievedRpoSeconds ?? '?'} s`
        : undefined;
    case 'repoint':
      return state.repoint?.changes.map((c) => `${c.name} → ${c.value}`).join(', ');
    case 'verify':
      return state.verify?.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`).join('; ');
    default:
      return undefined;
  }
}
