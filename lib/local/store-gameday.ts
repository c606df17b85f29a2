import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { DrillRun } from '../../engines/drill/run';
import type {
  AlarmObservation,
  BaselineObservation,
  GameDayObservations,
  RunbookRunObservation,
} from '../../engines/gameday/observations';
import { watchForAlarm, type FaultAlarm } from './fault-alarm';
import type { LocalStoreScenario } from './gameday-faults';
import type { Decide } from './gameday-record';
import { runLocalDrill, type LocalDrillHooks, type RestoreStore } from './local-drill';
import type { LocalGameDayOptions } from './local-gameday';
import type { LocalRunResult } from './local-run';
import { isProcessAlive, waitUntil } from './processes';
import { LocalRecoveryStore, storeInventory, unsealForRemoval, type StoreCall } from './recovery-store';
import {
  attemptDeletion,
  copyToIsolatedStore,
  declareStoreLost,
  withdrawStoreLost,
  type DeletionAttempt,
  type StoreDeclaredLost,
} from './store-faults';

/** The store's lock retains every recovery point this long (the game day deletes nothing, so any will do). */
const LOCK_RETENTION_DAYS = 35;

export type StoreGameDayOptions = LocalGameDayOptions & {
  readonly scenario: LocalStoreScenario;
  readonly user: string;
  readonly runId: string;
  readonly decide: Decide;
};

export interface StoreGameDayOutcome {
  readonly result: LocalRunResult;
  readonly observations: GameDayObservations & { readonly baseline: BaselineObservation };
  readonly findings: string[];
}

/**
 * The recovery-store scenarios on one machine, around the local restore drill (`runLocalDrill`: a primary archiving
 * its WAL under write load, a base backup in the recovery store, the primary lost, the shared drill engine
 * restoring and validating with the real validator):
 * - `recovery-point-deletion-attempt`: the store is locked after the base backup; once the primary is lost an
 *   attacker tries to delete the recovery point and unlock the store (`attemptDeletion`); the store's detections
 *   alarm; the drill then proves the recovery point still restores and validates, and nothing in the store changed.
 * - `isolated-copy-restore`: once the primary is lost, the store is copied to an isolated store, declared lost and
 *   moved away; the operator chooses where to restore from; after the drill the declaration is withdrawn and the
 *   store put back.
 */
