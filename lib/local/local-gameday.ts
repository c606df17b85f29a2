import type { EvidenceDocument } from '../../engines/evidence/schema';
import type { Plan } from '../../engines/failover/failover-steps/state';
import type { Strategy } from '../../engines/failover/catalog';
import type { FailoverRun } from '../../engines/failover/run';
import type { AlarmObservation, BaselineObservation, RunbookRunObservation } from '../../engines/gameday/observations';
import { watchForAlarm, type FaultAlarm } from './fault-alarm';
import { answers } from './failover-probes';
import { isStoreScenario, localFault, type LocalFailoverScenario, type LocalGameDayScenario } from './gameday-faults';
import { decisionsFor, type GameDayOperator } from './gameday-operator';
import { decisionRecorder, localGameDayRunId, recordLocalGameDay } from './gameday-record';
import { runLocalFailback, type LocalFailbackResult } from './local-failback';
import { runLocalFailover, type LocalFailoverOptions, type LocalFailoverResult } from './local-failover';
import { LOCAL_DATABASE, safeUser, type LocalRunResult } from './local-run';
import { isProcessAlive, waitUntil } from './processes';
import type { LocalRecoveryStore } from './recovery-store';
import { runStoreGameDay } from './store-gameday';
import { AURORA_POSTGRESQL, type LocalEngine } from './local-engines';
import { throughGlobalWriterEndpoint } from './local-global-writer-steps';
import { defaultLocalStrategy, type LocalStrategy } from './local-strategies';

export { LOCAL_GAME_DAY_SCENARIOS, type LocalGameDayScenario } from './gameday-faults';

/** `engine` and `clientsUseGlobalWriterEndpoint` rehearse a cluster in the failover scenarios. */
export type LocalGameDayOptions = Omit<LocalFailoverOptions, 'approve' | 'afterPhases' | 'fault' | 'strategy'> & {
  readonly scenario: LocalGameDayScenario;
  readonly operator: GameDayOperator;
  /** Where the operator reads what happens (the preflight, the results). */
  readonly show: (text: string) => void;
  /** What the game day taught, recorded in its evidence. */
  readonly lessons?: readonly string[];
  /** Test hooks of the recovery-store scenarios. */
  readonly storeHooks?: {
    /** After the store is locked, before the deletion attempt (e.g. break the lock to prove the check fails). */
    afterLock?(store: LocalRecoveryStore): Promise<void>;
  };
  /** Test hooks of the failback. */
  readonly failbackHooks?: {
    /** Replaces the global database's move of its writer endpoint back (a test makes it stay behind). */
    readonly moveGlobalWriter?: (move: () => Promise<void>) => Promise<void>;
  };
};

export type LocalGameDayResult = LocalRunResult & {
  /** The game day's evidence document (kind `gameday`, built by the AWS game day's `gameDayEvidence`). */
  readonly gameDay: EvidenceDocument;
  readonly gameDayLocation?: string;
};

/**
 * A game day on one machine. The failover scenarios: the failover site under write load, the scenario's fault
 * injected and watched for (the alarm), then the failover engine with the operator taking the runbook's decisions
 * (read the preflight, choose the strategy, approve, verify), each timed. The recovery-store scenarios
 * (`store-gameday.ts`) strike the store and are answered by a restore drill. The run writes its own evidence; the
 * game day then writes a `gameday` document — the same one an AWS game day writes at its end — with the timeline,
 * the decisions and the verdict against the tier's targets.
 */
export async function runLocalGameDay(options: LocalGameDayOptions): Promise<LocalGameDayResult> {
  const { scenario } = options;
  const user = `local:${safeUser()}`;
  const startedAt = new Date().toISOString();
  const runId = localGameDayRunId(scenario, startedAt);
  const recorder = decisionRecorder(options.operator);
  const { decisions } = recorder;
  let run: LocalRunResult;
  let score;
  try {
    if (isStoreScenario(scenario)) {
      const outcome = await runStoreGameDay({ ...options, scenario, user, runId, decide: recorder.decide });
      run = outcome.result;
      score = { observations: outcome.observations, findings: outcome.findings };
    } else {
      const failover = await runFailoverGameDay({ ...options, scenario, user, runId, startedAt, ...recorder });
      run = failover.result;
      score = { observations: failover.observations };
    }
  } finally {
    options.operator.close();
  }
  const recorded = await recordLocalGameDay(
    {
      runId,
      scenario,
      startedAt,
      user,
      lessons: options.lessons ?? [],
      decisions,
      database: { name: run.evidence.database, ...run.evidence.targets },
      ...score,
    },
    options.evidenceDir,
  );
  return {
    ...run,
    evidenceError: run.evidenceError ?? recorded.error,
    gameDay: recorded.doc,
    gameDayLocation: recorded.location,
  };
}

