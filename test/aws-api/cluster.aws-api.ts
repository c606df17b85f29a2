import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartRestoreJobCommand } from '@aws-sdk/client-backup';
import {
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  CreateGlobalClusterCommand,
  FailoverGlobalClusterCommand,
  RDSClient,
  SwitchoverGlobalClusterCommand,
  DescribeDBClustersCommand,
  DescribeGlobalClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  type DBCluster,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { Catalog } from '../../engines/failover/catalog';
import { checkClusterRecovery, clusterPreflight, startClusterRecovery } from '../../engines/failover/cluster/failover';
import {
  checkClusterPointInTime,
  clusterPointInTimePreflight,
  startClusterPointInTime,
} from '../../engines/failover/cluster/point-in-time';
import type { FailoverState } from '../../engines/failover/failover-steps';
import { runbookWorld, type RunbookWorld } from './runbook-world';
import { AwsClusterRestoreProvider } from '../../engines/drill/aws/cluster-provider';
import { clients } from '../../engines/drill/aws/commons';
import { drillInstanceId, type AwsDrillSettings } from '../../engines/drill/aws/restore-provider-base';
import { DRILL_TAG, type FleetDatabase } from '../../engines/drill/aws/types';
import type { RestoreHandle } from '../../engines/drill/provider';
import {
  ACCOUNT,
  createKey,
  drillRecoverySide,
  expectNotImplemented,
  instances,
  PRIMARY,
  RECOVERY,
  resetMoto,
} from './moto';

/**
 * The Aurora cluster calls moto implements (cluster create, cluster snapshot, restore from snapshot, point-in-time
 * restore) driven through the drill's real cluster steps (`AwsClusterRestoreProvider`) with the Lambda's own
 * clients; the APIs moto lacks are named ("not implemented by moto: …").
 */

const EXECUTION = `arn:aws:states:${RECOVERY}:${ACCOUNT}:execution:rxdr-drill:run-1`;
const west = clients.rds;
const drillId = 'run-1-claims';
const target = drillInstanceId('claims', drillId);

interface World {
  settings: AwsDrillSettings;
  provider: AwsClusterRestoreProvider;
  source: DBCluster;
}

/** The recovery region's copy of the `claims` cluster (encrypted, backed up), its secret and the drill network. */
async function world(deletionProtection = true): Promise<World> {
  const recoveryKey = await createKey(RECOVERY);
  const created = await west.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: 'claims',
      Engine: 'aurora-postgresql',
      EngineVersion: '17.6',
      MasterUsername: 'rx',
      MasterUserPassword: 'not-a-real-password',
      StorageEncrypted: true,
      KmsKeyId: recoveryKey,
      BackupRetentionPeriod: 7,
      DeletionProtection: deletionProtection,
    }),
  );
  const { settings } = await drillRecoverySide(clients, 'claims', recoveryKey, 'db.r6g.large');
  const database: FleetDatabase = {
    name: 'claims',
    tierName: 'important',
    tier: 2,
    targets: { rtoSeconds: 4 * 3600, rpoSeconds: 3600 },
    kind: 'cluster',
    source: 'backup',
    sourceArn: `arn:aws:rds:${PRIMARY}:${ACCOUNT}:cluster:claims`,
    secretId: 'rxdr/claims',
    databaseName: 'pharmacy',
  };
  const provider = new AwsClusterRestoreProvider(clients, settings, database, EXECUTION);
  return { settings, provider, source: created.DBCluster! };
}

/** What AWS Backup's restore job would create: the drill's cluster in the drill network (metadata as the drill's). */
const drillClusterInput = (w: World) => ({
  DBClusterIdentifier: target,
  Engine: 'aurora-postgresql',
  DBSubnetGroupName: w.settings.subnetGroupName,
  VpcSecurityGroupIds: [...w.settings.securityGroupIds],
  KmsKeyId: w.settings.kmsKeyArn,
  DeletionProtection: false,
  Tags: [{ Key: DRILL_TAG, Value: EXECUTION }],
});

