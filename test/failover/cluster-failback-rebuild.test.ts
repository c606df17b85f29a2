import { awsFailbackProvider } from '../../engines/failover/aws-provider';
import { EVENT_DELAY_SECONDS } from '../helpers/event-waits';
import { failAfterWork, LocalStateMachine, type LocalExecutionResult } from '../helpers/local-state-machine';
import { MUTATING, PRIMARY, RECOVERY, type FakeAws } from './fake-aws';
import { clusterArn, clusterEndpoint, newAuroraWorld, type FakeAurora } from './fake-aurora';
import { runbookStack } from './runbook-stack';
import { runbookWaits, runRunbook, type RunbookRunOptions } from './run-runbook';

/**
 * The failback of a detached secondary, run by the synthesized failback state machine with the real step handler
 * over the fake Aurora account: after a detach-and-promote, a new global database from the detached cluster, a new
 * secondary in the primary region, its instance, a switchover to it, repoint, verification, evidence. The old
 * primary cluster and its global database are never touched.
 */
const template = runbookStack().template;
const machines = {
  failover: LocalStateMachine.fromTemplate(template, { stateMachine: 'RunbooksFailover' }),
  failback: LocalStateMachine.fromTemplate(template, { stateMachine: 'RunbooksFailback' }),
};
const startedBy = 'arn:aws:sts::111111111111:assumed-role/oncall/alice';
const back = { database: 'claims', reason: 'us-east-1 is back after the detach', startedBy };

let world: FakeAws;
let aurora: FakeAurora;

const run = (
  operation: 'failover' | 'failback',
  input: Record<string, unknown>,
  options: RunbookRunOptions = {},
): Promise<LocalExecutionResult> =>
  runRunbook(operation, machines[operation], world, input, { approval: 'approve', ...options });

const detachedArn = clusterArn(RECOVERY, 'claims-prod-dr');
const built = 'claims-prod-fb';
const builtArn = clusterArn(PRIMARY, built);
const rebuiltGlobal = 'claims-global-fb';

/** A detach-and-promote has run; the primary region is back. The failback's calls are counted from here. */
let before = 0;
beforeEach(async () => {
  ({ world, aurora } = newAuroraWorld());
  const failover = await run('failover', {
    database: 'claims',
    strategy: 'detach-and-promote',
    reason: 'broken',
    startedBy,
  });
  expect(failover.status).toBe('SUCCEEDED');
  world.primaryStatus = 'available';
  before = world.calls().length;
});
afterEach(() => world.restore());

const failbackMutations = () =>
  world
    .calls()
    .slice(before)
    .filter((c) => MUTATING.test(c.command) && c.client.startsWith('rds'));

