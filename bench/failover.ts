/**
 * `npm run bench:failover [-- --json] [-- --step 3]`: how much of a failover is the runbook's own time?
 *
 * Each strategy runs once per pair of offsets (0, step, 2·step … < one poll period) added to the recovery's
 * and the DNS change's duration, so completion lands at every phase of the poll schedule; the overhead
 * reported is the worst over the sweep (and the median beside it).
 *
 * Runs the **synthesized** failover state machine locally (aws-local-stepfunctions, `test/helpers/
 * local-state-machine.ts`) with the real step handler (`lambda/runbook-steps.ts`) over the stateful fake
 * AWS of the failover tests (`test/failover/fake-aws.ts`), once per strategy, with the issue's simulated AWS
 * durations: promotion 5 min, point-in-time restore 40 min, latest-backup restore 45 min, validation 2 min,
 * Route 53 change 60 s.
 *
 * Time is virtual. The fake AWS and the handlers read a `VirtualClock`; nothing sleeps. Four things move
 * it: (1) the recovery wait (`AwaitRecovery`) is the real event-driven wait: the park code leaves its task
 * token, and the instance's RDS or AWS Backup event, emitted when its duration ends, resumes it through the
 * real resume code EVENT_DELAY_SECONDS later (a stated model of EventBridge, the resume Lambda and
 * SendTaskSuccess), or the wait's safety-net timeout ends it first; (2) the DNS poll (`WaitRepoint`; Route 53
 * has no event) advances the clock by the seconds the state machine asked for (`$.repoint.waitSeconds`) just
 * before the check after it; (3) the validator's invocation advances it by the validation duration; (4) the
 * approval gate advances it by 90 s (a human reading the plan; before the measured interval). An instance
 * becomes available, and a record change INSYNC, when the clock passes the moment its duration ends, so a
 * late look shows up as overhead.
 *
 * Overhead = (verify step ended − approval) − (strategy duration + validation + record change), i.e. the time
 * from approval to clients repointed and verified, minus the simulated AWS work on the critical path. Lambda
 * invocation and state-transition latency are not simulated (they are counted instead: each is ~0.05–0.2 s
 * in AWS).
 */
import { Template } from 'aws-cdk-lib/assertions';
import '../test/setup/polyfills';
import { ISSUE_DURATIONS, newWorld, type FakeAws } from '../test/failover/fake-aws';
import { runbookStack } from '../test/failover/runbook-stack';
import { LocalStateMachine } from '../test/helpers/local-state-machine';
import { runbookWaits, runRunbook } from '../test/failover/run-runbook';
import { EVENT_DELAY_SECONDS } from '../test/helpers/event-waits';

const TARGET_SECONDS = 10;
/**
 * The longest period of the schedule a completion can fall into: the recovery waits' safety net is 60 s but an
 * event ends them, the DNS poll's period is 5 s (`ROUTE53_POLL_SECONDS`); 15 s of offsets cover the DNS period
 * three times and the event delay's phase against it.
 */
const POLL_PERIOD_SECONDS = 15;
const APPROVAL_SECONDS = 90;

type Key = 'promoteReplica' | 'pointInTime' | 'latestBackup';
const CASES: { key: Key; database: string; strategy: string; awsSeconds: number }[] = [
  {
    key: 'promoteReplica',
    database: 'dispensing',
    strategy: 'promote-replica',
    awsSeconds: ISSUE_DURATIONS.promoteSeconds,
  },
  {
    key: 'pointInTime',
    database: 'inventory',
    strategy: 'point-in-time',
    awsSeconds: ISSUE_DURATIONS.pointInTimeSeconds,
  },
  {
    key: 'latestBackup',
    database: 'analytics',
    strategy: 'latest-backup',
    awsSeconds: ISSUE_DURATIONS.backupRestoreSeconds,
  },
];

interface CaseResult {
  strategy: string;
  overheadSeconds: number;
  approvalToVerifiedSeconds: number;
  criticalPathAwsSeconds: number;
  recoveryPolls: number;
  /** Recovery waits ended by the safety net (no event yet: the instance was still changing). */
  safetyNetTimeouts: number;
  repointPolls: number;
  lambdaInvocations: number;
  stateTransitions: number;
  wallMs: number;
}

interface Offsets {
  /** Seconds added to the strategy's AWS duration (promotion or restore). */
  readonly recovery: number;
  /** Seconds added to the Route 53 change. */
  readonly record: number;
}

