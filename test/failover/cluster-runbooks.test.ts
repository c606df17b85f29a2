import { awsFailoverProvider } from '../../engines/failover/aws-provider';
import { LocalStateMachine, type LocalExecutionResult } from '../helpers/local-state-machine';
import { MUTATING, PRIMARY, RECOVERY, type FakeAws } from './fake-aws';
import { clusterArn, clusterEndpoint, newAuroraWorld, type FakeAurora } from './fake-aurora';
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

describe('cluster failover (synthesized state machine, real handler)', () => {
  test('global-failover: one FailoverGlobalCluster with AllowDataLoss to the secondary, validated, repointed, evidence', async () => {
    const result = await run('failover', input());
    expect(result.status).toBe('SUCCEEDED');
    const calls = world.calls().filter((c) => c.command === 'FailoverGlobalCluster');
    expect(calls.map((c) => c.input)).toEqual([
      { GlobalClusterIdentifier: 'claims-global', TargetDbClusterIdentifier: secondary, AllowDataLoss: true },
    ]);
    expect(world.count('SwitchoverGlobalCluster')).toBe(0);
    const host = clusterEndpoint(RECOVERY, 'claims-prod-dr');
    expect(world.validatorRequests.map((r) => r.database.host)).toEqual([host]);
    expectRepointedTo('claims', host);
    const [doc] = world.evidence();
    expect(doc).toMatchObject({
      result: 'passed',
      database: 'claims',
      source: { kind: 'replica', id: secondary, sourceDatabase: 'claims-prod' },
      target: { identifier: 'claims-prod-dr', engine: 'aurora-postgresql' },
      runbook: { strategy: 'global-failover', status: 'completed' },
    });
    // 180 s of failover, noticed within one poll interval (≤ 15 s)
    const wait = doc!.runbook!.steps.find((s) => s.name === 'wait-available')!;
    expect(wait.durationSeconds).toBeGreaterThanOrEqual(180);
    expect(wait.durationSeconds).toBeLessThanOrEqual(195);
  });

  test('the plan reports the data-loss window from AuroraGlobalDBReplicationLag (ms, rounded up to seconds)', async () => {
    aurora.lagMs = 1200;
    const result = await run('failover', input({ dryRun: true }));
    expect(result.output).toMatchObject({
      decision: 'dry-run',
      strategy: 'global-failover',
      targetInstanceIdentifier: 'claims-prod-dr',
      expectedDataLossSeconds: 2,
      blockers: [],
    });
    expect(world.calls().filter((c) => !/^(Describe|Get|List)/.test(c.command))).toEqual([]);
  });

  test('global-switchover (planned, primary healthy): one SwitchoverGlobalCluster, not refused, no data loss', async () => {
    world.primaryStatus = 'available';
    const result = await run('failover', input({ strategy: 'global-switchover', reason: 'game day' }));
    expect(result.status).toBe('SUCCEEDED');
    expect(
      world
        .calls()
        .filter((c) => c.command === 'SwitchoverGlobalCluster')
        .map((c) => c.input),
    ).toEqual([{ GlobalClusterIdentifier: 'claims-global', TargetDbClusterIdentifier: secondary }]);
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
    const execution = { id: 'x', name: 'x' };
    const plan = await awsFailoverProvider(world.deps()).preflight({
      input: { ...input({ strategy: 'promote-replica' }), dryRun: true },
      execution,
    });
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
    expect(
      world
        .calls()
        .filter((c) => c.command === 'CreateDBInstance')
        .map((c) => c.input),
    ).toEqual([
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
    const fault = (name: string, message: string, status?: number) =>
      Object.assign(new Error(message), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });
    const touched = () =>
      mutations()
        .filter((c) => c.client.startsWith('rds') || c.client === 'backup')
        .map((c) => String(c.input.TargetDbClusterIdentifier ?? c.input.DBInstanceIdentifier));

    test('throttling is retried and the failover is accepted once', async () => {
      world.inject('FailoverGlobalCluster', fault('ThrottlingException', 'Rate exceeded', 400));
      const result = await run('failover', input());
      expect(result.status).toBe('SUCCEEDED');
      expect(result.retries.StartRecovery).toBe(1);
      expect(world.count('FailoverGlobalCluster')).toBe(2); // one throttled, one accepted
      expect(aurora.global.writer).toBe(secondary);
    });

    test.each([
      ['a 5xx', fault('InternalFailure', 'We encountered an internal error', 500)],
      ['AccessDenied', fault('AccessDenied', 'not authorized to perform: rds:FailoverGlobalCluster', 403)],
      ['an invalid state', fault('InvalidGlobalClusterStateFault', 'claims-global is being modified', 400)],
      ['a timeout', fault('TimeoutError', 'connect ETIMEDOUT', undefined)],
    ])(
      '%s: failed evidence naming it, clients untouched; the next run finishes with one failover',
      async (_, error) => {
        world.inject('FailoverGlobalCluster', error);
        const first = await run('failover', input());
        expect(first.status).toBe('FAILED');
        expect(world.count('ChangeResourceRecordSets') + world.count('PutSecretValue')).toBe(0);
        const [failed] = world.evidence();
        expect(failed).toMatchObject({ result: 'failed', runbook: { status: 'failed' } });
        expect(failed!.failureReason).toContain(error.name);
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

  test.each([
    'preflight',
    'activate',
    'start-recovery',
    'check-recovery',
    'validate',
    'repoint',
    'check-repoint',
    'verify',
    'notify',
  ])('resume after the function died after %s: the global database fails over once', async (step) => {
    const first = await run('failover', input(), { crashAfter: step });
    expect(first.status).toBe('FAILED');
    const second = await run('failover', input());
    expect(second.status).toBe('SUCCEEDED');
    expect(world.count('FailoverGlobalCluster')).toBe(1);
    expect(world.count('ChangeResourceRecordSets')).toBe(1);
    expectRepointedTo('claims', clusterEndpoint(RECOVERY, 'claims-prod-dr'));
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
    expect(
      world
        .calls()
        .filter((c) => c.command === 'SwitchoverGlobalCluster')
        .map((c) => c.input),
    ).toEqual([
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