const handle: RestoreHandle = { id: target, details: { kind: 'backup', tag: EXECUTION, resource: 'cluster' } };

async function describeCluster(identifier: string): Promise<DBCluster | undefined> {
  const out = await west.send(new DescribeDBClustersCommand({}));
  return out.DBClusters?.find((c) => c.DBClusterIdentifier === identifier);
}

/** The drill's cluster steps on a restored cluster: one instance added, isolation checked, both deleted. */
async function drillTheRestoredCluster(w: World): Promise<void> {
  const first = await w.provider.describeRestore(handle);
  expect(first).toEqual({ state: 'pending', detail: 'cluster available; its instance is being created' });
  const instance = (await instances(west)).get(target);
  expect(instance).toMatchObject({ DBClusterIdentifier: target, PubliclyAccessible: false });
  expect(instance?.TagList).toEqual([{ Key: DRILL_TAG, Value: EXECUTION }]);

  const ready = await w.provider.describeRestore(handle);
  if (ready.state !== 'available') throw new Error(`expected available, got ${JSON.stringify(ready)}`);
  expect(ready.target).toMatchObject({ identifier: target, engine: 'aurora-postgresql', encrypted: true });
  expect(ready.target.details).toMatchObject({ resource: 'aurora-cluster', instance: target, members: '1' });
  expect(Object.fromEntries((ready.checks ?? []).map((c) => [c.id, c.status]))).toEqual({
    'restore.encrypted-with-recovery-key': 'passed',
    'restore.not-public': 'passed',
    'restore.drill-network': 'passed',
    'restore.single-instance-deletable': 'passed',
  });
  const connection = await w.provider.connection(handle);
  expect(connection.display).toMatch(new RegExp(`^${target}\\..+:5432/pharmacy$`));

  await w.provider.deleteRestored(handle);
  expect((await instances(west)).has(target)).toBe(false);
  let deletion = await w.provider.describeDeletion(handle);
  for (let i = 0; i < 3 && deletion.state !== 'deleted'; i += 1) deletion = await w.provider.describeDeletion(handle);
  expect(deletion).toEqual({ state: 'deleted' });
  expect(await describeCluster(target)).toBeUndefined();
  // The source cluster is untouched.
  expect(await describeCluster('claims')).toMatchObject({ Status: 'available', DBClusterMembers: [] });
}

beforeEach(resetMoto);

