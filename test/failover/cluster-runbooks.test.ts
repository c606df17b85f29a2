import { awsFailbackProvider, awsFailoverProvider } from '../../engines/failover/aws-provider';
import { LocalStateMachine, type LocalExecutionResult } from '../helpers/local-state-machine';
import { MUTATING, PRIMARY, RECOVERY, type FakeAws } from './fake-aws';
import { CLUSTER_FAILOVER_STEPS, clusterArn, clusterEndpoint, newAuroraWorld, type FakeAurora } from './fake-aurora';
import { runbookStack } from './runbook-stack';
import { runbookWaits, runRunbook, type RunbookRunOptions } from './run-runbook';
import { EVENT_DELAY_SECONDS } from '../helpers/event-waits';

/**
 * The synthesized failover and failback state machines, run locally with the real step handler over a fake
 * account that has an Aurora Global Database (`claims`) and a cluster without one (`reports`).
 */
const template = runbookStack().template;
const machines = {
  failover: LocalStateMachine.fromTemplate(template, { stateMachine: 'RunbooksFailover' }),
  failback: LocalStateMachine.fromTemplate(template, { stateMachine: 'RunbooksFailback' }),
};

const input = (overrides: Record<string, unknown> = {}) => ({
  database: 'claims',
  reason: 'us-east-1 Aurora outage, claims cannot adjudicate',
  startedBy: 'arn:aws:sts::111111111111:assumed-role/oncall/alice',
  ...overrides,
});
type RunInput = ReturnType<typeof input>;

let world: FakeAws;
let aurora: FakeAurora;
beforeEach(() => ({ world, aurora } = newAuroraWorld()));
afterEach(() => world.restore());

const run = (
  operation: 'failover' | 'failback',
  execInput: Record<string, unknown>,
  options: RunbookRunOptions = {},
): Promise<LocalExecutionResult> =>
  runRunbook(operation, machines[operation], world, execInput, { approval: 'approve', ...options });

const secondary = clusterArn(RECOVERY, 'claims-prod-dr');
const mutations = () => world.calls().filter((c) => MUTATING.test(c.command) && c.command !== 'Publish');

function expectRepointedTo(database: string, host: string): void {
  expect(world.records.get(`${database}.db.rx.internal.`)).toBe(host);
  expect(world.parameters.get(`/rx/${database}/endpoint`)).toBe(host);
  expect(world.secret.json.host).toBe(host);
}

/** The plan a dry run of this input would show, with its blockers. */
const dryRunPlan = (provider: typeof awsFailoverProvider | typeof awsFailbackProvider, execInput: RunInput) =>
  provider(world.deps()).preflight({
    input: { ...execInput, dryRun: true },
    execution: { id: 'x', name: 'x' },
  });

/** Every RDS or AWS Backup change, by the cluster or instance it named. */
const touched = () =>
  mutations()
    .filter((c) => c.client.startsWith('rds') || c.client === 'backup')
    .map((c) =>
      String(c.input.DbClusterIdentifier ?? c.input.TargetDbClusterIdentifier ?? c.input.DBInstanceIdentifier),
    );

const fault = (name: string, message: string, status?: number) =>
  Object.assign(new Error(message), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });

/** The faults of a cluster call that fail the run (throttling is retried instead), as `test.each` rows. */
const failingFaults = (command: string): [string, Error][] => [
  ['a 5xx', fault('InternalFailure', 'We encountered an internal error', 500)],
  ['AccessDenied', fault('AccessDenied', `not authorized to perform: rds:${command}`, 403)],
  ['an invalid state', fault('InvalidGlobalClusterStateFault', 'claims-global is being modified', 400)],
  ['a timeout', fault('TimeoutError', 'connect ETIMEDOUT', undefined)],
];

/** The inputs of every call of `command` the fake account received, in order. */
const inputsOf = (command: string) =>
  world
    .calls()
    .filter((c) => c.command === command)
    .map((c) => c.input);