/** Every RDS change of the failback names only what it built or the detached cluster it builds from. */
function expectOnlyOwnResourcesTouched(): void {
  const named = failbackMutations().map((c) =>
    String(
      c.input.DBClusterIdentifier ??
        c.input.DBInstanceIdentifier ??
        c.input.TargetDbClusterIdentifier ??
        c.input.GlobalClusterIdentifier,
    ),
  );
  expect(named.filter((id) => ![built, builtArn, rebuiltGlobal].includes(id))).toEqual([]);
  expect(JSON.stringify(failbackMutations())).not.toMatch(/"claims-prod"|cluster:claims-prod"|"claims-global"/);
}

/** What was built exists once, and the switch ended on it. */
function expectBuiltOnce(): void {
  expect(aurora.created.map((g) => g.id)).toEqual([rebuiltGlobal]);
  expect(aurora.created[0]!.members).toEqual([detachedArn, builtArn]);
  expect(aurora.created[0]!.writer).toBe(builtArn);
  expect(aurora.clusters.get(`${PRIMARY}/${built}`)?.instances).toEqual([built]);
  const host = clusterEndpoint(PRIMARY, built);
  expect(world.records.get('claims.db.rx.internal.')).toBe(host);
  expect(world.parameters.get('/rx/claims/endpoint')).toBe(host);
  expect(world.secret.json.host).toBe(host);
}

/** The old primary cluster and its global database are as the detach left them. */
function expectOldPrimaryLeftAlone(): void {
  expect(aurora.global.members).toEqual([clusterArn(PRIMARY, 'claims-prod')]);
  expect(aurora.global.writer).toBe(clusterArn(PRIMARY, 'claims-prod'));
  expect(aurora.clusters.get(`${PRIMARY}/claims-prod`)?.status).toBe('available');
}

const tags = [
  { Key: 'rxdr:failover-execution', Value: expect.any(String) },
  { Key: 'rxdr:database', Value: 'claims' },
];

describe('failback of a detached secondary (synthesized state machine, real handler)', () => {
  test('a new global database from the detached cluster, a tagged secondary, switched over; old primary kept', async () => {
    const result = await run('failback', back);
    expect(result.status).toBe('SUCCEEDED');
    const input = (command: string) =>
      world
        .calls()
        .filter((c) => c.command === command)
        .map((c) => ({ client: c.client, input: c.input }));
    expect(input('CreateGlobalCluster')).toEqual([
      {
        client: 'rds:recovery',
        input: {
          GlobalClusterIdentifier: rebuiltGlobal,
          SourceDBClusterIdentifier: detachedArn,
          DeletionProtection: true,
          Tags: tags,
        },
      },
    ]);
    expect(input('CreateDBCluster')).toEqual([
      {
        client: 'rds:primary',
        input: expect.objectContaining({
          DBClusterIdentifier: built,
          GlobalClusterIdentifier: rebuiltGlobal,
          Engine: 'aurora-postgresql',
          EngineVersion: '17.6',
          DBSubnetGroupName: 'rxdr-primary-subnets',
          VpcSecurityGroupIds: ['sg-primary'],
          KmsKeyId: `arn:aws:kms:${PRIMARY}:111111111111:key/primary`,
          StorageEncrypted: true,
          DeletionProtection: true,
          Tags: tags,
        }),
      },
    ]);
    expect(input('CreateDBInstance').filter((c) => c.client === 'rds:primary')).toEqual([
      {
        client: 'rds:primary',
        input: expect.objectContaining({ DBInstanceIdentifier: built, DBClusterIdentifier: built, Tags: tags }),
      },
    ]);
    expect(input('SwitchoverGlobalCluster').map((c) => c.input)).toEqual([
      { GlobalClusterIdentifier: rebuiltGlobal, TargetDbClusterIdentifier: builtArn },
    ]);
    expectBuiltOnce();
    expectOldPrimaryLeftAlone();
    expectOnlyOwnResourcesTouched();
    expect(JSON.parse(world.parameters.get('/rxdr/test/write-freeze/claims')!)).toMatchObject({ frozen: false });
    const doc = world.evidence().find((d) => d.runbook?.operation === 'failback')!;
    expect(doc).toMatchObject({
      result: 'passed',
      runbook: { operation: 'failback', status: 'completed' },
      target: { identifier: built, engine: 'aurora-postgresql' },
      cleanup: { status: 'kept', resources: [`claims-prod (${PRIMARY})`, 'claims-global'] },
    });
    expect(doc.checks.filter((c) => c.status !== 'passed')).toEqual([]);
  });

  test('the instance is added while the new secondary is still being created: one wait for both', async () => {
    // Off the 60 s safety-net looks, so that events, not a look that happens to land on the end, find them.
    Object.assign(aurora.seconds, { secondaryCreate: 930, instance: 630 });
    const waits = runbookWaits();
    const result = await run('failback', back, { waits });
    expect(result.status).toBe('SUCCEEDED');
    const doc = world.evidence().find((d) => d.runbook?.operation === 'failback')!;
    const wait = doc.runbook!.steps.find((s) => s.name === 'wait-replica')!;
    const { globalCreate, secondaryCreate, instance } = aurora.seconds;
    // The global database (no event) is looked at every 5 s and found at its end (60 s); the secondary and its
    // instance then pay one event delivery between them (the instance's), not one each.
    expect(wait.durationSeconds).toBe(globalCreate + secondaryCreate + instance + EVENT_DELAY_SECONDS);
    expect(waits.outcomes).toContain('resumed');
  });

  test.each([1, 2])(
    'the function dies right after mutating call %i of the look that creates the secondary: the retry creates each once',
    async (afterSideEffects) => {
      // The global database is available at once: the first look creates the cluster, then its instance.
      aurora.seconds.globalCreate = 0;
      const task = machines.failback.retriedTasks.find((t) => t.stateName === 'FailbackCheckReplica')!;
      let died = false;
      const crash = {
        afterSideEffects,
        arm: (n: number) => world.crashAfterMutations(n),
        died: () => (died = world.died()),
      };
      const result = await run('failback', back, {
        aroundTask: failAfterWork(task.stateName, task.retryableError, crash),
      });
      expect(died).toBe(true);
      expect(result.status).toBe('SUCCEEDED');
      expectBuiltOnce();
      expect(world.count('CreateDBCluster')).toBe(1);
      expect(world.count('CreateDBInstance', (i) => i.DBInstanceIdentifier === built)).toBe(1);
      expectOldPrimaryLeftAlone();
      expectOnlyOwnResourcesTouched();
    },
  );

  test('dry run: the plan names what is built and what is left to the operator; nothing changes', async () => {
    const result = await run('failback', { ...back, dryRun: true });
    expect(result.status).toBe('SUCCEEDED');
    expect(failbackMutations()).toEqual([]);
    const plan = await awsFailbackProvider(world.deps()).preflight({
      input: { ...back, dryRun: true },
      execution: { id: 'x', name: 'x' },
    });
    expect(plan).toMatchObject({
      decision: 'dry-run',
      replicaIdentifier: built,
      currentPrimary: { identifier: 'claims-prod-dr' },
      rebuild: { globalClusterIdentifier: rebuiltGlobal, sourceClusterIdentifier: 'claims-prod-dr' },
    });
    const steps = Object.fromEntries(plan.steps.map((s) => [s.name, s.description]));
    expect(steps['create-replica']).toMatch(/create the global database claims-global-fb from claims-prod-dr/);
    expect(steps.promote).toBe('switch claims-global-fb over to claims-prod-fb');
    expect(plan.checks.find((c) => c.name === 'left-for-operator')?.detail).toMatch(/never changes or deletes/);
  });

  test.each([
    [
      'the primary region does not answer',
      () => (world.primaryStatus = 'unreachable'),
      /primary-region: RDS in us-east-1 does not answer/,
    ],
    [
      'a cluster named like the new secondary exists untagged',
      () => aurora.clusters.set(`${PRIMARY}/${built}`, { status: 'available', instances: [] }),
      /new-secondary: claims-prod-fb exists in us-east-1 and was not created by a failback of claims/,
    ],
    [
      'the new global database exists with someone else’s cluster',
      () =>
        aurora.created.push({
          id: rebuiltGlobal,
          writer: clusterArn(RECOVERY, 'someone-else'),
          members: [clusterArn(RECOVERY, 'someone-else')],
          switching: undefined,
          endpoint: undefined,
        }),
      /new-global-database: claims-global-fb exists and holds someone-else/,
    ],
  ])('blocked when %s, naming it; nothing changes', async (_, arrange, blocker) => {
    arrange();
    const result = await run('failback', back);
    expect(result.error).toBe('Rxdr.PreflightBlocked');
    expect(failbackMutations()).toEqual([]);
    const plan = await awsFailbackProvider(world.deps()).preflight({
      input: { ...back, dryRun: false },
      execution: { id: 'x', name: 'x' },
    });
    expect(plan.blockers.join('\n')).toMatch(blocker);
  });

  const fault = (name: string, message: string, status?: number) =>
    Object.assign(new Error(message), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });
  const FAULTS: [string, Error][] = [
    ['a 5xx', fault('InternalFailure', 'We encountered an internal error', 500)],
    ['AccessDenied', fault('AccessDenied', 'not authorized', 403)],
    ['NotFound', fault('GlobalClusterNotFoundFault', 'not found', 404)],
    ['an invalid state', fault('InvalidGlobalClusterStateFault', 'claims-global-fb is being modified', 400)],
    ['a timeout', fault('TimeoutError', 'connect ETIMEDOUT')],
  ];
  const CALLS = ['CreateGlobalCluster', 'CreateDBCluster', 'CreateDBInstance', 'SwitchoverGlobalCluster'];

  describe.each(CALLS)('fault matrix of %s', (command) => {
    test('throttling is retried; everything is built once', async () => {
      world.inject(command, fault('ThrottlingException', 'Rate exceeded', 400));
      const result = await run('failback', back);
      expect(result.status).toBe('SUCCEEDED');
      expectBuiltOnce();
      expectOldPrimaryLeftAlone();
      expectOnlyOwnResourcesTouched();
    });

    test.each(FAULTS)(
      '%s: failed evidence naming it, nothing leaked; the next run builds each thing once',
      async (_, error) => {
        world.inject(command, error);
        const first = await run('failback', back);
        expect(first.status).toBe('FAILED');
        const failed = world.evidence().find((d) => d.runbook?.operation === 'failback')!;
        expect(failed).toMatchObject({ result: 'failed', runbook: { status: 'failed' } });
        expect(failed.failureReason).toContain(error.name);
        // Clients still on the detached cluster: nothing half-switched.
        expect(world.secret.json.host).toBe(clusterEndpoint(RECOVERY, 'claims-prod-dr'));
        const second = await run('failback', back);
        expect(second.status).toBe('SUCCEEDED');
        expectBuiltOnce();
        expectOldPrimaryLeftAlone();
        expectOnlyOwnResourcesTouched();
      },
    );
  });

  test.each([
    'preflight',
    'create-replica',
    'check-replica',
    'freeze',
    'check-caught-up',
    'promote',
    'check-promoted',
    'repoint',
    'check-repoint',
    'verify',
    'unfreeze',
  ])('resume after the function died after %s: each thing built and switched once', async (step) => {
    expect((await run('failback', back, { crashAfter: step })).status).toBe('FAILED');
    const second = await run('failback', back);
    expect(second.status).toBe('SUCCEEDED');
    expectBuiltOnce();
    expect(world.count('CreateGlobalCluster')).toBe(1);
    expect(world.count('CreateDBCluster')).toBe(1);
    expect(world.count('CreateDBInstance', (i) => i.DBInstanceIdentifier === built)).toBe(1);
    expect(world.count('SwitchoverGlobalCluster')).toBe(1);
    expectOldPrimaryLeftAlone();
    expectOnlyOwnResourcesTouched();
  });
});