// The endpoint is resolved for real; no connection is opened (moto has no database), so any bundle will do.
beforeAll(() => {
  const bundle = join(mkdtempSync(join(tmpdir(), 'rxdr-ca-')), 'ca.pem');
  writeFileSync(bundle, '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
  process.env.RDS_CA_BUNDLE = bundle;
});
afterAll(() => delete process.env.RDS_CA_BUNDLE);

/** `w` with one more database in its catalog: a cluster `name` (the first database's settings otherwise). */
function withClusterDatabase(w: RunbookWorld, name: string, defaultStrategy: string, cluster: Record<string, string>) {
  const [dispensing] = w.catalog.databases;
  const catalog = Catalog.parse({
    ...w.catalog,
    databases: [...w.catalog.databases, { ...dispensing, name, defaultStrategy, cluster }],
  });
  return { ...w, catalog, deps: { ...w.deps, catalog } };
}

describe('Aurora cluster drill steps against moto', () => {
  test('cluster snapshot, restore from snapshot into the drill network: instance added, checked, all deleted', async () => {
    // moto restores a snapshot with its source's deletion protection, ignoring the request's `DeletionProtection`
    // (AWS honours it; the drill's isolation check would flag a protected cluster): the source is unprotected here.
    const w = await world(false);
    await west.send(
      new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'claims', DBClusterSnapshotIdentifier: 'claims-1' }),
    );
    await west.send(
      new RestoreDBClusterFromSnapshotCommand({ ...drillClusterInput(w), SnapshotIdentifier: 'claims-1' }),
    );
    await drillTheRestoredCluster(w);
    const snapshots = await west.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: 'claims' }));
    expect(snapshots.DBClusterSnapshots?.map((s) => s.DBClusterSnapshotIdentifier)).toContain('claims-1');
  });

  test('point-in-time restore of a cluster: the same steps drill and delete it', async () => {
    const w = await world();
    await west.send(
      new RestoreDBClusterToPointInTimeCommand({
        ...drillClusterInput(w),
        SourceDBClusterIdentifier: 'claims',
        UseLatestRestorableTime: true,
      }),
    );
    await drillTheRestoredCluster(w);
  });

  test('a cluster without the drill tag is refused by the cleanup (it was not restored by this drill)', async () => {
    const w = await world();
    await west.send(
      new RestoreDBClusterToPointInTimeCommand({
        ...drillClusterInput(w),
        Tags: [],
        SourceDBClusterIdentifier: 'claims',
        UseLatestRestorableTime: true,
      }),
    );
    await expect(w.provider.deleteRestored(handle)).rejects.toThrow(/not created by an AWS Backup restore job/);
    expect(await describeCluster(target)).toBeDefined();
  });

  test('the restore itself is an AWS Backup restore job (ResourceType Aurora)', async () => {
    const w = await world();
    await expectNotImplemented('backup:StartRestoreJob of an Aurora recovery point', () =>
      clients.backup.send(
        new StartRestoreJobCommand({
          RecoveryPointArn: `arn:aws:rds:${RECOVERY}:${ACCOUNT}:cluster-snapshot:awsbackup:job-1`,
          IamRoleArn: w.settings.restoreRoleArn,
          ResourceType: 'Aurora',
          Metadata: { DBClusterIdentifier: target, Engine: 'aurora-postgresql' },
        }),
      ),
    );
  });
});