/** Throttling of `command` once: the state machine retries the recovery step and the call is accepted. */
async function expectThrottlingRetried(command: string, failoverInput: Parameters<typeof run>[1]) {
  world.inject(command, fault('ThrottlingException', 'Rate exceeded', 400));
  const result = await run('failover', failoverInput);
  expect(result.status).toBe('SUCCEEDED');
  expect(result.retries.StartRecovery).toBe(1);
  expect(world.count(command)).toBe(2); // one throttled, one accepted
}

/** The first run meets `error` and fails with evidence naming it, before any client is repointed. */
async function expectFailedBefore(error: Error, execInput: RunInput, runbook: object): Promise<void> {
  const first = await run('failover', execInput);
  expect(first.status).toBe('FAILED');
  expect(world.count('ChangeResourceRecordSets') + world.count('PutSecretValue')).toBe(0);
  const [failed] = world.evidence();
  expect(failed).toMatchObject({ result: 'failed', runbook });
  expect(failed!.failureReason).toContain(error.name);
}

/** The function dies after `step`; the next run finishes, `command` was called once and clients repointed once. */
async function expectResumedOnce(execInput: RunInput, step: string, command: string): Promise<void> {
  const first = await run('failover', execInput, { crashAfter: step });
  expect(first.status).toBe('FAILED');
  const second = await run('failover', execInput);
  expect(second.status).toBe('SUCCEEDED');
  expect(world.count(command)).toBe(1);
  expect(world.count('ChangeResourceRecordSets')).toBe(1);
  expectRepointedTo('claims', clusterEndpoint(RECOVERY, 'claims-prod-dr'));
}

/**
 * A completed failover of claims to its secondary cluster: validated and repointed there, and the evidence says
 * so. Returns the evidence's recovery wait.
 */
function expectFailedOverToSecondary(strategy: string) {
  const host = clusterEndpoint(RECOVERY, 'claims-prod-dr');
  expect(world.validatorRequests.map((r) => r.database.host)).toEqual([host]);
  expectRepointedTo('claims', host);
  const [doc] = world.evidence();
  expect(doc).toMatchObject({
    result: 'passed',
    database: 'claims',
    source: { kind: 'replica', id: secondary, sourceDatabase: 'claims-prod' },
    target: { identifier: 'claims-prod-dr', engine: 'aurora-postgresql' },
    runbook: { strategy, status: 'completed' },
  });
  return doc!.runbook!.steps.find((s) => s.name === 'wait-available')!;
}

/** A dry run to the secondary cluster: its plan, no blocker, and nothing changed. */
function expectDryRunToSecondary(result: { output?: unknown }, strategy: string, expectedDataLossSeconds: number) {
  expect(result.output).toMatchObject({
    decision: 'dry-run',
    strategy,
    targetInstanceIdentifier: 'claims-prod-dr',
    expectedDataLossSeconds,
    blockers: [],
  });
  expect(world.calls().filter((c) => !/^(Describe|Get|List)/.test(c.command))).toEqual([]);
}