/** The failover scenarios: fault, failover with the operator's decisions, failback, baseline. */
async function runFailoverGameDay(
  options: LocalGameDayOptions & {
    scenario: LocalFailoverScenario;
    user: string;
    runId: string;
    startedAt: string;
  } & ReturnType<typeof decisionRecorder>,
) {
  const { show, scenario, user, decisions, decide: timed } = options;
  const fault = localFault(scenario);
  const watch: { alarm?: FaultAlarm; injectedAt?: string } = {};
  let raised: AlarmObservation | undefined;
  let failback: LocalFailbackResult | undefined;
  let result: LocalFailoverResult;
  try {
    result = await runLocalFailover({
      ...options,
      strategy: defaultLocalStrategy(options.engine),
      fault: (site, pids) => {
        const url = site.primary.url(LOCAL_DATABASE);
        watch.injectedAt = new Date().toISOString(); // before the probe can see the fault
        watch.alarm = watchForAlarm('local:primary-unreachable', async () => !(await answers(url)));
        return fault.inject(site, pids);
      },
      onDisaster: (disaster) => show(`\n*** FAULT (${scenario}): ${fault.describe(disaster)} ***\n`),
      approve: async (plan, replan) => {
        await timed('preflight', describePlan(plan), plan.primary.healthy ? 'no' : 'yes');
        const strategy = (await timed(
          'strategy',
          strategyChoices(plan, decisionsFor(scenario, options.engine).strategy.options, options.engine),
          undefined,
        )) as Strategy;
        const chosen = strategy === plan.strategy ? plan : await replan(strategy);
        if (chosen !== plan) show(describePlan(chosen));
        const approval = await timed('approval', `Plan: ${chosen.strategy}, decision ${chosen.decision}.`, 'approve');
        return approval === 'approve'
          ? { approvedBy: user, comment: 'game day', plan: chosen }
          : { abort: 'the operator aborted at the approval gate', plan: chosen };
      },
      afterPhases: async (state, _status, where) => {
        await fault.fence();
        if (!state.approval) return;
        const verified = state.verify !== undefined && !state.failure;
        const passed = state.validation?.checks.filter((c) => c.status === 'passed').length;
        const lines = [
          `Validation: ${state.validation ? `${state.validation.passed ? 'passed' : 'FAILED'}, ${passed}/${state.validation.checks.length} checks, achieved RPO ${state.validation.achievedRpoSeconds ?? '?'} s` : 'did not run'}`,
          ...(state.verify?.checks ?? []).map((c) => `  ${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`),
          ...(state.failure ? [`  ✗ ${state.failedStep}: ${state.failure.Cause}`] : []),
        ];
        await timed('verify', lines.join('\n'), verified ? 'yes' : 'no');
        if (!verified) return;
        show('The service is back: the game day ends with the failback to the primary side.');
        const strategy = state.plan?.strategy ?? defaultLocalStrategy(options.engine);
        failback = await runLocalFailback(where.site, where.run, {
          startedBy: user,
          unitWriter: where.unitWriter,
          evidenceDir: options.evidenceDir,
          targets: { rtoSeconds: options.rtoTargetSeconds ?? 300 },
          signal: options.signal,
          engine: options.engine,
          // Clients still on the global writer endpoint (the failover kept the global database) follow it back.
          global: throughGlobalWriterEndpoint(where.global, strategy) ? where.global : undefined,
          moveGlobalWriter: options.failbackHooks?.moveGlobalWriter,
        });
        show(
          `Failback ${failback.run.status}; ${failback.problems.length === 0 ? 'back at the baseline' : failback.problems.join('; ')}`,
        );
      },
      metrics: () =>
        Object.fromEntries(decisions.map((d) => [`decision.${d.id}Seconds`, Math.round(d.seconds * 1000) / 1000])),
    });
  } finally {
    await fault.fence();
    raised = await watch.alarm?.stop();
  }
  const observations = {
    experiment: {
      id: options.runId,
      source: `local:${scenario}`,
      state: 'completed' as const,
      faultAt: watch.injectedAt ?? result.disaster?.at.toISOString() ?? options.startedAt,
    },
    alarms: raised ? [raised] : [],
    runs: [failoverObservation(result.failover), ...(failback ? [failbackObservation(failback)] : [])],
    baseline: await machineBaseline(result, failback),
  };
  return { result, observations };
}