describe('Aurora Global Database membership through the cluster failover preflight against moto', () => {
  const east = new RDSClient({ region: PRIMARY });
  const primaryArn = `arn:aws:rds:${PRIMARY}:${ACCOUNT}:cluster:claims-prod`;
  const secondaryArn = `arn:aws:rds:${RECOVERY}:${ACCOUNT}:cluster:claims-prod-dr`;

  /** The runbook world with `claims`: a primary cluster, its global database and a secondary with one instance. */
  async function globalWorld(joined = true): Promise<RunbookWorld> {
    const w = await runbookWorld();
    const engine = { Engine: 'aurora-postgresql', EngineVersion: '17.6' };
    await east.send(
      new CreateDBClusterCommand({
        ...engine,
        DBClusterIdentifier: 'claims-prod',
        MasterUsername: 'rx',
        MasterUserPassword: 'not-a-real-password',
        StorageEncrypted: true,
      }),
    );
    await east.send(
      new CreateGlobalClusterCommand({
        GlobalClusterIdentifier: 'claims-global',
        SourceDBClusterIdentifier: primaryArn,
      }),
    );
    await west.send(
      new CreateDBClusterCommand({
        ...engine,
        DBClusterIdentifier: 'claims-prod-dr',
        // A cluster outside a global database needs its own credentials.
        ...(joined
          ? { GlobalClusterIdentifier: 'claims-global' }
          : { MasterUsername: 'rx', MasterUserPassword: 'not-a-real-password' }),
        StorageEncrypted: true,
        KmsKeyId: w.catalog.recoveryKeyArn,
      }),
    );
    await west.send(
      new CreateDBInstanceCommand({
        ...engine,
        DBInstanceIdentifier: 'claims-prod-dr-1',
        DBClusterIdentifier: 'claims-prod-dr',
        DBInstanceClass: 'db.r6g.large',
      }),
    );
    return withClusterDatabase(w, 'claims', 'global-failover', {
      primaryClusterIdentifier: 'claims-prod',
      globalClusterIdentifier: 'claims-global',
      secondaryClusterIdentifier: 'claims-prod-dr',
      recoveredClusterIdentifier: 'claims-prod-restored',
    });
  }

  const preflight = (w: RunbookWorld, strategy: string) =>
    clusterPreflight({ input: { database: 'claims', strategy } } as unknown as FailoverState, w.deps);

  test('CreateGlobalCluster, DescribeGlobalClusters: the secondary is found as the global database member', async () => {
    const w = await globalWorld();
    const plan = await preflight(w, 'global-switchover');
    expect(plan.checks.find((c) => c.name === 'secondary')).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^claims-prod-dr is available with 1 instance\(s\)/),
    });
    expect(plan.source).toMatchObject({ kind: 'replica', id: secondaryArn });
    expect(plan.checks.find((c) => c.name === 'primary')).toMatchObject({ ok: true });
    expect(plan.blockers).toEqual([]);
  });

  test('a secondary that is no member of the global database blocks the preflight', async () => {
    const w = await globalWorld(false);
    const plan = await preflight(w, 'global-failover');
    expect(plan.blockers.join()).toMatch(/secondary: claims-prod-dr is not a member of claims-global in us-west-2/);
  });

  test('detach-and-promote through the real steps: the member is found, RemoveFromGlobalCluster is sent with its ARN, and the check waits while moto keeps the member', async () => {
    const w = await globalWorld();
    const plan = await preflight(w, 'detach-and-promote');
    expect(plan.checks.find((c) => c.name === 'secondary')).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^claims-prod-dr is available with 1 instance\(s\), replication lag/),
    });
    expect(plan).toMatchObject({
      blockers: [],
      recoveryAlreadyStarted: false,
      targetInstanceIdentifier: 'claims-prod-dr',
    });
    expect(plan.source).toMatchObject({ kind: 'replica', id: secondaryArn });
    const state = {
      input: { database: 'claims', strategy: 'detach-and-promote' },
      execution: { id: 'run-1', name: 'run-1' },
      plan,
    } as unknown as FailoverState;
    // moto answers the call (no error: the request's shape is accepted) ...
    const recovery = await startClusterRecovery(state, w.deps);
    expect(recovery).toMatchObject({ outcome: 'done', status: 'pending' });
    const out = await west.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: 'claims-global' }));
    const members = out.GlobalClusters?.[0]?.GlobalClusterMembers?.map((m) => m.DBClusterArn);
    if (!members?.includes(secondaryArn))
      throw new Error('moto now detaches on RemoveFromGlobalCluster: assert the check finds a standalone writer');
    // ... but keeps the member (it looks for the global database in the Region the call is made in, not the
    // primary's), so the check waits as it would while AWS is still detaching.
    expect(await checkClusterRecovery({ ...state, recovery } as FailoverState, w.deps)).toMatchObject({
      status: 'pending',
      detail: 'claims-prod-dr is still a member of claims-global',
    });
    console.log(
      'not implemented by moto: rds:RemoveFromGlobalCluster of a secondary in another Region (the member stays)',
    );
  });

  test('detach-and-promote: a secondary already outside the global database is a resumed run, not detached again', async () => {
    const w = await globalWorld(false);
    const plan = await preflight(w, 'detach-and-promote');
    expect(plan.recoveryAlreadyStarted).toBe(true);
    expect(plan.checks.find((c) => c.name === 'secondary')).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^claims-prod-dr is a standalone cluster \(available\): a resumed run continues/),
    });
    const state = {
      input: { database: 'claims' },
      execution: { id: 'r', name: 'r' },
      plan,
    } as unknown as FailoverState;
    expect(await startClusterRecovery(state, w.deps)).toMatchObject({ outcome: 'already-done' });
  });

  test('the switchover and failover of a global database', async () => {
    await globalWorld();
    const target = { GlobalClusterIdentifier: 'claims-global', TargetDbClusterIdentifier: secondaryArn };
    await expectNotImplemented('rds:SwitchoverGlobalCluster', () =>
      west.send(new SwitchoverGlobalClusterCommand(target)),
    );
    await expectNotImplemented('rds:FailoverGlobalCluster', () =>
      west.send(new FailoverGlobalClusterCommand({ ...target, AllowDataLoss: true })),
    );
  });
});

