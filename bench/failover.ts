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
 * from approval to clients repointed and verified, minus the simulated AWS work on the critical path (a failback
 * repoints beside its promotion, so only the part of the record change that outlasts it counts). Lambda
 * invocation and state-transition latency are not simulated (they are counted instead: each is ~0.05–0.2 s
 * in AWS).
 */
import { Template } from 'aws-cdk-lib/assertions';
import '../test/setup/polyfills';
import { ISSUE_DURATIONS, newWorld, RECOVERY, type FakeAws } from '../test/failover/fake-aws';
import { clusterArn, clusterEndpoint, newAuroraWorld } from '../test/failover/fake-aurora';
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

/** One strategy measured by the bench: a fresh fake account, its AWS duration, how an offset lengthens it. */
interface Case {
  key: string;
  database: string;
  strategy: string;
  /** The runbook: a failover, or the failback of a database that has failed over. @default 'failover' */
  operation?: 'failover' | 'failback';
  /** The strategy's AWS work on the critical path (the recovery, before the offset). */
  awsSeconds: number;
  /** How many operations on the critical path the offset lengthens, each by the offset. @default 1 */
  lengthened?: number;
  /**
   * A failback repoints as soon as the promotion (or switchover) has started, under the write freeze: the record
   * change runs beside this last operation of `awsSeconds` (lengthened by the offset too), and only what it takes
   * beyond it is on the critical path. @default - the record change follows the recovery
   */
  repointBeside?: number;
  /** A fresh account whose recovery takes `recoveryOffset` seconds longer than nominal. */
  world: (recoveryOffset: number) => FakeAws;
}

const instanceWorld =
  (database: string, key: 'promoteSeconds' | 'pointInTimeSeconds' | 'backupRestoreSeconds') => (offset: number) => {
    const world = newWorld(database);
    world.durations[key] += offset;
    world.records.set(`${database}.db.rx.internal.`, 'old');
    return world;
  };

const CASES: Case[] = [
  {
    key: 'promoteReplica',
    database: 'dispensing',
    strategy: 'promote-replica',
    awsSeconds: ISSUE_DURATIONS.promoteSeconds,
    world: instanceWorld('dispensing', 'promoteSeconds'),
  },
  {
    key: 'pointInTime',
    database: 'inventory',
    strategy: 'point-in-time',
    awsSeconds: ISSUE_DURATIONS.pointInTimeSeconds,
    world: instanceWorld('inventory', 'pointInTimeSeconds'),
  },
  {
    key: 'latestBackup',
    database: 'analytics',
    strategy: 'latest-backup',
    awsSeconds: ISSUE_DURATIONS.backupRestoreSeconds,
    world: instanceWorld('analytics', 'backupRestoreSeconds'),
  },
];

/**
 * Aurora clusters (the fake account of `test/failover/fake-aurora.ts`): `claims` on a global database, `reports`
 * without one. Switchover 2 min, failover 3 min, a cluster restore 45 min plus 10 min for its one instance.
 */
const AURORA = {
  switchoverSeconds: 120,
  failoverSeconds: 180,
  detachSeconds: 150,
  restoreSeconds: 2700,
  instanceSeconds: 600,
};
const clusterWorld = (
  database: string,
  primaryUp: boolean,
  lengthen: 'switchover' | 'failover' | 'detach' | 'restore',
) => {
  return (offset: number) => {
    const { world, aurora } = newAuroraWorld(database);
    Object.assign(aurora.seconds, {
      switchover: AURORA.switchoverSeconds,
      failover: AURORA.failoverSeconds,
      detach: AURORA.detachSeconds,
      restore: AURORA.restoreSeconds,
      instance: AURORA.instanceSeconds,
    });
    aurora.seconds[lengthen] += offset;
    if (primaryUp) world.primaryStatus = 'available';
    return world;
  };
};