export async function runStoreGameDay(options: StoreGameDayOptions): Promise<StoreGameDayOutcome> {
  const { scenario, show, decide, user } = options;
  const findings: string[] = [];
  const baselineProblems: string[] = [];
  const alarms: FaultAlarm[] = [];
  const raised: AlarmObservation[] = [];
  const stopAlarms = async () => {
    for (const alarm of alarms.splice(0)) {
      const observed = await alarm.stop();
      if (observed) raised.push(observed);
    }
  };
  const seen: { faultAt?: string; drill?: DrillRun; store?: LocalRecoveryStore; inventory?: string[] } = {};
  let lost: StoreDeclaredLost | undefined;

  const deletionHooks: LocalDrillHooks = {
    afterBackup: async ({ workspace, backupsDir }) => {
      const store = new LocalRecoveryStore(backupsDir, path.join(workspace, 'recovery-store-audit.jsonl'));
      await store.putLock(LOCK_RETENTION_DAYS, user);
      await options.storeHooks?.afterLock?.(store);
      seen.store = store;
      seen.inventory = await store.inventory();
    },
    beforeRestore: async ({ backup }) => {
      const store = seen.store as LocalRecoveryStore;
      for (const [name, fires] of Object.entries(DETECTIONS))
        alarms.push(watchForAlarm(name, async () => fires(await store.calls())));
      const point = (await store.recoveryPoints()).find((p) => p.label === backup.label);
      if (!point) throw new Error(`recovery point ${backup.label} is not in ${store.backupsDir}`);
      const attempt = await attemptDeletion(store, point.name);
      seen.faultAt = attempt.at.toISOString();
      show(
        `\n*** FAULT (${scenario}): the primary's host is taken (the primary was killed); an attacker tries to ` +
          `delete recovery point ${backup.label} and unlock the recovery store ***\n${describeAttempt(attempt)}\n`,
      );
      findings.push(
        ...attempt.attempts
          .filter((a) => !a.refused)
          .map((a) => `the deletion attempt was not refused: ${a.call} (${a.layer}): ${a.detail}`),
      );
      // Give the detections the time they take to poll the store's audit log.
      await waitUntil(async () => detected(await store.calls()), 2000, 100);
      const calls = await store.calls();
      await decide('detection', describeCalls(calls), detected(calls) ? 'yes' : undefined);
    },
    afterDrill: async (drill) => {
      seen.drill = drill;
      const store = seen.store as LocalRecoveryStore;
      const now = await store.inventory().catch(() => [] as string[]);
      const removed = (seen.inventory ?? []).filter((entry) => !now.includes(entry));
      const lock = await store.currentLock().catch(() => undefined);
      const problems = [
        ...(removed.length > 0
          ? [`${removed.length} file(s) of the recovery store are gone, e.g. ${removed.slice(0, 3).join(', ')}`]
          : []),
        ...(lock ? [] : ['the recovery store is no longer locked']),
        ...(drill.evidence.result === 'passed'
          ? []
          : [`the recovery point did not restore and validate: ${drill.evidence.failureReason ?? 'failed'}`]),
      ];
      findings.push(...problems);
      const context = [
        describeDrill(drill),
        `Recovery store: ${removed.length === 0 ? 'every file still there' : `${removed.length} file(s) gone`}; ` +
          `lock ${lock ? `in place (${lock.mode}, ${lock.minRetentionDays} days)` : 'GONE'}`,
      ];
      await decide('intact', context.join('\n'), problems.length === 0 ? 'yes' : 'no');
      // The detections read the audit log in the workspace, which the run's cleanup removes.
      await stopAlarms();
      // The game day created this store: open it again so the run's cleanup can remove it.
      await unsealForRemoval(store.backupsDir);
    },
  };

  const isolatedHooks: LocalDrillHooks = {
    beforeRestore: async ({ workspace, backupsDir, archiveDir, backup }): Promise<RestoreStore> => {
      seen.inventory = [...(await storeInventory(backupsDir)), ...(await storeInventory(archiveDir))];
      const copy = await copyToIsolatedStore({ backupsDir, archiveDir }, path.join(workspace, 'isolated-copy'));
      alarms.push(watchForAlarm('local:recovery-store-unavailable', async () => !existsSync(backupsDir)));
      seen.faultAt = new Date().toISOString();
      lost = await declareStoreLost(
        { backupsDir, archiveDir },
        path.join(workspace, 'lost-recovery-store'),
        path.join(workspace, 'recovery-store-declared-lost.json'),
      );
      show(
        `\n*** FAULT (${scenario}): the primary was killed, and the recovery store is declared lost ` +
          `(${lost.declaration}): ${backupsDir} and ${archiveDir} are gone ***\n`,
      );
      const context = [
        `recovery-store: ${backupsDir} (${existsSync(backupsDir) ? 'present' : 'gone'})`,
        `isolated-copy: ${copy.dir} (recovery point ${backup.label} and its archived WAL)`,
      ];
      const source = await decide('source', context.join('\n'), 'isolated-copy');
      if (source !== 'isolated-copy') return { backupsDir, archiveDir };
      return {
        backupsDir: copy.backupsDir,
        archiveDir: copy.archiveDir,
        details: { vault: copy.dir, recoveryVaultDeclaredLost: lost.declaration },
      };
    },
    afterDrill: async (drill) => {
      seen.drill = drill;
      const passed = drill.evidence.result === 'passed';
      await decide('verify', describeDrill(drill), passed ? 'yes' : 'no');
      if (!passed && !fromIsolatedCopy(drill))
        findings.push(`nothing was recovered: the drill failed: ${drill.evidence.failureReason ?? 'failed'}`);
      if (lost) {
        baselineProblems.push(...(await withdrawStoreLost(lost)));
        const [backups, archive] = lost.moved.map((m) => m.from) as [string, string];
        const inventory = (dir: string) => storeInventory(dir).catch(() => [] as string[]);
        const now = [...(await inventory(backups)), ...(await inventory(archive))];
        const missing = (seen.inventory ?? []).filter((entry) => !now.includes(entry));
        if (missing.length > 0)
          baselineProblems.push(`the recovery store came back without ${missing.length} file(s), e.g. ${missing[0]}`);
      }
      show(
        baselineProblems.length === 0
          ? 'The declaration is withdrawn and the recovery store is back.'
          : baselineProblems.join('\n'),
      );
    },
  };

  let result: LocalRunResult;
  try {
    result = await runLocalDrill({
      prescriptions: options.prescriptions,
      seed: options.seed,
      evidenceDir: options.evidenceDir,
      archiveTimeoutSeconds: options.archiveTimeoutSeconds,
      // A second of archived WAL after the backup is enough for the drill to replay: the game day is about the store.
      loadSecondsAfterBackup: options.loadSecondsAfterBackup ?? 1,
      rtoTargetSeconds: options.rtoTargetSeconds,
      rpoTargetSeconds: options.rpoTargetSeconds,
      baseDir: options.baseDir,
      signal: options.signal,
      onProgress: options.onProgress,
      hooks: scenario === 'recovery-point-deletion-attempt' ? deletionHooks : isolatedHooks,
    });
  } finally {
    await stopAlarms();
  }
  if (scenario === 'recovery-point-deletion-attempt' && raised.length === 0)
    findings.push('no detection fired: the store recorded no deletion or lock-change call');
  const drill = seen.drill;
  return {
    result,
    findings,
    observations: {
      experiment: {
        id: options.runId,
        source: `local:${scenario}`,
        state: 'completed',
        faultAt: seen.faultAt ?? result.evidence.timestamps.started,
      },
      alarms: raised,
      runs: drill ? [drillObservation(drill)] : [],
      baseline: await machineBaseline(result, baselineProblems),
    },
  };
}

