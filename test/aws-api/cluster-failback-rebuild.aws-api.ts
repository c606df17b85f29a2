import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  CreateGlobalClusterCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeGlobalClustersCommand,
  RDSClient,
  type DBCluster,
  type GlobalCluster,
} from '@aws-sdk/client-rds';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Catalog } from '../../engines/failover/catalog';
import type { FailbackPlan, FailbackState } from '../../engines/failover/failback-steps';
import { awsClients, makeHandler, tcpProbe } from '../../engines/failover/runbook-handler';
import {
  ACCOUNT,
  createKey,
  createNetwork,
  expectNotImplemented,
  MUTATING,
  PRIMARY,
  recordCalls,
  RECOVERY,
  resetMoto,
  type Network,
  type RecordedCall,
} from './moto';

/**
 * The failback of a detached Aurora secondary (`cluster/failback-rebuild.ts`) through the failback Lambda's
 * dispatcher with its own clients against moto: a new global database `<global>-fb` from the detached cluster, a new
 * secondary `<primary>-fb` with its instance in the old primary's region, the waits, the switchover; what moto
 * records afterwards. The old primary cluster and the old global database are compared before and after.
 *
 * moto 5.2.1 keeps every global database in us-east-1 and looks `CreateGlobalCluster`'s source cluster up there
 * only, so the whole rebuild runs with the recovery (detached) side in us-east-1; with the detached cluster in
 * us-west-2 the same step is refused (named below).
 */

interface Regions {
  readonly primary: string;
  readonly recovery: string;
}

interface RebuildWorld {
  readonly catalog: Catalog;
  readonly calls: RecordedCall[];
  readonly primaryNetwork: Network;
  readonly task: (action: string, state: FailbackState) => Promise<unknown>;
  readonly rds: { primary: RDSClient; recovery: RDSClient };
}

const engine = { Engine: 'aurora-postgresql', EngineVersion: '17.6' };
const credentials = { MasterUsername: 'rx', MasterUserPassword: 'not-a-real-password' };
const clusterArn = (region: string, id: string) => `arn:aws:rds:${region}:${ACCOUNT}:cluster:${id}`;

async function describeCluster(rds: RDSClient, id: string): Promise<DBCluster> {
  const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
  return out.DBClusters![0]!;
}

/** moto answers `creating` on a cluster's first description and `available` after: the world waits that out. */
async function untilAvailable(rds: RDSClient, id: string): Promise<DBCluster> {
  let cluster = await describeCluster(rds, id);
  for (let i = 0; i < 3 && cluster.Status !== 'available'; i += 1) cluster = await describeCluster(rds, id);
  return cluster;
}

/** Every global database moto holds (it answers all of them whatever identifier is asked for). */
async function globals(rds: RDSClient): Promise<Map<string, GlobalCluster>> {
  const out = await rds.send(new DescribeGlobalClustersCommand({}));
  return new Map((out.GlobalClusters ?? []).map((g) => [g.GlobalClusterIdentifier ?? '', g]));
}

/** A cluster as it is compared before and after: without what moto recomputes on every description. */
async function clusterSnapshot(rds: RDSClient, id: string): Promise<unknown> {
  const cluster: Record<string, unknown> = { ...(await describeCluster(rds, id)) };
  delete cluster.LatestRestorableTime;
  return cluster;
}

/**
 * After a detach-and-promote: `claims-prod` still writes in `claims-global` in the primary region (its network,
 * key, one instance), `claims-prod-dr` writes alone in the recovery region (one instance), and the database's secret
 * points at the detached cluster, as the failover's repoint left it.
 */