async function runCase(machine: LocalStateMachine, c: (typeof CASES)[number], offsets: Offsets): Promise<CaseResult> {
  const world: FakeAws = newWorld(c.database);
  const durationKey = (
    {
      promoteReplica: 'promoteSeconds',
      pointInTime: 'pointInTimeSeconds',
      latestBackup: 'backupRestoreSeconds',
    } as const
  )[c.key];
  world.durations[durationKey] += offsets.recovery;
  world.durations.recordChangeSeconds += offsets.record;
  world.records.set(`${c.database}.db.rx.internal.`, 'old');
  const began = Date.now();
  const waits = runbookWaits();
  try {
    const run = await runRunbook(
      'failover',
      machine,
      world,
      {
        database: c.database,
        strategy: c.strategy,
        reason: 'bench',
        startedBy: 'arn:aws:sts::111111111111:assumed-role/bench/bench',
      },
      { approvalSeconds: APPROVAL_SECONDS, executionName: `bench-${c.key}`, waits },
    );
    if (run.status !== 'SUCCEEDED')
      throw new Error(`bench ${c.strategy}: ${run.status} ${run.error ?? ''} ${run.cause ?? ''}`);
    const doc = world.evidence().find((d) => d.kind === 'failover');
    const approvedAt = doc?.runbook?.approvedAt;
    const verified = doc?.runbook?.steps.find((s) => s.name === 'verify')?.endedAt;
    if (!approvedAt || !verified)
      throw new Error(`bench ${c.strategy}: the evidence lacks approvedAt or the verify step`);
    const approvalToVerifiedSeconds = (Date.parse(verified) - Date.parse(approvedAt)) / 1000;
    const criticalPathAwsSeconds =
      c.awsSeconds +
      offsets.recovery +
      ISSUE_DURATIONS.validationSeconds +
      ISSUE_DURATIONS.recordChangeSeconds +
      offsets.record;
    return {
      strategy: c.strategy,
      overheadSeconds: approvalToVerifiedSeconds - criticalPathAwsSeconds,
      approvalToVerifiedSeconds,
      criticalPathAwsSeconds,
      recoveryPolls: run.taskInvocations.CheckRecovery ?? 0,
      safetyNetTimeouts: waits.timeouts,
      repointPolls: run.taskInvocations.CheckRepoint ?? 0,
      lambdaInvocations: Object.values(run.taskInvocations).reduce((a, b) => a + b, 0),
      stateTransitions: run.stateTransitions,
      wallMs: Date.now() - began,
    };
  } finally {
    world.restore();
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const stepIndex = process.argv.indexOf('--step');
  const step = stepIndex > 0 ? Number(process.argv[stepIndex + 1]) : 3;
  if (!(step >= 1 && step <= POLL_PERIOD_SECONDS)) {
    process.stderr.write(`--step must be between 1 and ${POLL_PERIOD_SECONDS} seconds\n`);
    process.exit(2);
  }
  const machine = LocalStateMachine.fromTemplate(runbookStack().template as Template, {
    stateMachine: 'RunbooksFailover',
  });
  // Every combination of offsets of the recovery and of the DNS change across one poll period.
  const offsets: number[] = [];
  for (let o = 0; o < POLL_PERIOD_SECONDS; o += step) offsets.push(o);
  const grid = offsets.flatMap((recovery) => offsets.map((record) => ({ recovery, record })));
  type Curve = { recoveryOffsetSeconds: number; worstOverheadSeconds: number }[];
  const results = {} as Record<Key, CaseResult & { overheadMedianSeconds: number; sweepPoints: number; curve: Curve }>;
  for (const c of CASES) {
    const runs: CaseResult[] = [];
    for (const point of grid) runs.push(await runCase(machine, c, point));
    // The picture: for each offset of the recovery, the worst overhead over the DNS change's offsets.
    const curve = offsets.map((recovery) => ({
      recoveryOffsetSeconds: recovery,
      worstOverheadSeconds: Math.max(
        ...runs.filter((_, i) => grid[i]!.recovery === recovery).map((r) => r.overheadSeconds),
      ),
    }));
    const worstRun = runs.reduce((a, b) => (b.overheadSeconds > a.overheadSeconds ? b : a));
    results[c.key] = {
      ...worstRun,
      overheadMedianSeconds: median(runs.map((r) => r.overheadSeconds)),
      sweepPoints: runs.length,
      curve,
    };
  }
  const overheadSeconds = Object.fromEntries(CASES.map((c) => [c.key, results[c.key].overheadSeconds])) as Record<
    Key,
    number
  >;
  const overheadMedianSeconds = Object.fromEntries(
    CASES.map((c) => [c.key, results[c.key].overheadMedianSeconds]),
  ) as Record<Key, number>;
  const stateTransitions = Object.fromEntries(CASES.map((c) => [c.key, results[c.key].stateTransitions])) as Record<
    Key,
    number
  >;
  const withinTarget = Object.values(overheadSeconds).every((s) => s <= TARGET_SECONDS);
  if (json) {
    process.stdout.write(
      JSON.stringify({
        overheadSeconds,
        overheadMedianSeconds,
        stateTransitions,
        targetSeconds: TARGET_SECONDS,
        withinTarget,
        eventDelaySeconds: EVENT_DELAY_SECONDS,
        sweep: { pollPeriodSeconds: POLL_PERIOD_SECONDS, offsetsSeconds: offsets, points: grid.length },
        durations: ISSUE_DURATIONS,
        strategies: results,
      }) + '\n',
    );
  } else {
    process.stdout.write(
      `failover overhead over ${grid.length} duration offsets (0–${POLL_PERIOD_SECONDS - 1} s on the recovery and the DNS change), events delivered ${EVENT_DELAY_SECONDS} s after the change; target worst ≤ ${TARGET_SECONDS} s\n`,
    );
    for (const c of CASES) {
      const r = results[c.key];
      process.stdout.write(
        `  ${r.strategy.padEnd(16)} worst ${String(r.overheadSeconds).padStart(4)} s  median ${String(r.overheadMedianSeconds).padStart(5)} s   looks ${r.recoveryPolls} (${r.safetyNetTimeouts} by the safety net)+${r.repointPolls} DNS polls   Lambda calls ${r.lambdaInvocations}   transitions ${r.stateTransitions}\n`,
      );
    }
    process.stdout.write(withinTarget ? 'within target\n' : 'OVER TARGET\n');
  }
  if (!withinTarget) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 2;
});
