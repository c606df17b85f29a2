/**
 * `npm run bench:drill [-- --json] [-- --concurrency 10] [-- --seed 1]`: runs the synthesized drill state
 * machine locally (aws-local-stepfunctions) with the real task code over a simulated AWS. Durations are
 * nominal 45-minute restore, 3-minute validation, 10-minute deletion, each restore and deletion drawn with a
 * seeded ±50 % spread (uniform), and a database's previous drill drawn independently from the same spread.
 * Reports, over a sample of drills: state transitions per drill (worst, with and without history), the billed
 * overhead (instance lifetime ÷ (restore + validation + deletion)); and for 200 databases at concurrency C
 * the simulated fleet time against max(Σ drill durations ÷ C, longest drill). The same for Aurora clusters
 * (`clusters` in the JSON): a cluster drill restores the cluster, adds one instance (10 min ±50 %), validates,
 * deletes the instance and then the cluster; its mixed fleet has one cluster in every four databases.
 *
 * Restore and deletion waits end on RDS events (the real park/resume code, test/helpers/event-waits.ts): each
 * event reaches its waiting task EVENT_DELAY_SECONDS after the instance changed (a stated model of EventBridge
 * delivery, the resume Lambda and SendTaskSuccess, counted in the billed time); the safety-net timeout ends a
 * wait whose event has not come yet, which costs transitions (and is what a first drill without history pays).
 */
import { Template } from 'aws-cdk-lib/assertions';
import '../test/setup/polyfills';
import type { Expectation } from '../engines/drill/aws/plan';
import { createRng } from '../lib/seed/rng';
import { LocalStateMachine } from '../test/helpers/local-state-machine';
import { databaseSpec, drillStack } from '../test/drill/aws/drill-stack';
import { DrillWorld, EVENT_DELAY_SECONDS, START } from '../test/drill/aws/harness';
import { withThrowawayCaBundle } from '../test/helpers/tls-postgres';

const RESTORE = 2700;
const VALIDATION = 180;
const DELETION = 600;
/** An Aurora cluster drill adds one instance to the restored cluster (nominal 10 minutes, same spread). */
const CLUSTER_INSTANCE = 600;
const SPREAD = 0.5;
const SAMPLE = 40;
const FLEET = 200;
/** In the mixed fleet, every CLUSTER_EVERY-th database is an Aurora cluster. */
const CLUSTER_EVERY = 4;

type Kind = 'instance' | 'cluster';

interface Durations {
  restoreSeconds: number;
  deletionSeconds: number;
  /** Aurora: the restored cluster's one instance. */
  instanceSeconds: number;
}

/**
 * Seeded durations: nominal × uniform(1 − SPREAD, 1 + SPREAD), whole seconds. The cluster instance's durations
 * come from their own stream (seed + 1000), so the instance figures do not move when clusters are measured.
 */
function durationsFor(seed: number, count: number): Durations[] {
  const rng = createRng(seed);
  const instances = createRng(seed + 1000);
  const draw = (nominal: number, from = rng) => Math.round(nominal * (1 - SPREAD + 2 * SPREAD * from.next()));
  return Array.from({ length: count }, () => ({
    restoreSeconds: draw(RESTORE),
    deletionSeconds: draw(DELETION),
    instanceSeconds: draw(CLUSTER_INSTANCE, instances),
  }));
}

/**
 * The AWS work on a drill's critical path. A cluster drill waits for the cluster restore, then its instance, and
 * deletes the instance, then the cluster (each deletion takes the drawn deletion time in the simulation).
 */
const workSeconds = (kind: Kind, d: Durations) =>
  kind === 'cluster'
    ? d.restoreSeconds + d.instanceSeconds + VALIDATION + 2 * d.deletionSeconds
    : d.restoreSeconds + VALIDATION + d.deletionSeconds;

/** What Plan reads from the previous drill's evidence: restore started → available, validated → cleaned up. */
const historyOf = (kind: Kind, previous: Durations): Expectation =>
  kind === 'cluster'
    ? {
        restoreSeconds: previous.restoreSeconds + previous.instanceSeconds,
        deletionSeconds: 2 * previous.deletionSeconds,
      }
    : { restoreSeconds: previous.restoreSeconds, deletionSeconds: previous.deletionSeconds };