const CLUSTER_CASES: Case[] = [
  {
    key: 'globalSwitchover',
    database: 'claims',
    strategy: 'global-switchover',
    awsSeconds: AURORA.switchoverSeconds,
    world: clusterWorld('claims', true, 'switchover'),
  },
  {
    key: 'globalFailover',
    database: 'claims',
    strategy: 'global-failover',
    awsSeconds: AURORA.failoverSeconds,
    world: clusterWorld('claims', false, 'failover'),
  },
  {
    key: 'detachAndPromote',
    database: 'claims',
    strategy: 'detach-and-promote',
    awsSeconds: AURORA.detachSeconds,
    world: clusterWorld('claims', false, 'detach'),
  },
  {
    key: 'latestBackupCluster',
    database: 'reports',
    strategy: 'latest-backup',
    awsSeconds: AURORA.restoreSeconds + AURORA.instanceSeconds,
    world: clusterWorld('reports', false, 'restore'),
  },
];

/** After a cluster failover: the primary region is back, and the clients use the recovery-region cluster. */
function primaryBackWithClientsOnSecondary(world: FakeAws): FakeAws {
  world.primaryStatus = 'available';
  const host = clusterEndpoint(RECOVERY, 'claims-prod-dr');
  world.records.set('claims.db.rx.internal.', host);
  world.parameters.set('/rx/claims/endpoint', host);
  world.secret = { json: { ...world.secret.json, host }, primaryRegion: RECOVERY };
  return world;
}

/**
 * The cluster failback (a switchover of the global database back to the primary cluster, under the write
 * freeze) of `claims` after a global failover: its secondary writes and serves the clients, the primary region
 * is back and its cluster has rejoined as a secondary.
 */
const failedOverWorld = (offset: number) => {
  const { world, aurora } = newAuroraWorld('claims');
  aurora.seconds.switchover = AURORA.switchoverSeconds + offset;
  aurora.global.writer = clusterArn(RECOVERY, 'claims-prod-dr');
  return primaryBackWithClientsOnSecondary(world);
};

/**
 * The failback of a detached secondary (after `detach-and-promote`): a new global database from it (1 min), a new
 * secondary cluster in the primary region (15 min) and its instance (10 min), then the switchover (2 min), all on
 * the critical path. The offset lengthens each of the three that an event ends (the secondary, its instance, the
 * switchover), so that each ends at every phase of the 60 s safety-net looks: unlengthened, a 15-minute creation
 * and a 10-minute instance end exactly on a look, which hides their events' delivery. The global database's
 * creation (no event: looked at every 5 s) keeps its minute, so its look costs nothing here.
 */
const REBUILD_SECONDS = { globalCreate: 60, secondaryCreate: 900 };
const detachedWorld = (offset: number) => {
  const { world, aurora } = newAuroraWorld('claims');
  Object.assign(aurora.seconds, REBUILD_SECONDS, {
    secondaryCreate: REBUILD_SECONDS.secondaryCreate + offset,
    instance: AURORA.instanceSeconds + offset,
    switchover: AURORA.switchoverSeconds + offset,
  });
  const detached = clusterArn(RECOVERY, 'claims-prod-dr');
  aurora.global.members = aurora.global.members.filter((m) => m !== detached);
  return primaryBackWithClientsOnSecondary(world);
};