describe('a cluster’s point-in-time failover (own region) through its real steps against moto', () => {
  const east = new RDSClient({ region: PRIMARY });

  /** The runbook world with `reports`: an Aurora cluster in the primary region's database network, no global one. */
  async function pointInTimeWorld(): Promise<RunbookWorld> {
    const w = await runbookWorld();
    await east.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: 'reports-prod',
        Engine: 'aurora-postgresql',
        EngineVersion: '17.6',
        MasterUsername: 'rx',
        MasterUserPassword: 'not-a-real-password',
        StorageEncrypted: true,
        BackupRetentionPeriod: 35,
        DBSubnetGroupName: w.primaryNetwork.subnetGroupName,
        VpcSecurityGroupIds: [w.primaryNetwork.securityGroupId],
      }),
    );
    return withClusterDatabase(w, 'reports', 'latest-backup', {
      primaryClusterIdentifier: 'reports-prod',
      recoveredClusterIdentifier: 'reports-prod-restored',
    });
  }
  const input = { database: 'reports', strategy: 'point-in-time', force: { reason: 'the rows were deleted' } };

  test('preflight reads the restorable window; RestoreDBClusterToPointInTime lands beside the source on its network; one instance; a resumed run restores nothing', async () => {
    const w = await pointInTimeWorld();
    const execution = { id: 'e', name: 'e' };
    const plan = await clusterPointInTimePreflight({ input, execution } as unknown as FailoverState, w.deps);
    expect(plan.blockers).toEqual([]);
    expect(plan).toMatchObject({ decision: 'proceed', targetInstanceIdentifier: 'reports-prod-restored' });
    expect(plan.source).toMatchObject({ kind: 'point-in-time', details: { region: PRIMARY } });
    expect(plan.expectedDataLossSeconds).toBeGreaterThanOrEqual(0);

    let state = { input, execution, plan } as unknown as FailoverState;
    const recovery = await startClusterPointInTime(state, w.deps);
    expect(recovery).toMatchObject({ outcome: 'done', instanceIdentifier: 'reports-prod-restored' });
    const [restored] = (
      await east.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'reports-prod-restored' }))
    ).DBClusters!;
    expect(restored).toMatchObject({
      DBClusterIdentifier: 'reports-prod-restored',
      DeletionProtection: true,
      DBSubnetGroup: w.primaryNetwork.subnetGroupName,
    });
    expect(restored!.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).toEqual([w.primaryNetwork.securityGroupId]);
    expect(restored!.TagList).toEqual(
      expect.arrayContaining([
        { Key: 'rxdr:failover-execution', Value: 'e' },
        { Key: 'rxdr:database', Value: 'reports' },
      ]),
    );
    // Nothing was restored in the recovery region.
    await expect(
      west.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'reports-prod-restored' })),
    ).rejects.toThrow(/not found/i);

    state = { ...state, recovery } as FailoverState;
    const first = await checkClusterPointInTime(state, w.deps);
    expect(first).toMatchObject({
      status: 'pending',
      detail: expect.stringMatching(/its instance .* is being created/),
    });
    const second = await checkClusterPointInTime({ ...state, recovery: first } as FailoverState, w.deps);
    expect(second).toMatchObject({ status: 'available', endpoint: { host: expect.any(String) } });
    const members = (await east.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'reports-prod-restored' })))
      .DBClusters![0]!.DBClusterMembers;
    expect(members?.map((m) => m.DBInstanceIdentifier)).toEqual(['reports-prod-restored']);

    // A resumed run finds the restore and does not make a second one.
    const resumed = await clusterPointInTimePreflight({ input, execution } as unknown as FailoverState, w.deps);
    expect(resumed.recoveryAlreadyStarted).toBe(true);
    expect(await startClusterPointInTime({ ...state, plan: resumed } as FailoverState, w.deps)).toMatchObject({
      outcome: 'already-done',
    });
    const source = (await east.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'reports-prod' })))
      .DBClusters!;
    expect(source[0]!.Status).toBe('available');
  });
});
