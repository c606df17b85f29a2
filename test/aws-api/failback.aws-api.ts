import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { latestMetric } from '../../engines/failover/aws-helpers';
import type { FailbackPlan, FailbackState } from '../../engines/failover/failback-steps';
import { instances, manualSnapshots, MUTATING, PRIMARY, RECOVERY, resetMoto, snapshotOf, tagsOf } from './moto';
import {
  approval,
  BUCKET,
  east,
  evidenceAt,
  failedOver,
  pointers,
  runbookTask,
  runbookWorld,
  west,
  type RunbookWorld,
  type State,
} from './runbook-world';

/**
 * The failback runbook's Lambda against moto, after a point-in-time failover: a replica of the recovery-region
 * primary in us-east-1, write freeze, catch-up, promotion, repoint back, verify, unfreeze, evidence.
 */

const task = (w: RunbookWorld, action: string, state: State, extra: Record<string, unknown> = {}) =>
  runbookTask('failback', w, action, state, extra);

function startFailback(dryRun = false): State {
  return {
    input: {
      database: 'dispensing',
      dryRun,
      reason: 'us-east-1 has recovered',
      startedBy: 'arn:aws:iam::111111111111:role/oncall',
    },
    execution: {
      id: `arn:aws:states:${RECOVERY}:111111111111:execution:rxdr-failback:back-1`,
      name: 'back-1',
      startTime: new Date().toISOString(),
    },
  };
}

/** RDS publishes ReplicaLag every minute; moto's RDS publishes nothing, so the test does (by default a minute old). */
async function replicaLagIs(
  identifier: string,
  value: number,
  timestamp = new Date(Date.now() - 60_000),
): Promise<void> {
  await new CloudWatchClient({ region: PRIMARY }).send(
    new PutMetricDataCommand({
      Namespace: 'AWS/RDS',
      MetricData: [
        {
          MetricName: 'ReplicaLag',
          Dimensions: [{ Name: 'DBInstanceIdentifier', Value: identifier }],
          Value: value,
          Unit: 'Seconds',
          Timestamp: timestamp,
        },
      ],
    }),
  );
}

beforeEach(resetMoto);

