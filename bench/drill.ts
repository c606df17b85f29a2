/**
 * `npm run bench:drill [-- --json] [-- --concurrency 10]`: runs the synthesized drill state machine locally
 * (aws-local-stepfunctions) with the real task code over a simulated AWS: a 45-minute restore, a 3-minute
 * validation, a 10-minute deletion. Reports state transitions and Lambda invocations per drill, the billed
 * overhead (instance lifetime ÷ (restore + validation + deletion)) and, for 200 databases at concurrency C,
 * simulated fleet time against ⌈200/C⌉ × one drill's time.
 */
import { Template } from 'aws-cdk-lib/assertions';
import '../test/setup/polyfills';
import { LocalStateMachine } from '../test/helpers/local-state-machine';
import { databaseSpec, drillStack } from '../test/drill/aws/drill-stack';
import { DrillWorld, START } from '../test/drill/aws/harness';
import { withThrowawayCaBundle } from '../test/helpers/tls-postgres';

const RESTORE = 2700;
const VALIDATION = 180;
const DELETION = 600;

async function oneDrill(history: boolean) {
  const machine = LocalStateMachine.fromTemplate(Template.fromStack(drillStack().stack));
  const world = new DrillWorld({
    concurrency: 1,
    restoreSeconds: RESTORE,
    deletionSeconds: DELETION,
    validationSeconds: VALIDATION,
    ...(history ? { history: { restoreSeconds: RESTORE, deletionSeconds: DELETION } } : {}),
  });
  try {
    const run = await machine.run({ databases: ['dispensing'] }, { tasks: world.tasks() });
    if (run.status !== 'SUCCEEDED') throw new Error(`bench drill ${run.status}: ${run.cause ?? ''}`);
    const doc = world.aws.evidence[0] as { timestamps: { restoreStarted: string; cleanedUp: string; started: string } };
    const lifetime = (Date.parse(doc.timestamps.cleanedUp) - Date.parse(doc.timestamps.restoreStarted)) / 1000;
    const drillSeconds = (Date.parse(doc.timestamps.cleanedUp) - Date.parse(doc.timestamps.started)) / 1000;
    const invocations = Object.values(run.taskInvocations).reduce((a, b) => a + b, 0);
    return {
      transitions: run.stateTransitions,
      invocations,
      lifetime,
      drillSeconds,
      billedOverhead: lifetime / (RESTORE + VALIDATION + DELETION),
    };
  } finally {
    world.aws.restore();
  }
}

async function fleet(concurrency: number, count: number, drillSeconds: number) {
  const databases = Array.from({ length: count }, (_, i) => databaseSpec(`db${String(i).padStart(3, '0')}`));
  const machine = LocalStateMachine.fromTemplate(
    Template.fromStack(drillStack({ databases, maxConcurrency: concurrency }).stack),
  );
  const world = new DrillWorld({
    concurrency,
    restoreSeconds: RESTORE,
    deletionSeconds: DELETION,
    validationSeconds: VALIDATION,
    history: { restoreSeconds: RESTORE, deletionSeconds: DELETION },
  });
  const began = Date.now();
  try {
    const run = await machine.run({}, { tasks: world.tasks() });
    if (run.status !== 'SUCCEEDED') throw new Error(`bench fleet ${run.status}: ${run.cause ?? ''}`);
    const total = (world.finishedAt - START) / 1000;
    const lowerBound = Math.ceil(count / concurrency) * drillSeconds;
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

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const cIndex = process.argv.indexOf('--concurrency');
  const concurrency = cIndex > 0 ? Number(process.argv[cIndex + 1]) : 10;
  const steady = await oneDrill(true);
  const first = await oneDrill(false);
  const f = await fleet(concurrency, 200, steady.drillSeconds);
  const result = {
    transitionsPerDrill: steady.transitions,
    lambdaInvocationsPerDrill: steady.invocations,
    billedOverhead: Number(steady.billedOverhead.toFixed(3)),
    fleetOverLowerBound: Number(f.ratio.toFixed(3)),
    firstDrillWithoutHistory: {
      transitions: first.transitions,
      lambdaInvocations: first.invocations,
      billedOverhead: Number(first.billedOverhead.toFixed(3)),
    },
    simulated: {
      restoreSeconds: RESTORE,
      validationSeconds: VALIDATION,
      deletionSeconds: DELETION,
      instanceLifetimeSeconds: steady.lifetime,
      drillSeconds: steady.drillSeconds,
    },
    fleet: {
      databases: 200,
      concurrency,
      simulatedSeconds: f.total,
      lowerBoundSeconds: f.lowerBound,
      maxConcurrentObserved: f.maxActive,
      stateTransitions: f.transitions,
      wallMs: f.wallMs,
    },
  };
  if (json) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(`drill (45 min restore, 3 min validation, 10 min deletion), with last drill's durations known:`);
  console.log(`  state transitions per drill   ${result.transitionsPerDrill} (target ≤ 40)`);
  console.log(`  Lambda invocations per drill  ${result.lambdaInvocationsPerDrill}`);
  console.log(`  billed overhead               ${result.billedOverhead} (target ≤ 1.1)`);
  console.log(
    `first drill of a database (no history): ${first.transitions} transitions, overhead ${result.firstDrillWithoutHistory.billedOverhead}`,
  );
  console.log(
    `fleet of 200 at concurrency ${concurrency}: ${f.total} s simulated vs lower bound ${f.lowerBound} s → ${result.fleetOverLowerBound} (target ≤ 1.1); max concurrent ${f.maxActive}`,
  );
}

// The drill code builds its verified TLS config (RDS_CA_BUNDLE) before the fake validator sees it.
withThrowawayCaBundle(main).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