const round = (value: number) => Number(value.toFixed(3));
const worst = (values: number[]) => Math.max(...values);
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

const spec = (kind: Kind, name: string) =>
  kind === 'cluster'
    ? databaseSpec(name, { kind: 'cluster', sourceArn: `arn:aws:rds:us-east-1:111111111111:cluster:pharmacy-${name}` })
    : databaseSpec(name);

/** One database of the tier whose RTO (4 h) holds the slowest drawn restore, synthesized once per kind. */
const single = new Map<Kind, LocalStateMachine>();

async function oneDrill(kind: Kind, actual: Durations, history: Expectation | undefined) {
  const name = kind === 'cluster' ? 'adjudication' : 'dispensing';
  let machine = single.get(kind);
  if (!machine) {
    machine = LocalStateMachine.fromTemplate(Template.fromStack(drillStack({ databases: [spec(kind, name)] }).stack));
    single.set(kind, machine);
  }
  const world = new DrillWorld({
    concurrency: 1,
    restoreSeconds: actual.restoreSeconds,
    deletionSeconds: actual.deletionSeconds,
    clusterInstanceSeconds: actual.instanceSeconds,
    validationSeconds: VALIDATION,
    ...(history ? { history } : {}),
  });
  try {
    const run = await machine.run({ databases: [name] }, { tasks: world.tasks() });
    if (run.status !== 'SUCCEEDED') throw new Error(`bench ${kind} drill ${run.status}: ${run.cause ?? ''}`);
    const doc = world.aws.evidence[0] as { timestamps: { restoreStarted: string; cleanedUp: string } };
    const lifetime = (Date.parse(doc.timestamps.cleanedUp) - Date.parse(doc.timestamps.restoreStarted)) / 1000;
    return {
      transitions: run.stateTransitions,
      invocations: Object.values(run.taskInvocations).reduce((a, b) => a + b, 0),
      billedOverhead: lifetime / workSeconds(kind, actual),
    };
  } finally {
    world.aws.restore();
  }
}

/** The fleet: `kinds[i]` says whether database i is an instance or a cluster. */
async function fleet(concurrency: number, actual: Durations[], previous: Durations[], kinds: Kind[]) {
  const names = actual.map((_, i) => `db${String(i).padStart(3, '0')}`);
  const index = (db: string) => names.indexOf(db);
  const databases = names.map((name, i) => spec(kinds[i]!, name));
  const machine = LocalStateMachine.fromTemplate(
    // Two alarms per database put a 200-database drill over CloudFormation's 500 resources per stack; the bench
    // measures the orchestration, so it lifts the limit (docs/performance.md says what that means for a deploy).
    Template.fromStack(
      drillStack({ databases, maxConcurrency: concurrency }, { '@aws-cdk/core:stackResourceLimit': 0 }).stack,
    ),
  );
  const world = new DrillWorld({
    concurrency,
    restoreSeconds: (db) => actual[index(db)]!.restoreSeconds,
    deletionSeconds: (db) => actual[index(db)]!.deletionSeconds,
    clusterInstanceSeconds: (db) => actual[index(db)]!.instanceSeconds,
    validationSeconds: VALIDATION,
    history: (db) => historyOf(kinds[index(db)]!, previous[index(db)]!),
  });
  const began = Date.now();
  try {
    const run = await machine.run({}, { tasks: world.tasks() });
    if (run.status !== 'SUCCEEDED') throw new Error(`bench fleet ${run.status}: ${run.cause ?? ''}`);
    const total = (world.finishedAt - START) / 1000;
    const drills = actual.map((d, i) => workSeconds(kinds[i]!, d));
    const lowerBound = Math.max(drills.reduce((a, b) => a + b, 0) / concurrency, worst(drills));
    return {
      total,
      lowerBound,
      ratio: total / lowerBound,
      maxActive: world.maxActive,
      wallMs: Date.now() - began,
      transitions: run.stateTransitions,
    };
  } finally {
    world.aws.restore();
  }
}