const FAILBACK_CASES: Case[] = [
  {
    key: 'clusterFailback',
    operation: 'failback',
    database: 'claims',
    strategy: 'failback (global switchover back)',
    awsSeconds: AURORA.switchoverSeconds,
    repointBeside: AURORA.switchoverSeconds,
    world: failedOverWorld,
  },
  {
    key: 'detachedFailback',
    operation: 'failback',
    database: 'claims',
    strategy: 'failback of a detached secondary (rebuild, switchover)',
    awsSeconds:
      REBUILD_SECONDS.globalCreate +
      REBUILD_SECONDS.secondaryCreate +
      AURORA.instanceSeconds +
      AURORA.switchoverSeconds,
    lengthened: 3,
    repointBeside: AURORA.switchoverSeconds,
    world: detachedWorld,
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

async function runCase(machine: LocalStateMachine, c: Case, offsets: Offsets): Promise<CaseResult> {
  const world = c.world(offsets.recovery);
  world.durations.recordChangeSeconds += offsets.record;
  const began = Date.now();
  const waits = runbookWaits();
  const operation = c.operation ?? 'failover';
  try {
    const run = await runRunbook(
      operation,
      machine,
      world,
      {
        database: c.database,
        ...(operation === 'failover' ? { strategy: c.strategy } : {}),
        reason: 'bench',
        startedBy: 'arn:aws:sts::111111111111:assumed-role/bench/bench',
      },
      { approvalSeconds: APPROVAL_SECONDS, executionName: `bench-${c.key}`, waits },
    );
    if (run.status !== 'SUCCEEDED')
      throw new Error(`bench ${c.strategy}: ${run.status} ${run.error ?? ''} ${run.cause ?? ''}`);
    const doc = world.evidence().find((d) => d.runbook?.operation === operation);
    const approvedAt = doc?.runbook?.approvedAt;
    const verified = doc?.runbook?.steps.find((s) => s.name === 'verify')?.endedAt;
    if (!approvedAt || !verified)
      throw new Error(`bench ${c.strategy}: the evidence lacks approvedAt or the verify step`);
    // The failback's checks are named like the failover's, with the state machine's prefix.
    const task = (name: string) => run.taskInvocations[operation === 'failover' ? name : `Failback${name}`] ?? 0;
    const approvalToVerifiedSeconds = (Date.parse(verified) - Date.parse(approvedAt)) / 1000;
    const recordChange = ISSUE_DURATIONS.recordChangeSeconds + offsets.record;
    const criticalPathAwsSeconds =
      c.awsSeconds +
      offsets.recovery * (c.lengthened ?? 1) +
      // A failback validates nothing: the primary cluster kept its data and rejoins in sync.
      (operation === 'failover' ? ISSUE_DURATIONS.validationSeconds : 0) +
      (c.repointBeside === undefined ? recordChange : Math.max(0, recordChange - (c.repointBeside + offsets.recovery)));
    return {
      strategy: c.strategy,
      overheadSeconds: approvalToVerifiedSeconds - criticalPathAwsSeconds,
      approvalToVerifiedSeconds,
      criticalPathAwsSeconds,
      recoveryPolls: operation === 'failover' ? task('CheckRecovery') : task('CheckReplica') + task('CheckPromoted'),
      safetyNetTimeouts: waits.timeouts,
      repointPolls: task('CheckRepoint'),
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

type Machines = Record<'failover' | 'failback', LocalStateMachine>;
type Curve = { recoveryOffsetSeconds: number; worstOverheadSeconds: number }[];
type SweptCase = CaseResult & { overheadMedianSeconds: number; sweepPoints: number; curve: Curve };

/** Every case over the grid: the worst run's figures, the median and the curve of the picture. */
async function sweep(machines: Machines, cases: Case[], offsets: number[]) {
  const grid = offsets.flatMap((recovery) => offsets.map((record) => ({ recovery, record })));
  const strategies: Record<string, SweptCase> = {};
  for (const c of cases) {
    const runs: CaseResult[] = [];
    for (const point of grid) runs.push(await runCase(machines[c.operation ?? 'failover'], c, point));
    // The picture: for each offset of the recovery, the worst overhead over the DNS change's offsets.
    const curve = offsets.map((recovery) => ({
      recoveryOffsetSeconds: recovery,
      worstOverheadSeconds: Math.max(
        ...runs.filter((_, i) => grid[i]!.recovery === recovery).map((r) => r.overheadSeconds),
      ),
    }));
    const worstRun = runs.reduce((a, b) => (b.overheadSeconds > a.overheadSeconds ? b : a));
    strategies[c.key] = {
      ...worstRun,
      overheadMedianSeconds: median(runs.map((r) => r.overheadSeconds)),
      sweepPoints: runs.length,
      curve,
    };
  }
  const by = (figure: (r: SweptCase) => number) =>
    Object.fromEntries(cases.map((c) => [c.key, figure(strategies[c.key]!)]));
  const overheadSeconds = by((r) => r.overheadSeconds);
  return {
    overheadSeconds,
    overheadMedianSeconds: by((r) => r.overheadMedianSeconds),
    stateTransitions: by((r) => r.stateTransitions),
    withinTarget: Object.values(overheadSeconds).every((s) => s <= TARGET_SECONDS),
    strategies,
    points: grid.length,
  };
}

function print(title: string, cases: Case[], result: Awaited<ReturnType<typeof sweep>>): void {
  process.stdout.write(`${title}\n`);
  for (const c of cases) {
    const r = result.strategies[c.key]!;
    process.stdout.write(
      `  ${c.key.padEnd(20)} worst ${String(r.overheadSeconds).padStart(4)} s  median ${String(r.overheadMedianSeconds).padStart(5)} s   looks ${r.recoveryPolls} (${r.safetyNetTimeouts} by the safety net)+${r.repointPolls} DNS polls   Lambda calls ${r.lambdaInvocations}   transitions ${r.stateTransitions}\n`,
    );
  }
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const stepIndex = process.argv.indexOf('--step');
  const step = stepIndex > 0 ? Number(process.argv[stepIndex + 1]) : 3;
  if (!(step >= 1 && step <= POLL_PERIOD_SECONDS)) {
    process.stderr.write(`--step must be between 1 and ${POLL_PERIOD_SECONDS} seconds\n`);
    process.exit(2);
  }
  const template = runbookStack().template as Template;
  const machines: Machines = {
    failover: LocalStateMachine.fromTemplate(template, { stateMachine: 'RunbooksFailover' }),
    failback: LocalStateMachine.fromTemplate(template, { stateMachine: 'RunbooksFailback' }),
  };
  // Every combination of offsets of the recovery and of the DNS change across one poll period.
  const offsets: number[] = [];
  for (let o = 0; o < POLL_PERIOD_SECONDS; o += step) offsets.push(o);
  const instances = await sweep(machines, CASES, offsets);
  const clusters = await sweep(machines, [...CLUSTER_CASES, ...FAILBACK_CASES], offsets);
  // The bench's verdict covers both paths; `clusters.withinTarget` is the clusters' alone.
  const withinTarget = instances.withinTarget && clusters.withinTarget;
  if (json) {
    process.stdout.write(
      JSON.stringify({
        overheadSeconds: instances.overheadSeconds,
        overheadMedianSeconds: instances.overheadMedianSeconds,
        stateTransitions: instances.stateTransitions,
        targetSeconds: TARGET_SECONDS,
        withinTarget,
        eventDelaySeconds: EVENT_DELAY_SECONDS,
        sweep: { pollPeriodSeconds: POLL_PERIOD_SECONDS, offsetsSeconds: offsets, points: instances.points },
        durations: ISSUE_DURATIONS,
        strategies: instances.strategies,
        clusters: {
          overheadSeconds: clusters.overheadSeconds,
          overheadMedianSeconds: clusters.overheadMedianSeconds,
          stateTransitions: clusters.stateTransitions,
          withinTarget: clusters.withinTarget,
          durations: { ...AURORA, validationSeconds: ISSUE_DURATIONS.validationSeconds },
          strategies: clusters.strategies,
        },
      }) + '\n',
    );
  } else {
    process.stdout.write(
      `failover overhead over ${instances.points} duration offsets (0–${POLL_PERIOD_SECONDS - 1} s on the recovery and the DNS change), events delivered ${EVENT_DELAY_SECONDS} s after the change; target worst ≤ ${TARGET_SECONDS} s\n`,
    );
    print('RDS instances', CASES, instances);
    print('Aurora clusters', [...CLUSTER_CASES, ...FAILBACK_CASES], clusters);
    process.stdout.write(withinTarget ? 'within target\n' : 'OVER TARGET\n');
  }
  if (!withinTarget) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 2;
});