describe('cluster failover (synthesized state machine, real handler)', () => {
  test('global-failover: one FailoverGlobalCluster with AllowDataLoss to the secondary, validated, repointed, evidence', async () => {
    const result = await run('failover', input());
    expect(result.status).toBe('SUCCEEDED');
    const calls = world.calls().filter((c) => c.command === 'FailoverGlobalCluster');
    expect(calls.map((c) => c.input)).toEqual([
      { GlobalClusterIdentifier: 'claims-global', TargetDbClusterIdentifier: secondary, AllowDataLoss: true },
    ]);
    expect(world.count('SwitchoverGlobalCluster')).toBe(0);
    // 180 s of failover, noticed within one poll interval (≤ 15 s)
    const wait = expectFailedOverToSecondary('global-failover');
    expect(wait.durationSeconds).toBeGreaterThanOrEqual(180);
    expect(wait.durationSeconds).toBeLessThanOrEqual(195);
  });

  test('the plan reports the data-loss window from AuroraGlobalDBReplicationLag (ms, rounded up to seconds)', async () => {
    aurora.lagMs = 1200;
    expectDryRunToSecondary(await run('failover', input({ dryRun: true })), 'global-failover', 2);
  });

  test('global-switchover (planned, primary healthy): one SwitchoverGlobalCluster, not refused, no data loss', async () => {
    world.primaryStatus = 'available';
    const result = await run('failover', input({ strategy: 'global-switchover', reason: 'game day' }));
    expect(result.status).toBe('SUCCEEDED');
    expect(inputsOf('SwitchoverGlobalCluster')).toEqual([
      { GlobalClusterIdentifier: 'claims-global', TargetDbClusterIdentifier: secondary },
    ]);
    expect(world.count('FailoverGlobalCluster')).toBe(0);
    expect(world.evidence()[0]).toMatchObject({ result: 'passed', runbook: { strategy: 'global-switchover' } });
    expect(world.evidence()[0]!.achievedRpoSeconds).toBe(3); // what the validator measured
  });

  test('global-switchover with the primary region down is blocked before anything changes', async () => {
    const result = await run('failover', input({ strategy: 'global-switchover' }));
    expect(result.error).toBe('Rxdr.PreflightBlocked');
    expect(mutations()).toEqual([]);
  });

  test('global-failover with a healthy primary is refused unless forced', async () => {
    world.primaryStatus = 'available';
    const result = await run('failover', input());
    expect(result.error).toBe('Rxdr.PrimaryHealthy');
    expect(mutations()).toEqual([]);
  });

  test('an instance strategy on a cluster is blocked with the strategies that apply', async () => {
    const result = await run('failover', input({ strategy: 'promote-replica', dryRun: true }));
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('Rxdr.PreflightBlocked');
    const plan = await dryRunPlan(awsFailoverProvider, input({ strategy: 'promote-replica' }));
    expect(plan.blockers.join()).toMatch(/an Aurora cluster fails over with global-failover or global-switchover/);
    expect(mutations()).toEqual([]);
  });

  test('latest-backup (no global database): one Aurora restore job into the recovery network, one instance, repointed', async () => {
    ({ world, aurora } = newAuroraWorld('reports'));
    world.catalog.recoveryNetworkParameterName = '/rxdr/test/recovery-network';
    world.parameters.set(
      '/rxdr/test/recovery-network',
      JSON.stringify({ subnetGroupName: 'rxdr-test-recovered', securityGroupIds: ['sg-0recovered'] }),
    );
    const result = await run('failover', input({ database: 'reports' }));
    expect(result.status).toBe('SUCCEEDED');
    const jobs = world.calls().filter((c) => c.command === 'StartRestoreJob');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.input).toMatchObject({
      RecoveryPointArn: expect.stringContaining('rp-reports'),
      ResourceType: 'Aurora',
      Metadata: expect.objectContaining({
        DBClusterIdentifier: 'reports-prod-restored',
        Engine: 'aurora-postgresql',
        DBSubnetGroupName: 'rxdr-test-recovered',
        DeletionProtection: 'true',
      }),
    });
    expect(inputsOf('CreateDBInstance')).toEqual([
      expect.objectContaining({
        DBInstanceIdentifier: 'reports-prod-restored',
        DBClusterIdentifier: 'reports-prod-restored',
        PubliclyAccessible: false,
      }),
    ]);
    expectRepointedTo('reports', clusterEndpoint(RECOVERY, 'reports-prod-restored'));
    expect(world.evidence()[0]).toMatchObject({ result: 'passed', source: { kind: 'snapshot' } });
  });

  describe('fault matrix: each fault of the one destructive call ends in evidence, leaks nothing, and resumes', () => {
    test('throttling is retried and the failover is accepted once', async () => {
      await expectThrottlingRetried('FailoverGlobalCluster', input());
      expect(aurora.global.writer).toBe(secondary);
    });

    test.each(failingFaults('FailoverGlobalCluster'))(
      '%s: failed evidence naming it, clients untouched; the next run finishes with one failover',
      async (_, error) => {
        world.inject('FailoverGlobalCluster', error);
        await expectFailedBefore(error, input(), { status: 'failed' });
        expect(aurora.global.writer).toBe(clusterArn(PRIMARY, 'claims-prod'));
        const second = await run('failover', input());
        expect(second.status).toBe('SUCCEEDED');
        expect(aurora.global.writer).toBe(secondary);
        expect(touched().filter((id) => id !== secondary)).toEqual([]);
      },
    );

    test('NotFound: a global database that does not exist blocks at preflight, nothing is changed', async () => {
      aurora.global.id = 'some-other-global';
      const result = await run('failover', input());
      expect(result.error).toBe('Rxdr.PreflightBlocked');
      expect(mutations()).toEqual([]);
    });
  });

  test.each(CLUSTER_FAILOVER_STEPS)(
    'resume after the function died after %s: the global database fails over once',
    async (step) => {
      await expectResumedOnce(input(), step, 'FailoverGlobalCluster');
    },
  );
});