test('failback: replica in the primary region, freeze, catch up, promote, repoint, verify, unfreeze, evidence', async () => {
  const w = await runbookWorld();
  const recoveredHost = await failedOver(w);
  // moto cannot place a cross-region replica in a subnet group (named below): this run leaves the group out.
  Object.assign(w.catalog.databases[0] ?? {}, { primarySubnetGroupName: undefined });
  const oldPrimaryBefore = await snapshotOf(east, 'dispensing');
  let state = startFailback();

  const plan = (await task(w, 'preflight', state)) as FailbackPlan;
  expect(plan).toMatchObject({
    decision: 'proceed',
    currentPrimary: { identifier: 'dispensing-recovered', status: 'available' },
    replicaIdentifier: 'dispensing-failback',
    replicaExists: false,
    blockers: [],
  });
  state = { ...state, plan, approval: approval() };

  state = { ...state, replica: await task(w, 'create-replica', state) };
  const replica = (await instances(east)).get('dispensing-failback');
  expect(replica?.ReadReplicaSourceDBInstanceIdentifier).toBe(plan.currentPrimary.arn);
  expect(tagsOf(replica)).toEqual({ 'rxdr:failback-execution': 'back-1', 'rxdr:database': 'dispensing' });
  expect(replica?.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).toEqual([w.primaryNetwork.securityGroupId]);
  expect(replica?.PubliclyAccessible).toBe(false);
  expect(replica?.DeletionProtection).toBe(true);
  expect(replica?.StorageEncrypted).toBe(true);
  expect(replica?.KmsKeyId).toBe(w.catalog.primaryKeyArn);
  expect(w.calls.find((c) => c.command === 'CreateDBInstanceReadReplica')?.region).toBe(PRIMARY);
  const replicaState = (await task(w, 'check-replica', state)) as NonNullable<FailbackState['replica']>;
  expect(replicaState.status).toBe('available');
  state = { ...state, replica: replicaState };

  state = { ...state, freeze: await task(w, 'freeze', state) };
  const freezeName = '/rxdr/prod/write-freeze/dispensing';
  const frozen = await w.deps.clients.ssm.send(new GetParameterCommand({ Name: freezeName }));
  expect(JSON.parse(frozen.Parameter?.Value ?? '{}')).toMatchObject({ frozen: true, execution: 'back-1' });

  // Within the freeze's own minute there is no reading of a minute after it: not caught up, CloudWatch not asked.
  const noReading = (await task(w, 'check-caught-up', state)) as NonNullable<FailbackState['catchUp']>;
  expect(noReading).toMatchObject({ lagSeconds: null, zeroLagPolls: 0, caughtUp: false });
  // As if the freeze had been set 3 minutes ago: a reading of a minute before it is not counted (moto answers
  // GetMetricData from the StartTime the step sends), then two zero-lag readings after it.
  const frozenAt = new Date(Date.now() - 3 * 60_000);
  state = { ...state, freeze: { ...state.freeze!, frozenAt: frozenAt.toISOString() } };
  await replicaLagIs('dispensing-failback', 7, new Date(frozenAt.getTime() - 2 * 60_000));
  expect(await task(w, 'check-caught-up', state)).toMatchObject({ lagSeconds: null, caughtUp: false });
  await replicaLagIs('dispensing-failback', 0);
  state = { ...state, catchUp: await task(w, 'check-caught-up', state) };
  expect(state.catchUp).toMatchObject({ lagSeconds: 0, zeroLagPolls: 1, caughtUp: false });
  state = { ...state, catchUp: await task(w, 'check-caught-up', state) };
  expect(state.catchUp).toMatchObject({ zeroLagPolls: 2, caughtUp: true });

  const promotion = (await task(w, 'promote', state)) as NonNullable<FailbackState['promotion']>;
  expect(promotion.outcome).toBe('done');
  expect(w.calls.filter((c) => c.command === 'PromoteReadReplica').map((c) => [c.region, c.input])).toEqual([
    [PRIMARY, { DBInstanceIdentifier: 'dispensing-failback', BackupRetentionPeriod: 7 }],
  ]);
  // moto leaves the promoted instance marked as a replica, so check-promoted keeps waiting (named in the failover
  // suite); the endpoint comes from moto's description instead.
  expect(await task(w, 'check-promoted', { ...state, promotion })).toMatchObject({ status: 'pending' });
  const promoted = (await instances(east)).get('dispensing-failback');
  const endpoint = { host: promoted?.Endpoint?.Address ?? '', port: promoted?.Endpoint?.Port ?? 5432 };
  expect(endpoint.host).toMatch(/us-east-1/);
  state = {
    ...state,
    promotion: { ...promotion, status: 'available', availableAt: new Date().toISOString(), endpoint },
  };

  state = { ...state, repoint: await task(w, 'repoint', state) };
  expect(await pointers(w)).toMatchObject({
    record: endpoint.host,
    parameter: endpoint.host,
    secret: { host: endpoint.host, username: 'rx_app', dbname: 'pharmacy' },
  });
  state = { ...state, repoint: await task(w, 'check-repoint', state) };
  state = { ...state, verify: await task(w, 'verify', state) };
  state = { ...state, unfreeze: await task(w, 'unfreeze', state) };
  const lifted = await w.deps.clients.ssm.send(new GetParameterCommand({ Name: freezeName }));
  expect(JSON.parse(lifted.Parameter?.Value ?? '{}')).toMatchObject({ frozen: false });
  const evidence = (await task(w, 'evidence', state)) as { location: string; result: string };
  expect(evidence).toMatchObject({
    result: 'passed',
    location: expect.stringMatching(new RegExp(`^s3://${BUCKET}/failback/`)),
  });
  expect(await evidenceAt(evidence.location)).toMatchObject({
    achievedRpoSeconds: 0,
    runbook: { operation: 'failback', status: 'completed' },
  });

  // The old primary (its data diverged) is left as it was; the recovery-region primary only gained its replica.
  expect(await snapshotOf(east, 'dispensing')).toEqual(oldPrimaryBefore);
  const recovered = (await instances(west)).get('dispensing-recovered');
  expect(recovered?.Endpoint?.Address).toBe(recoveredHost);
  expect(recovered?.DBInstanceStatus).toBe('available');
  const rdsMutations = w.calls.filter((c) => c.client.startsWith('rds') && MUTATING.test(c.command));
  expect(rdsMutations.map((c) => [c.command, c.input.DBInstanceIdentifier])).toEqual([
    ['CreateDBInstanceReadReplica', 'dispensing-failback'],
    ['PromoteReadReplica', 'dispensing-failback'],
  ]);
  expect([...(await instances(east)).keys()].sort()).toEqual(['dispensing', 'dispensing-failback']);
  expect(await manualSnapshots(east)).toEqual([]);
});

test('not implemented by moto: RDS ReplicaLag metrics in CloudWatch (its RDS publishes none)', async () => {
  const w = await runbookWorld();
  await failedOver(w);
  const lag = await latestMetric(w.deps.clients.cloudwatch, 'ReplicaLag', 'dispensing-replica', new Date());
  expect(lag).toBeUndefined();
  console.log(
    'not implemented by moto: RDS ReplicaLag metrics in CloudWatch (the catch-up readings are put by the test)',
  );
});

test('not implemented by moto: CreateDBInstanceReadReplica across regions with DBSubnetGroupName (looked up in the source region)', async () => {
  const w = await runbookWorld();
  await failedOver(w);
  let state = startFailback();
  const plan = (await task(w, 'preflight', state)) as FailbackPlan;
  state = { ...state, plan, approval: approval() };
  // The real create-replica task sends the primary-region subnet group; moto searches the source's region.
  await expect(task(w, 'create-replica', state)).rejects.toThrow(
    `Subnet Group ${w.primaryNetwork.subnetGroupName} not found`,
  );
  expect(w.calls.find((c) => c.command === 'CreateDBInstanceReadReplica')?.input).toMatchObject({
    DBSubnetGroupName: w.primaryNetwork.subnetGroupName,
    VpcSecurityGroupIds: [w.primaryNetwork.securityGroupId],
  });
  console.log('not implemented by moto: CreateDBInstanceReadReplica across regions with DBSubnetGroupName');
});
