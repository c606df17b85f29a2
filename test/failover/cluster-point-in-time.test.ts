import {
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  RestoreDBClusterToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { awsFailoverProvider } from '../../engines/failover/aws-provider';
import { LocalStateMachine, type LocalExecutionResult } from '../helpers/local-state-machine';
import { EVENT_DELAY_SECONDS, rdsClusterEvent, rdsInstanceEvent } from '../helpers/event-waits';
import { MUTATING, PRIMARY, type FakeAws } from './fake-aws';
import { CLUSTER_FAILOVER_STEPS, clusterArn, clusterEndpoint, newAuroraWorld, type FakeAurora } from './fake-aurora';
import { runbookStack } from './runbook-stack';
import { runbookWaits, runRunbook, type RunbookRunOptions } from './run-runbook';

/**
 * A cluster's point-in-time failover through the synthesized failover state machine with the real step handler:
 * `RestoreDBClusterToPointInTime` of the damaged cluster beside it in the primary region (Aurora restores a
 * cluster to a point in time only in its own region), one instance, validation, repoint, evidence.
 */
const machine = LocalStateMachine.fromTemplate(runbookStack().template, { stateMachine: 'RunbooksFailover' });

const RESTORED = 'reports-prod-restored';
const SOURCE = 'reports-prod';
const RESTORE_SECONDS = 1500;
const INSTANCE_SECONDS = 600;
/** The primary cluster's restorable window ends 4 minutes ago (Aurora uploads its log every ~5 minutes). */
const LATEST_LAG_MS = 240_000;

const input = (overrides: Record<string, unknown> = {}) => ({
  database: 'reports',
  strategy: 'point-in-time',
  reason: 'a migration dropped the reports.claims rows at 01:12',
  startedBy: 'arn:aws:sts::111111111111:assumed-role/oncall/alice',
  force: { reason: 'the cluster answers but its data is damaged' },
  ...overrides,
});

let world: FakeAws;
let aurora: FakeAurora;
/** Clusters restored in the primary region: status, when they become available. */
let restored: Map<string, { status: string; readyAt: number }>;

function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

/** The primary region's clusters as `DescribeDBClusters` shows them, with the restorable window and network. */
function describePrimary(id: string): object {
  if (world.primaryStatus === 'unreachable') throw awsError('TimeoutError', 'connect ETIMEDOUT');
  const now = world.clock.ms;
  const base = {
    DBClusterIdentifier: id,
    DBClusterArn: clusterArn(PRIMARY, id),
    Endpoint: clusterEndpoint(PRIMARY, id),
    Port: 5432,
  };
  if (id === SOURCE)
    return {
      ...base,
      Status: aurora.clusters.get(`${PRIMARY}/${SOURCE}`)!.status,
      EarliestRestorableTime: new Date(now - 7 * 86400_000),
      LatestRestorableTime: new Date(now - LATEST_LAG_MS),
      DBSubnetGroup: 'rxdr-test-reports',
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0reports', Status: 'active' }],
      DBClusterMembers: [{ DBInstanceIdentifier: 'reports-prod-writer', IsClusterWriter: true }],
    };
  const cluster = restored.get(id);
  if (!cluster) throw awsError('DBClusterNotFoundFault', `DBCluster ${id} not found.`);
  if (now >= cluster.readyAt) cluster.status = 'available';
  const instance = world.instances.get(`${PRIMARY}/${id}`);
  return {
    ...base,
    Status: cluster.status,
    DBClusterMembers: instance ? [{ DBInstanceIdentifier: id, IsClusterWriter: true }] : [],
  };
}

beforeEach(() => {
  ({ world, aurora } = newAuroraWorld('reports'));
  world.primaryStatus = 'available'; // the region is up: the cluster is damaged, not gone
  restored = new Map();
  world.handle('rds:primary', DescribeDBClustersCommand, (req) => ({
    DBClusters: [describePrimary(String(req.DBClusterIdentifier))],
  }));
  world.handle('rds:primary', RestoreDBClusterToPointInTimeCommand, (req) => {
    const id = String(req.DBClusterIdentifier);
    if (req.SourceDBClusterIdentifier !== SOURCE) throw awsError('DBClusterNotFoundFault');
    if (restored.has(id)) throw awsError('DBClusterAlreadyExistsFault', `${id} already exists`);
    const readyAt = world.clock.ms + RESTORE_SECONDS * 1000;
    restored.set(id, { status: 'creating', readyAt });
    world.emit(id, readyAt, rdsClusterEvent(id, 'creation', 'DB cluster created', readyAt, PRIMARY));
    return { DBCluster: { DBClusterIdentifier: id, Status: 'creating' } };
  });
  world.handle('rds:primary', CreateDBInstanceCommand, (req) => {
    const id = String(req.DBInstanceIdentifier);
    if (restored.get(String(req.DBClusterIdentifier))?.status !== 'available')
      throw awsError('InvalidDBClusterStateFault', `${String(req.DBClusterIdentifier)} is not available`);
    if (world.instances.has(`${PRIMARY}/${id}`)) throw awsError('DBInstanceAlreadyExistsFault');
    world.transition(PRIMARY, id, 'creating', INSTANCE_SECONDS, { status: 'available' }, (at) =>
      rdsInstanceEvent(id, 'creation', 'DB instance created', at, PRIMARY),
    );
    return {};
  });
});
afterEach(() => world.restore());

const run = (execInput: Record<string, unknown>, options: RunbookRunOptions = {}): Promise<LocalExecutionResult> =>
  runRunbook('failover', machine, world, execInput, { approval: 'approve', ...options });

const mutations = () => world.calls().filter((c) => MUTATING.test(c.command) && c.command !== 'Publish');
const restores = () => world.calls().filter((c) => c.command === 'RestoreDBClusterToPointInTime');
const instancesCreated = () => world.calls().filter((c) => c.command === 'CreateDBInstance');
const host = clusterEndpoint(PRIMARY, RESTORED);

function expectRepointedTo(target: string): void {
  expect(world.records.get('reports.db.rx.internal.')).toBe(target);
  expect(world.parameters.get('/rx/reports/endpoint')).toBe(target);
  expect(world.secret.json.host).toBe(target);
}

describe('cluster point-in-time failover (synthesized state machine, real handler)', () => {
  test('one RestoreDBClusterToPointInTime beside the damaged cluster and one instance; validated, repointed, evidence', async () => {
    const startedAt = world.clock.ms;
    const result = await run(input());
    expect(result.status).toBe('SUCCEEDED');
    expect(restores()).toEqual([
      {
        client: 'rds:primary',
        command: 'RestoreDBClusterToPointInTime',
        input: expect.objectContaining({
          SourceDBClusterIdentifier: SOURCE,
          DBClusterIdentifier: RESTORED,
          RestoreType: 'full-copy',
          UseLatestRestorableTime: true,
          DBSubnetGroupName: 'rxdr-test-reports',
          VpcSecurityGroupIds: ['sg-0reports'],
          DeletionProtection: true,
          Tags: expect.arrayContaining([{ Key: 'rxdr:database', Value: 'reports' }]),
        }),
      },
    ]);
    expect(instancesCreated()).toEqual([
      {
        client: 'rds:primary',
        command: 'CreateDBInstance',
        input: expect.objectContaining({
          DBInstanceIdentifier: RESTORED,
          DBClusterIdentifier: RESTORED,
          Engine: 'aurora-postgresql',
          PubliclyAccessible: false,
        }),
      },
    ]);
    // Nothing in the recovery region: no restore job, no recovery-region instance.
    expect(mutations().filter((c) => c.client === 'rds:recovery' || c.client === 'backup')).toEqual([]);
    expect(world.validatorRequests.map((r) => r.database.host)).toEqual([host]);
    expectRepointedTo(host);
    expect(world.published.at(-1)?.subject).toBe('rxdr test: reports failed over to us-east-1');
    const [doc] = world.evidence();
    const restoreTime = new Date(startedAt - LATEST_LAG_MS).toISOString();
    expect(doc).toMatchObject({
      result: 'passed',
      database: 'reports',
      source: {
        kind: 'point-in-time',
        id: clusterArn(PRIMARY, SOURCE),
        recoveryPointTime: restoreTime,
        details: { region: PRIMARY, dataLossWindowSeconds: String(LATEST_LAG_MS / 1000) },
      },
      target: { identifier: RESTORED, engine: 'aurora-postgresql', endpoint: `${host}:5432` },
      runbook: { strategy: 'point-in-time', status: 'completed' },
    });
  });

  test('dry run: the plan names the restore time and the data-loss window from LatestRestorableTime; read-only', async () => {
    const result = await run(input({ dryRun: true }));
    expect(result.output).toMatchObject({
      decision: 'dry-run',
      strategy: 'point-in-time',
      targetInstanceIdentifier: RESTORED,
      expectedDataLossSeconds: LATEST_LAG_MS / 1000,
      blockers: [],
      warnings: [
        expect.stringMatching(/^the validator runs in us-west-2 and reaches reports-prod-restored in us-east-1/),
      ],
    });
    expect(world.calls().filter((c) => !/^(Describe|Get|List)/.test(c.command))).toEqual([]);
  });

  test('a target time outside the restorable window is blocked in preflight, naming the window', async () => {
    const late = new Date(world.clock.ms + 3600_000).toISOString();
    const result = await run(input({ targetTime: late }));
    expect(result.error).toBe('Rxdr.PreflightBlocked');
    expect(mutations()).toEqual([]);
    const plan = await awsFailoverProvider(world.deps()).preflight({
      input: { ...input({ targetTime: late }), dryRun: true } as never,
      execution: { id: 'x', name: 'x' },
    });
    expect(plan.blockers).toEqual([expect.stringMatching(/^restorable-window: target time .* is outside .* … /)]);
  });

  test('a target time inside the window: RestoreToTime, and the data-loss window from it', async () => {
    const targetTime = new Date(world.clock.ms - 3600_000).toISOString();
    const result = await run(input({ targetTime }));
    expect(result.status).toBe('SUCCEEDED');
    expect(restores()[0]!.input).toMatchObject({ RestoreToTime: new Date(targetTime) });
    expect(restores()[0]!.input.UseLatestRestorableTime).toBeUndefined();
    expect(world.evidence()[0]!.source).toMatchObject({
      recoveryPointTime: targetTime,
      details: { dataLossWindowSeconds: '3600' },
    });
  });

  test('the primary region down: blocked in preflight, naming the strategy for a regional outage; nothing changes', async () => {
    world.primaryStatus = 'unreachable';
    const result = await run(input());
    expect(result.error).toBe('Rxdr.PreflightBlocked');
    expect(mutations()).toEqual([]);
    const plan = await awsFailoverProvider(world.deps()).preflight({
      input: { ...input(), dryRun: true } as never,
      execution: { id: 'x', name: 'x' },
    });
    expect(plan.blockers.join()).toMatch(
      /only in its own region, and RDS in us-east-1 did not answer.*for a regional outage use latest-backup/,
    );
    // The global database's cluster names its own alternatives.
    const global = await awsFailoverProvider(world.deps()).preflight({
      input: { ...input({ database: 'claims' }), dryRun: true } as never,
      execution: { id: 'y', name: 'y' },
    });
    expect(global.blockers.join()).toMatch(/use global-failover or detach-and-promote/);
  });

  test('a cluster that answers is refused unless forced (the operator declares it damaged)', async () => {
    const result = await run(input({ force: undefined }));
    expect(result.error).toBe('Rxdr.PrimaryHealthy');
    expect(mutations()).toEqual([]);
  });

  test('the waits end on the restored cluster’s and then its instance’s events (forwarded), safety net once a minute', async () => {
    const waits = runbookWaits();
    const result = await run(input(), { waits });
    expect(result.status).toBe('SUCCEEDED');
    expect(waits.outcomes.filter((o) => o === 'resumed')).toHaveLength(2);
    const busy = RESTORE_SECONDS + INSTANCE_SECONDS;
    expect(result.taskInvocations.CheckRecovery).toBeLessThanOrEqual(Math.ceil(busy / 60) + 2);
    const wait = world.evidence()[0]!.runbook!.steps.find((s) => s.name === 'wait-available')!;
    expect(wait.durationSeconds).toBeLessThanOrEqual(busy + 2 * EVENT_DELAY_SECONDS + 1);
  });

  describe('fault matrix of RestoreDBClusterToPointInTime', () => {
    const fault = (name: string, message: string, status?: number) =>
      Object.assign(new Error(message), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });

    test('throttling is retried and the restore is accepted once', async () => {
      world.inject('RestoreDBClusterToPointInTime', fault('ThrottlingException', 'Rate exceeded', 400));
      const result = await run(input());
      expect(result.status).toBe('SUCCEEDED');
      expect(result.retries.StartRecovery).toBe(1);
      expect(restores()).toHaveLength(2); // one throttled, one accepted
      expect([...restored.keys()]).toEqual([RESTORED]);
      expect(instancesCreated()).toHaveLength(1);
    });

    test.each([
      ['AccessDenied', fault('AccessDenied', 'not authorized to perform: rds:RestoreDBClusterToPointInTime', 403)],
      ['NotFound', fault('DBClusterNotFoundFault', `DBCluster ${SOURCE} not found`, 404)],
      ['an invalid state', fault('InvalidDBClusterStateFault', `${SOURCE} is not in a valid state`, 400)],
    ])('%s: failed evidence naming the error; nothing else touched', async (_, error) => {
      world.inject('RestoreDBClusterToPointInTime', error);
      const result = await run(input());
      expect(result.status).toBe('FAILED');
      const [failed] = world.evidence();
      expect(failed).toMatchObject({ result: 'failed', runbook: { status: 'failed' } });
      expect(failed!.failureReason).toContain(error.name);
      expect(restored.size).toBe(0);
      const database = mutations().filter((c) => c.client.startsWith('rds') || c.client === 'backup');
      expect(database.map((c) => c.command)).toEqual(['RestoreDBClusterToPointInTime']);
      expect(world.count('ChangeResourceRecordSets') + world.count('PutSecretValue')).toBe(0);
    });
  });

  test.each(CLUSTER_FAILOVER_STEPS)(
    'resume after the function died after %s: restored once, one instance, repointed',
    async (step) => {
      const first = await run(input(), { crashAfter: step });
      expect(first.status).toBe('FAILED');
      const second = await run(input());
      expect(second.status).toBe('SUCCEEDED');
      expect(world.count('RestoreDBClusterToPointInTime')).toBe(1);
      expect(world.count('CreateDBInstance')).toBe(1);
      expectRepointedTo(host);
    },
  );
});