/**
 * The store's security detections over its audit log (what the AWS detections match in CloudTrail): the time of
 * the first call each one matches.
 */
const DETECTIONS: Readonly<Record<string, (calls: readonly StoreCall[]) => string | undefined>> = {
  'local:recovery-point-deletion': (calls) => calls.find((c) => c.call === 'DeleteRecoveryPoint')?.at,
  // The custodian's own lock is the first PutStoreLock; any later one is an attempt to change it.
  'local:store-lock-change': (calls) => calls.filter((c) => c.call === 'PutStoreLock')[1]?.at,
};

function detected(calls: readonly StoreCall[]): boolean {
  return Object.values(DETECTIONS).some((fires) => fires(calls) !== undefined);
}

function fromIsolatedCopy(drill: DrillRun): boolean {
  return drill.evidence.source?.details?.recoveryVaultDeclaredLost !== undefined;
}

function describeAttempt(attempt: DeletionAttempt): string {
  return [
    ...attempt.attempts.map((a) => `  ${a.refused ? 'refused' : 'NOT REFUSED'}  ${a.layer}: ${a.call} — ${a.detail}`),
    ...attempt.notes.map((note) => `  note: ${note}`),
  ].join('\n');
}

function describeCalls(calls: readonly StoreCall[]): string {
  return [
    'SECURITY DETECTIONS (the recovery store audit log):',
    ...calls.map(
      (c) => `  ${c.at} ${c.call} by ${c.by} on ${c.target}: ${c.outcome}${c.reason ? ` (${c.reason})` : ''}`,
    ),
  ].join('\n');
}

function describeDrill(drill: DrillRun): string {
  const doc = drill.evidence;
  const passed = doc.checks.filter((c) => c.status === 'passed').length;
  return [
    `Restore drill ${doc.runId}: ${doc.result.toUpperCase()} from ${doc.source?.details?.baseBackup ?? '(no source)'}`,
    `  ${passed}/${doc.checks.length} checks passed, achieved RPO ${doc.achievedRpoSeconds ?? '?'} s`,
    ...(doc.failureReason ? [`  ✗ ${doc.failureReason}`] : []),
  ].join('\n');
}

/** The drill as the game day's timeline reads a runbook run (what the AWS side reads of a drill's evidence). */
function drillObservation(drill: DrillRun): RunbookRunObservation {
  const doc = drill.evidence;
  const passed = doc.result === 'passed';
  return {
    operation: 'drill',
    executionArn: doc.runId,
    name: doc.runId,
    database: doc.database,
    dryRun: false,
    status: passed ? 'SUCCEEDED' : 'FAILED',
    startedAt: doc.timestamps.started,
    stoppedAt: doc.timestamps.recorded,
    startedBy: doc.startedBy,
    ...(doc.timestamps.available ? { availableAt: doc.timestamps.available } : {}),
    ...(passed && doc.timestamps.validated ? { verifiedAt: doc.timestamps.validated } : {}),
    ...(doc.achievedRpoSeconds !== undefined ? { achievedRpoSeconds: doc.achievedRpoSeconds } : {}),
    fromIsolatedCopy: fromIsolatedCopy(drill),
    retries: [],
    resumedSteps: [],
    ...(drill.evidenceLocation ? { evidenceLocation: drill.evidenceLocation } : {}),
    evidenceResult: doc.result,
  };
}

/** Back at the baseline: what the scenario left (`problems`), and every server and directory of the run gone. */
async function machineBaseline(result: LocalRunResult, problems: readonly string[]): Promise<BaselineObservation> {
  await waitUntil(() => !result.pids.some(isProcessAlive), 5000, 100);
  const alive = result.pids.filter(isProcessAlive);
  const all = [
    ...problems,
    ...(alive.length > 0 ? [`processes still running: ${alive.join(', ')} (stop them)`] : []),
    ...(!['deleted', 'not-needed'].includes(result.evidence.cleanup.status)
      ? [`the restore was ${result.evidence.cleanup.status}: ${result.evidence.cleanup.message ?? ''}`]
      : []),
    ...(existsSync(result.workspace) ? [`${result.workspace} is still there (remove it)`] : []),
  ];
  return { at: new Date().toISOString(), ok: all.length === 0, problems: all, how: 'original-topology' };
}