async function detachedWorld(regions: Regions): Promise<RebuildWorld> {
  const rds = {
    primary: new RDSClient({ region: regions.primary }),
    recovery: new RDSClient({ region: regions.recovery }),
  };
  const [primaryKeyArn, recoveryKeyArn] = [await createKey(regions.primary), await createKey(regions.recovery)];
  const primaryNetwork = await createNetwork(rds.primary, regions.primary, 'rxdr-db', '10.10');
  await rds.primary.send(new CreateGlobalClusterCommand({ ...engine, GlobalClusterIdentifier: 'claims-global' }));
  await rds.primary.send(
    new CreateDBClusterCommand({
      ...engine,
      ...credentials,
      DBClusterIdentifier: 'claims-prod',
      GlobalClusterIdentifier: 'claims-global',
      StorageEncrypted: true,
      KmsKeyId: primaryKeyArn,
      DBSubnetGroupName: primaryNetwork.subnetGroupName,
      VpcSecurityGroupIds: [primaryNetwork.securityGroupId],
    }),
  );
  await rds.recovery.send(
    new CreateDBClusterCommand({
      ...engine,
      ...credentials,
      DBClusterIdentifier: 'claims-prod-dr',
      StorageEncrypted: true,
      KmsKeyId: recoveryKeyArn,
    }),
  );
  for (const [client, id] of [
    [rds.primary, 'claims-prod'],
    [rds.recovery, 'claims-prod-dr'],
  ] as const)
    await client.send(
      new CreateDBInstanceCommand({
        ...engine,
        DBInstanceIdentifier: `${id}-1`,
        DBClusterIdentifier: id,
        DBInstanceClass: 'db.r6g.large',
      }),
    );
  await untilAvailable(rds.primary, 'claims-prod');
  const detached = await untilAvailable(rds.recovery, 'claims-prod-dr');
  const secret = await new SecretsManagerClient({ region: regions.recovery }).send(
    new CreateSecretCommand({
      Name: 'rxdr/claims',
      SecretString: JSON.stringify({ username: 'rx_app', password: 'not-a-real-password', host: detached.Endpoint }),
    }),
  );
  const catalog = Catalog.parse({
    environment: 'prod',
    account: ACCOUNT,
    primaryRegion: regions.primary,
    recoveryRegion: regions.recovery,
    recoveryKeyArn,
    primaryKeyArn,
    recoveryVaultName: 'rxdr-recovery',
    backupRestoreRoleArn: `arn:aws:iam::${ACCOUNT}:role/rxdr-restore`,
    evidenceBucket: 'rxdr-evidence',
    topicArn: `arn:aws:sns:${regions.recovery}:${ACCOUNT}:rxdr-alerts`,
    approvalParameterPrefix: '/rxdr/prod/approvals',
    writeFreezeParameterPrefix: '/rxdr/prod/write-freeze',
    toolVersion: '0.1.0',
    databases: [
      {
        name: 'claims',
        tier: 1,
        rtoSeconds: 3600,
        rpoSeconds: 300,
        defaultStrategy: 'detach-and-promote',
        primaryInstanceIdentifier: 'claims-prod',
        recoveredInstanceIdentifier: 'claims-prod-restored',
        failbackInstanceIdentifier: 'claims-prod-fb',
        instanceClass: 'db.r6g.large',
        repoint: {
          secretArn: secret.ARN,
          route53: { hostedZoneId: 'Z1', recordName: 'claims.db.rx.internal', ttl: 30 },
          parameterName: '/rx/claims/endpoint',
        },
        cluster: {
          primaryClusterIdentifier: 'claims-prod',
          globalClusterIdentifier: 'claims-global',
          secondaryClusterIdentifier: 'claims-prod-dr',
          recoveredClusterIdentifier: 'claims-prod-restored',
        },
      },
    ],
  });
  const clients = awsClients(catalog);
  const calls = recordCalls(clients as unknown as Parameters<typeof recordCalls>[0]);
  const handler = makeHandler('failback', { catalog, clients, clock: { now: () => new Date() }, probe: tcpProbe });
  return { catalog, calls, primaryNetwork, rds, task: (action, state) => handler({ action, state }) };
}