describe('detach-and-promote (synthesized state machine, real handler): the secondary leaves the global database', () => {
  const primary = clusterArn(PRIMARY, 'claims-prod');
  const detach = (overrides: Record<string, unknown> = {}) =>
    input({ strategy: 'detach-and-promote', reason: 'FailoverGlobalCluster keeps failing', ...overrides });
  const detaches = () => world.calls().filter((c) => c.command === 'RemoveFromGlobalCluster');

  test('one RemoveFromGlobalCluster of the secondary (its ARN, recovery region); validated, repointed, evidence', async () => {
    const result = await run('failover', detach());
    expect(result.status).toBe('SUCCEEDED');
    expect(detaches().map((c) => ({ client: c.client, input: c.input }))).toEqual([
      { client: 'rds:recovery', input: { GlobalClusterIdentifier: 'claims-global', DbClusterIdentifier: secondary } },
    ]);
    expect(world.count('FailoverGlobalCluster') + world.count('SwitchoverGlobalCluster')).toBe(0);
    // Only the secondary left; the primary cluster is still the global database's (unreachable) writer.
    expect(aurora.global.members).toEqual([primary]);
    expect(aurora.global.writer).toBe(primary);
    expect(touched()).toEqual([secondary]);
    // Not done when the global database drops it: only once the cluster is standalone with a writer instance.
    const wait = expectFailedOverToSecondary('detach-and-promote');
    expect(wait.durationSeconds).toBeGreaterThanOrEqual(aurora.seconds.detach);
  });

  test('the plan shows the replication lag as the data-loss window and warns that the old primary stays writable', async () => {
    aurora.lagMs = 4100;
    const result = await run('failover', detach({ dryRun: true }));
    expectDryRunToSecondary(result, 'detach-and-promote', 5);
    expect(result.output).toMatchObject({ source: { kind: 'replica', id: secondary } });
    const plan = result.output as { warnings: string[]; steps: { name: string; description: string }[] };
    expect(plan.warnings.join()).toMatch(/claims-prod is still a writable primary; keep clients off it/);
    expect(plan.steps.find((s) => s.name === 'recover')?.description).toMatch(/^detach claims-prod-dr from the global/);
  });

  test.each([
    [
      'a cluster without a global database',
      () => ({ world, aurora } = newAuroraWorld('reports')),
      { database: 'reports' },
      /global-database: reports has no Aurora Global Database \(tier 3\): nothing to detach/,
    ],
    [
      'a secondary that does not exist',
      () => aurora.clusters.delete(`${RECOVERY}/claims-prod-dr`),
      {},
      /secondary: claims-prod-dr does not exist in us-west-2: there is no secondary to detach/,
    ],
    [
      'a secondary that is already the writer (a global failover made it so)',
      () => (aurora.global.writer = secondary),
      {},
      /secondary: claims-prod-dr is the writer of claims-global: nothing to detach/,
    ],
  ])('refused before anything changes: %s', async (_, given, overrides, blocker) => {
    given();
    const result = await run('failover', detach(overrides));
    expect(result.error).toBe('Rxdr.PreflightBlocked');
    const plan = await dryRunPlan(awsFailoverProvider, detach(overrides));
    expect(plan.blockers.join('\n')).toMatch(blocker);
    expect(mutations()).toEqual([]);
  });

  test('a healthy primary is refused unless forced (two writers would exist)', async () => {
    world.primaryStatus = 'available';
    expect((await run('failover', detach())).error).toBe('Rxdr.PrimaryHealthy');
    expect(mutations()).toEqual([]);
  });

  describe('fault matrix of RemoveFromGlobalCluster: failed evidence, nothing leaked, the next run detaches once', () => {
    test('throttling is retried and the detach is accepted once', async () => {
      await expectThrottlingRetried('RemoveFromGlobalCluster', detach());
      expect(aurora.global.members).toEqual([primary]);
    });

    test.each([
      ...failingFaults('RemoveFromGlobalCluster'),
      ['NotFound', fault('GlobalClusterNotFoundFault', 'claims-global not found', 404)],
    ])('%s: failed evidence naming it, clients untouched; the next run finishes', async (_, error) => {
      world.inject('RemoveFromGlobalCluster', error);
      await expectFailedBefore(error, detach(), { strategy: 'detach-and-promote', status: 'failed' });
      expect(aurora.global.members).toContain(secondary);
      const second = await run('failover', detach());
      expect(second.status).toBe('SUCCEEDED');
      expect(aurora.global.members).toEqual([primary]);
      expectRepointedTo('claims', clusterEndpoint(RECOVERY, 'claims-prod-dr'));
      expect(touched().filter((id) => id !== secondary)).toEqual([]);
    });
  });

  test.each(CLUSTER_FAILOVER_STEPS)(
    'resume after the function died after %s: the secondary is detached once',
    async (step) => {
      await expectResumedOnce(detach(), step, 'RemoveFromGlobalCluster');
      expect(touched().filter((id) => id !== secondary)).toEqual([]);
    },
  );

  test('the failback of a detached secondary rebuilds the way back (cluster-failback-rebuild.test.ts)', async () => {
    expect((await run('failover', detach())).status).toBe('SUCCEEDED');
    world.primaryStatus = 'available';
    const back = { database: 'claims', reason: 'us-east-1 is back', startedBy: input().startedBy };
    const plan = await dryRunPlan(awsFailbackProvider, back);
    expect(plan).toMatchObject({ decision: 'dry-run', rebuild: { sourceClusterIdentifier: 'claims-prod-dr' } });
  });
});