/** The sampled drills of one kind, with and without the previous drill known. */
async function sample(kind: Kind, actual: Durations[], previous: Durations[]) {
  const withHistory: Awaited<ReturnType<typeof oneDrill>>[] = [];
  const withoutHistory: Awaited<ReturnType<typeof oneDrill>>[] = [];
  for (let i = 0; i < SAMPLE; i++) {
    withHistory.push(await oneDrill(kind, actual[i]!, historyOf(kind, previous[i]!)));
    withoutHistory.push(await oneDrill(kind, actual[i]!, undefined));
  }
  return {
    transitionsPerDrill: worst([...withHistory, ...withoutHistory].map((d) => d.transitions)),
    lambdaInvocationsPerDrill: worst(withHistory.map((d) => d.invocations)),
    billedOverhead: round(mean(withHistory.map((d) => d.billedOverhead))),
    billedOverheadWorst: round(worst(withHistory.map((d) => d.billedOverhead))),
    firstDrillWithoutHistory: {
      transitions: worst(withoutHistory.map((d) => d.transitions)),
      transitionsMean: round(mean(withoutHistory.map((d) => d.transitions))),
      lambdaInvocations: worst(withoutHistory.map((d) => d.invocations)),
      billedOverhead: round(mean(withoutHistory.map((d) => d.billedOverhead))),
    },
    withHistory: { transitionsMean: round(mean(withHistory.map((d) => d.transitions))) },
    /** Every sampled drill, by its restore duration: the picture in docs/performance.md. */
    curve: withHistory
      .map((d, i) => ({
        restoreSeconds: actual[i]!.restoreSeconds,
        previousRestoreSeconds: previous[i]!.restoreSeconds,
        ...(kind === 'cluster' ? { instanceSeconds: actual[i]!.instanceSeconds } : {}),
        transitionsWithHistory: d.transitions,
        transitionsWithoutHistory: withoutHistory[i]!.transitions,
        billedOverheadWithHistory: round(d.billedOverhead),
        billedOverheadWithoutHistory: round(withoutHistory[i]!.billedOverhead),
      }))
      .sort((a, b) => a.restoreSeconds - b.restoreSeconds),
  };
}

type Sample = Awaited<ReturnType<typeof sample>>;

/** The targets one sample misses, named with `prefix` (`` or `clusters.`). */
function missed(prefix: string, s: Sample): string[] {
  const out: string[] = [];
  if (s.transitionsPerDrill > 40) out.push(`${prefix}transitionsPerDrill ${s.transitionsPerDrill}`);
  if (s.firstDrillWithoutHistory.transitions > 40)
    out.push(`${prefix}firstDrillWithoutHistory.transitions ${s.firstDrillWithoutHistory.transitions}`);
  if (s.billedOverhead > 1.1) out.push(`${prefix}billedOverhead ${s.billedOverhead}`);
  return out;
}

function printSample(title: string, s: Sample): void {
  console.log(title);
  console.log(`  state transitions per drill, worst   ${s.transitionsPerDrill} (target ≤ 40)`);
  console.log(`    with the previous drill known      mean ${s.withHistory.transitionsMean}`);
  console.log(
    `    first drill (no history)           worst ${s.firstDrillWithoutHistory.transitions}, mean ${s.firstDrillWithoutHistory.transitionsMean}`,
  );
  console.log(`  billed overhead (mean / worst)       ${s.billedOverhead} / ${s.billedOverheadWorst} (target ≤ 1.1)`);
}