function startFailback(regions: Regions): FailbackState {
  return {
    input: {
      database: 'claims',
      dryRun: false,
      reason: 'the primary region is back after the detach',
      startedBy: `arn:aws:iam::${ACCOUNT}:role/oncall`,
    },
    execution: {
      id: `arn:aws:states:${regions.recovery}:${ACCOUNT}:execution:rxdr-failback:back-1`,
      name: 'back-1',
      startTime: new Date().toISOString(),
    },
  } as FailbackState;
}

const approval = () => ({
  approvedBy: `arn:aws:iam::${ACCOUNT}:user/pharmacist-on-call`,
  approvedAt: new Date().toISOString(),
});
const tags = [
  { Key: 'rxdr:failover-execution', Value: 'back-1' },
  { Key: 'rxdr:database', Value: 'claims' },
];

beforeEach(resetMoto);

describe('failback of a detached Aurora secondary through its real steps against moto', () => {
  // moto keeps global databases in us-east-1: the detached (recovery) side is there, the old primary in us-west-2.
  const regions = { primary: RECOVERY, recovery: PRIMARY };
  const detachedArn = clusterArn(regions.recovery, 'claims-prod-dr');
  const builtArn = clusterArn(regions.primary, 'claims-prod-fb');
  const oldPrimaryArn = clusterArn(regions.primary, 'claims-prod');

  test('CreateGlobalCluster from the detached cluster, CreateDBCluster of the tagged secondary with its instance in the other region, the waits; SwitchoverGlobalCluster is not implemented by moto; the old primary and its global database untouched', async () => {
    const w = await detachedWorld(regions);
    const oldPrimaryBefore = await clusterSnapshot(w.rds.primary, 'claims-prod');
    const oldGlobalBefore = (await globals(w.rds.recovery)).get('claims-global');
    // The old primary still writes in the old global database (moto marks a global database's first member writer).
    expect(oldGlobalBefore?.GlobalClusterMembers).toEqual([
      expect.objectContaining({ DBClusterArn: oldPrimaryArn, IsWriter: true }),
    ]);
    let state = startFailback(regions);

    // Preflight: moto answers DescribeGlobalClusters with every global database; the step takes the one it named.
    const plan = (await w.task('preflight', state)) as FailbackPlan;
    expect(plan).toMatchObject({
      decision: 'proceed',
      blockers: [],
      currentPrimary: { identifier: 'claims-prod-dr', arn: detachedArn, status: 'available' },
      replicaIdentifier: 'claims-prod-fb',
      replicaExists: false,
      originalPrimary: { identifier: 'claims-prod', status: 'available' },
      rebuild: {
        globalClusterIdentifier: 'claims-global-fb',
        sourceClusterIdentifier: 'claims-prod-dr',
        leftForOperator: [`claims-prod (${regions.primary})`, 'claims-global'],
      },
    });
    expect(Object.fromEntries(plan.checks.map((c) => [c.name, c.detail]))).toMatchObject({
      'detached-secondary': `claims-prod-dr is available and writes in ${regions.recovery}`,
      'new-global-database': 'claims-global-fb does not exist yet: it is created from claims-prod-dr',
      'primary-region': expect.stringMatching(/^RDS in us-west-2 answers; claims-prod is available/),
    });
    state = { ...state, plan, approval: approval() } as FailbackState;

    // 1. The new global database from the detached cluster (its ARN), on the recovery region's client.
    const created = (await w.task('create-replica', state)) as NonNullable<FailbackState['replica']>;
    expect(created).toMatchObject({ outcome: 'done', detail: 'claims-global-fb created from claims-prod-dr' });
    expect(w.calls.filter((c) => c.command === 'CreateGlobalCluster').map((c) => [c.region, c.input])).toEqual([
      [
        regions.recovery,
        {
          GlobalClusterIdentifier: 'claims-global-fb',
          SourceDBClusterIdentifier: detachedArn,
          DeletionProtection: true,
          Tags: tags,
        },
      ],
    ]);
    const rebuilt = (await globals(w.rds.recovery)).get('claims-global-fb');
    expect(rebuilt).toMatchObject({ Status: 'available', ...engine, DeletionProtection: true });
    expect(rebuilt?.GlobalClusterMembers?.map((m) => m.DBClusterArn)).toEqual([detachedArn]);
    // A repeated create (a retried task) creates nothing.
    expect(await w.task('create-replica', state)).toMatchObject({ outcome: 'already-done' });
    expect([...(await globals(w.rds.recovery)).keys()].sort()).toEqual(['claims-global', 'claims-global-fb']);
    state = { ...state, replica: created } as FailbackState;

    // 2–3. The secondary cluster in the primary region and its instance, looked at until available.
    const details: string[] = [];
    for (let i = 0; i < 6 && state.replica?.status !== 'available'; i += 1) {
      state = { ...state, replica: await w.task('check-replica', state) } as FailbackState;
      details.push(state.replica!.detail!);
    }
    expect(details).toEqual([
      // The look that creates the cluster adds its instance at once, while the cluster is still `creating`
      // (moto accepts it); the next look finds both available.
      'claims-prod-fb is being created in claims-global-fb; its instance claims-prod-fb is being created',
      'claims-prod-fb is a secondary of claims-global-fb',
    ]);
    expect(w.calls.filter((c) => c.command === 'CreateDBCluster').map((c) => c.region)).toEqual([regions.primary]);
    const built = await describeCluster(w.rds.primary, 'claims-prod-fb');
    expect(built).toMatchObject({
      ...engine,
      GlobalClusterIdentifier: 'claims-global-fb',
      DBSubnetGroup: w.primaryNetwork.subnetGroupName,
      KmsKeyId: w.catalog.primaryKeyArn,
      StorageEncrypted: true,
      DeletionProtection: true,
      CopyTagsToSnapshot: true,
      TagList: tags,
    });
    expect(built.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).toEqual([w.primaryNetwork.securityGroupId]);
    expect(built.DBClusterMembers).toEqual([expect.objectContaining({ DBInstanceIdentifier: 'claims-prod-fb' })]);
    const [instance] = (
      await w.rds.primary.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'claims-prod-fb' }))
    ).DBInstances!;
    expect(instance).toMatchObject({ DBClusterIdentifier: 'claims-prod-fb', PubliclyAccessible: false, TagList: tags });
    // Membership and roles as moto records them: the new secondary reads; the detached cluster is in it too.
    const members = (await globals(w.rds.recovery)).get('claims-global-fb')?.GlobalClusterMembers;
    expect(members?.map((m) => [m.DBClusterArn, m.IsWriter])).toEqual([
      // AWS makes the source cluster the writer; moto's CreateGlobalCluster marks no member as the writer.
      [detachedArn, false],
      [builtArn, false],
    ]);

    // 4. Nothing to wait for before a switchover; 5. the switchover itself, sent to the new secondary's ARN.
    state = { ...state, catchUp: await w.task('check-caught-up', state) } as FailbackState;
    expect(state.catchUp).toMatchObject({ caughtUp: true });
    await expectNotImplemented('rds:SwitchoverGlobalCluster (the failback of a detached secondary)', () =>
      w.task('promote', state),
    );
    expect(w.calls.filter((c) => c.command === 'SwitchoverGlobalCluster').map((c) => [c.region, c.input])).toEqual([
      [regions.recovery, { GlobalClusterIdentifier: 'claims-global-fb', TargetDbClusterIdentifier: builtArn }],
    ]);

    // The old primary and its global database are as the detach left them; RDS changes name only what was built.
    expect(await clusterSnapshot(w.rds.primary, 'claims-prod')).toEqual(oldPrimaryBefore);
    expect((await globals(w.rds.recovery)).get('claims-global')).toEqual(oldGlobalBefore);
    const changes = w.calls.filter((c) => c.client.startsWith('rds') && MUTATING.test(c.command));
    expect(
      changes.map((c) => [
        c.command,
        c.input.DBInstanceIdentifier ?? c.input.DBClusterIdentifier ?? c.input.GlobalClusterIdentifier,
      ]),
    ).toEqual([
      ['CreateGlobalCluster', 'claims-global-fb'],
      ['CreateDBCluster', 'claims-prod-fb'],
      ['CreateDBInstance', 'claims-prod-fb'],
      ['SwitchoverGlobalCluster', 'claims-global-fb'],
    ]);
  });

  test('not implemented by moto: DescribeGlobalClusters by GlobalClusterIdentifier (every global database is answered)', async () => {
    const w = await detachedWorld(regions);
    const asked = async (id: string) =>
      (await w.rds.recovery.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: id }))).GlobalClusters;
    // Not GlobalClusterNotFoundFault: the one global database there is, although another was asked for.
    expect((await asked('claims-global-fb'))?.map((g) => g.GlobalClusterIdentifier)).toEqual(['claims-global']);
    console.log(
      'not implemented by moto: rds:DescribeGlobalClusters by GlobalClusterIdentifier (answers every global ' +
        'database, never GlobalClusterNotFoundFault); the steps take the one they named from the answer',
    );
  });

  test('not implemented by moto: CreateGlobalCluster tags, and the source cluster’s GlobalClusterIdentifier (moto records the ARN)', async () => {
    const w = await detachedWorld(regions);
    let state = startFailback(regions);
    const plan = (await w.task('preflight', state)) as FailbackPlan;
    state = { ...state, plan, approval: approval() } as FailbackState;
    await w.task('create-replica', state);
    const rebuilt = (await globals(w.rds.recovery)).get('claims-global-fb');
    // The request carried the execution's tags (asserted above); moto keeps none.
    expect(rebuilt?.TagList).toEqual([]);
    // AWS reports the identifier; moto the global database's ARN, so a resumed run's preflight does not find the
    // detached cluster in the global database it built and blocks (a resumed rebuild is proven in-process only).
    const detached = await describeCluster(w.rds.recovery, 'claims-prod-dr');
    expect(detached.GlobalClusterIdentifier).toBe(`arn:aws:rds::${ACCOUNT}:global-cluster:claims-global-fb`);
    const resumed = (await w.task('preflight', startFailback(regions))) as FailbackPlan;
    expect(resumed.rebuild).toBeUndefined();
    expect(resumed.blockers.join('\n')).toMatch(/^secondary: claims-prod-dr is no longer in claims-global/m);
    console.log(
      'not implemented by moto: rds:CreateGlobalCluster Tags (dropped), and the source cluster’s ' +
        'GlobalClusterIdentifier (the global database ARN instead of its identifier)',
    );
  });
});