describe('cluster failover waits end on events (the safety net looks once a minute)', () => {
  const waitAvailable = () => world.evidence()[0]!.runbook!.steps.find((s) => s.name === 'wait-available')!;

  // Switches that do not end on a safety-net minute, so that the event (not a timeout's look) must find them.
  test.each([
    ['global-failover', false, 150],
    ['global-switchover', true, 100],
  ] as const)(
    '%s: the new writer’s global-failover event ends the wait; no look every few seconds',
    async (strategy, primaryUp, seconds) => {
      world.primaryStatus = primaryUp ? 'available' : 'unreachable';
      aurora.seconds[primaryUp ? 'switchover' : 'failover'] = seconds;
      const waits = runbookWaits();
      const result = await run('failover', input({ strategy }), { waits });
      expect(result.status).toBe('SUCCEEDED');
      expect(waits.outcomes).toContain('resumed');
      // Safety-net looks once a minute while the switch runs, then the event's look: not one every 5–15 s.
      expect(result.taskInvocations.CheckRecovery).toBeLessThanOrEqual(Math.ceil(seconds / 60) + 1);
      expect(waitAvailable().durationSeconds).toBeLessThanOrEqual(seconds + EVENT_DELAY_SECONDS + 1);
    },
  );

  test('detach-and-promote: no documented cluster event ends a detach, so its wait looks every 5 s', async () => {
    const waits = runbookWaits();
    const result = await run('failover', input({ strategy: 'detach-and-promote' }), { waits });
    expect(result.status).toBe('SUCCEEDED');
    const seconds = aurora.seconds.detach;
    expect(result.taskInvocations.CheckRecovery).toBeLessThanOrEqual(Math.ceil(seconds / 5) + 1);
    // Noticed within one 5 s look of the detach's end, not at the next safety-net minute.
    expect(waitAvailable().durationSeconds).toBeLessThanOrEqual(seconds + 5 + 1);
  });

  test('latest-backup: the restore job’s event and then its writer’s (same identifier as the cluster) end the waits', async () => {
    ({ world, aurora } = newAuroraWorld('reports'));
    const waits = runbookWaits();
    const result = await run('failover', input({ database: 'reports' }), { waits });
    expect(result.status).toBe('SUCCEEDED');
    expect(waits.outcomes.filter((o) => o === 'resumed')).toHaveLength(2);
    const busy = aurora.seconds.restore + aurora.seconds.instance;
    expect(result.taskInvocations.CheckRecovery).toBeLessThanOrEqual(Math.ceil(busy / 60) + 2);
    expect(waitAvailable().durationSeconds).toBeLessThanOrEqual(busy + 2 * EVENT_DELAY_SECONDS + 1);
  });
});