async function main(): Promise<void> {
  const argument = (flag: string, fallback: number) => {
    const i = process.argv.indexOf(flag);
    const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
    if (!Number.isInteger(value) || value < 1) {
      console.error(`${flag} must be a positive integer`);
      process.exit(2);
    }
    return value;
  };
  const json = process.argv.includes('--json');
  const concurrency = argument('--concurrency', 10);
  const seed = argument('--seed', 1);
  const actual = durationsFor(seed, FLEET);
  const previous = durationsFor(seed + 1, FLEET);

  const instances = await sample('instance', actual, previous);
  const f = await fleet(
    concurrency,
    actual,
    previous,
    actual.map(() => 'instance'),
  );
  const clusters = await sample('cluster', actual, previous);
  const mixedKinds = actual.map((_, i): Kind => (i % CLUSTER_EVERY === CLUSTER_EVERY - 1 ? 'cluster' : 'instance'));
  const mixed = await fleet(concurrency, actual, previous, mixedKinds);
  const { curve, ...instanceFigures } = instances;
  const result = {
    ...instanceFigures,
    fleetOverLowerBound: round(f.ratio),
    curve,
    simulated: {
      nominal: {
        restoreSeconds: RESTORE,
        validationSeconds: VALIDATION,
        deletionSeconds: DELETION,
        clusterInstanceSeconds: CLUSTER_INSTANCE,
      },
      spread: `uniform ±${SPREAD * 100} % on restore, deletion and a cluster's instance, seed ${seed}`,
      eventDelaySeconds: EVENT_DELAY_SECONDS,
      sampledDrills: SAMPLE,
    },
    fleet: {
      databases: FLEET,
      concurrency,
      simulatedSeconds: f.total,
      lowerBoundSeconds: round(f.lowerBound),
      maxConcurrentObserved: f.maxActive,
      stateTransitions: f.transitions,
      wallMs: f.wallMs,
    },
    /** Aurora cluster drills (restore the cluster, add one instance, validate, delete both) and the mixed fleet. */
    clusters: {
      ...clusters,
      mixedFleet: {
        databases: FLEET,
        clusters: mixedKinds.filter((k) => k === 'cluster').length,
        concurrency,
        fleetOverLowerBound: round(mixed.ratio),
        simulatedSeconds: mixed.total,
        lowerBoundSeconds: round(mixed.lowerBound),
        maxConcurrentObserved: mixed.maxActive,
        stateTransitions: mixed.transitions,
        wallMs: mixed.wallMs,
      },
    },
    targets: { transitionsPerDrill: 40, billedOverhead: 1.1, fleetOverLowerBound: 1.1 },
    targetsMissed: [...missed('', instances), ...missed('clusters.', clusters)],
  };
  if (result.fleetOverLowerBound > 1.1) result.targetsMissed.push(`fleetOverLowerBound ${result.fleetOverLowerBound}`);
  if (result.clusters.mixedFleet.fleetOverLowerBound > 1.1)
    result.targetsMissed.push(
      `clusters.mixedFleet.fleetOverLowerBound ${result.clusters.mixedFleet.fleetOverLowerBound}`,
    );
  if (result.targetsMissed.length > 0) process.exitCode = 1;
  if (json) {
    console.log(JSON.stringify(result));
    return;
  }
  printSample(
    `${SAMPLE} instance drills, durations ±${SPREAD * 100} % around 45 min restore / 3 min validation / 10 min deletion:`,
    instances,
  );
  console.log(
    `fleet of ${FLEET} at concurrency ${concurrency}: ${f.total} s simulated vs max(Σ/C, longest) ` +
      `${result.fleet.lowerBoundSeconds} s → ${result.fleetOverLowerBound} (target ≤ 1.1); max concurrent ${f.maxActive}`,
  );
  printSample(
    `${SAMPLE} Aurora cluster drills, the same durations plus 10 min ±${SPREAD * 100} % for the cluster's instance, ` +
      'deletion of the instance and then the cluster:',
    clusters,
  );
  const m = result.clusters.mixedFleet;
  console.log(
    `mixed fleet of ${FLEET} (${m.clusters} clusters) at concurrency ${concurrency}: ${m.simulatedSeconds} s simulated ` +
      `vs ${m.lowerBoundSeconds} s → ${m.fleetOverLowerBound} (target ≤ 1.1); max concurrent ${m.maxConcurrentObserved}`,
  );
  console.log(`targets missed: ${result.targetsMissed.length ? result.targetsMissed.join('; ') : 'none'}`);
}

// The drill code builds its verified TLS config (RDS_CA_BUNDLE) before the fake validator sees it.
withThrowawayCaBundle(main).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