test('not implemented by moto: CreateGlobalCluster from a source cluster outside us-east-1 (looked up in us-east-1 only)', async () => {
  const regions = { primary: PRIMARY, recovery: RECOVERY };
  const w = await detachedWorld(regions);
  let state = startFailback(regions);
  const plan = (await w.task('preflight', state)) as FailbackPlan;
  expect(plan).toMatchObject({ decision: 'proceed', blockers: [] });
  state = { ...state, plan, approval: approval() } as FailbackState;
  const detachedArn = clusterArn(RECOVERY, 'claims-prod-dr');
  let error: unknown;
  await w.task('create-replica', state).catch((caught: unknown) => (error = caught));
  if (error === undefined)
    throw new Error('moto now creates a global database from a us-west-2 cluster: run the rebuild in these regions');
  expect(error).toMatchObject({ name: 'DBClusterNotFoundFault', message: `DBCluster ${detachedArn} not found.` });
  expect(w.calls.find((c) => c.command === 'CreateGlobalCluster')?.input).toMatchObject({
    SourceDBClusterIdentifier: detachedArn,
  });
  expect([...(await globals(w.rds.recovery)).keys()]).toEqual(['claims-global']);
  console.log('not implemented by moto: rds:CreateGlobalCluster from a source cluster outside us-east-1');
});