/** The failover as the game day's timeline reads a runbook run (what the AWS side reads from Step Functions). */
function failoverObservation(run: FailoverRun): RunbookRunObservation {
  const { state, evidence } = run;
  const succeeded = run.status === 'completed' && evidence.result === 'passed';
  return {
    operation: 'failover',
    executionArn: state.execution.id,
    name: state.execution.name,
    database: state.input.database,
    dryRun: false,
    status: run.status === 'aborted' ? 'ABORTED' : succeeded ? 'SUCCEEDED' : 'FAILED',
    startedAt: state.execution.startTime ?? evidence.timestamps.started,
    stoppedAt: state.verify?.endedAt ?? evidence.timestamps.recorded,
    ...(state.input.startedBy ? { startedBy: state.input.startedBy } : {}),
    ...(state.approval ? { approvedBy: state.approval.approvedBy, approvedAt: state.approval.approvedAt } : {}),
    ...(state.recovery?.availableAt ? { availableAt: state.recovery.availableAt } : {}),
    ...(evidence.achievedRpoSeconds !== undefined ? { achievedRpoSeconds: evidence.achievedRpoSeconds } : {}),
    retries: [],
    resumedSteps: [],
    ...(run.evidenceLocation ? { evidenceLocation: run.evidenceLocation } : {}),
    evidenceResult: evidence.result,
  };
}

/** The failback as the timeline reads a runbook run. */
function failbackObservation(failback: LocalFailbackResult): RunbookRunObservation {
  const { state, evidence, status } = failback.run;
  return {
    operation: 'failback',
    executionArn: state.execution.id,
    name: state.execution.name,
    database: state.input.database,
    dryRun: false,
    status:
      status === 'aborted'
        ? 'ABORTED'
        : status === 'completed' && evidence.result === 'passed'
          ? 'SUCCEEDED'
          : 'FAILED',
    startedAt: state.execution.startTime ?? evidence.timestamps.started,
    stoppedAt: state.unfreeze?.endedAt ?? evidence.timestamps.recorded,
    startedBy: state.input.startedBy,
    ...(state.approval ? { approvedBy: state.approval.approvedBy, approvedAt: state.approval.approvedAt } : {}),
    ...(state.promotion?.availableAt ? { availableAt: state.promotion.availableAt } : {}),
    retries: [],
    resumedSteps: [],
    ...(failback.run.evidenceLocation ? { evidenceLocation: failback.run.evidenceLocation } : {}),
    evidenceResult: evidence.result,
  };
}

/**
 * One machine's baseline: after a failover, the failback brought clients back to a primary on the primary side;
 * and every server the game day started is stopped and its directories are removed.
 */
async function machineBaseline(
  result: LocalFailoverResult,
  failback?: LocalFailbackResult,
): Promise<BaselineObservation> {
  // A stopped server's last backends exit a moment after its postmaster: give them a few seconds.
  await waitUntil(() => !result.pids.some(isProcessAlive), 5000, 100);
  const alive = result.pids.filter(isProcessAlive);
  const problems = [
    ...(failback?.problems ?? []),
    ...(alive.length > 0 ? [`processes still running: ${alive.join(', ')} (stop them)`] : []),
    ...(result.evidence.cleanup.status !== 'deleted'
      ? [`the site was ${result.evidence.cleanup.status}: ${result.evidence.cleanup.message ?? ''}`]
      : []),
  ];
  return {
    at: new Date().toISOString(),
    ok: problems.length === 0,
    problems,
    how: failback ? 'failback' : 'original-topology',
  };
}

function describePlan(plan: Plan): string {
  return [
    `PREFLIGHT (${plan.strategy}): decision ${plan.decision}`,
    ...plan.checks.map((c) => `  ${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`),
    ...plan.blockers.map((b) => `  blocker: ${b}`),
    ...plan.warnings.map((w) => `  warning: ${w}`),
    `  targets: RTO ${plan.rtoSeconds} s, RPO ${plan.rpoSeconds} s; expected data loss ${plan.expectedDataLossSeconds ?? '?'} s`,
  ].join('\n');
}

const STRATEGY_MEANINGS: Record<LocalStrategy, string> = {
  'promote-replica': 'promote the streaming standby',
  'point-in-time': 'restore the base backup and replay the WAL archive',
  'global-failover': 'fail the global database over to its secondary: promote the streaming standby',
  'detach-and-promote': 'detach the secondary from the global database and promote it',
  'global-switchover': 'planned: needs the primary up',
};

function strategyChoices(plan: Plan, strategies: readonly string[], engine: LocalEngine | undefined): string {
  const choices = strategies.map((s) => `${s} (${STRATEGY_MEANINGS[s as LocalStrategy]})`);
  return `Strategies${engine === AURORA_POSTGRESQL ? ' of an Aurora cluster' : ''}: ${choices.join(', ')}. Preflight planned ${plan.strategy}.`;
}