describe('cluster failback (synthesized state machine, real handler): switch the global database back', () => {
  /** After a global failover: the secondary writes, the primary region is back and its cluster rejoined. */
  function failedOver(): void {
    aurora.global.writer = secondary;
    world.primaryStatus = 'available';
    const host = clusterEndpoint(RECOVERY, 'claims-prod-dr');
    world.records.set('claims.db.rx.internal.', host);
    world.parameters.set('/rx/claims/endpoint', host);
    world.secret = { json: { ...world.secret.json, host }, primaryRegion: RECOVERY };
  }
  const back = { database: 'claims', reason: 'us-east-1 healthy again', startedBy: input().startedBy };

  test('one SwitchoverGlobalCluster to the primary cluster under a write freeze; repointed back and verified', async () => {
    failedOver();
    const result = await run('failback', back);
    expect(result.status).toBe('SUCCEEDED');
    expect(inputsOf('SwitchoverGlobalCluster')).toEqual([
      { GlobalClusterIdentifier: 'claims-global', TargetDbClusterIdentifier: clusterArn(PRIMARY, 'claims-prod') },
    ]);
    expect(world.count('CreateDBInstanceReadReplica') + world.count('PromoteReadReplica')).toBe(0);
    expectRepointedTo('claims', clusterEndpoint(PRIMARY, 'claims-prod'));
    expect(JSON.parse(world.parameters.get('/rxdr/test/write-freeze/claims')!)).toMatchObject({ frozen: false });
    const [doc] = world.evidence();
    expect(doc).toMatchObject({ result: 'passed', runbook: { operation: 'failback', status: 'completed' } });
    expect(doc!.checks.map((c) => c.id)).toContain('failback.cluster');
  });

  test('blocked while the old primary has not rejoined the global database; nothing changes', async () => {
    failedOver();
    aurora.global.members = [secondary];
    const result = await run('failback', back);
    expect(result.error).toBe('Rxdr.PreflightBlocked');
    expect(mutations()).toEqual([]);
  });

  test.each(['create-replica', 'check-replica', 'freeze', 'check-caught-up', 'promote', 'check-promoted', 'repoint'])(
    'resume after the function died after %s: switched back once',
    async (step) => {
      failedOver();
      expect((await run('failback', back, { crashAfter: step })).status).toBe('FAILED');
      expect((await run('failback', back)).status).toBe('SUCCEEDED');
      expect(world.count('SwitchoverGlobalCluster')).toBe(1);
      expect(aurora.global.writer).toBe(clusterArn(PRIMARY, 'claims-prod'));
    },
  );
});
