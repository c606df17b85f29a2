import {
  ListRecoveryPointsByBackupVaultCommand,
  StartRestoreJobCommand,
  DescribeRestoreJobCommand,
} from '@aws-sdk/client-backup';
import {
  CreateDBInstanceCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  RDSClient,
  RestoreDBInstanceToPointInTimeCommand,
  StartDBInstanceAutomatedBackupsReplicationCommand,
} from '@aws-sdk/client-rds';
import { clients, rdsIn } from '../../engines/drill/aws/commons';
import { describedAllocatedStorage, firstDrillSize } from '../../engines/drill/aws/first-drill-size';
import { systemClock } from '../../engines/common/clock';
import { drillInstanceId, type AwsDrillSettings } from '../../engines/drill/aws/restore-provider-base';
import {
  checkCleanupTask,
  checkRestoreTask,
  pickSourceTask,
  requestCleanupTask,
  startRestoreTask,
  type TaskDeps,
} from '../../engines/drill/aws/tasks';
import { DRILL_TAG, type DrillItemInput, type FleetDatabase } from '../../engines/drill/aws/types';
import type { DrillState } from '../../engines/drill/steps';
import {
  ACCOUNT,
  createDispensingReplica,
  createKey,
  drillRecoverySide,
  createPrimaryInstance,
  expectNotImplemented,
  instances,
  manualSnapshots,
  PRIMARY,
  recordCalls,
  RECOVERY,
  resetMoto,
  snapshotOf,
  tagsOf,
  type Network,
} from './moto';

/**
 * The drill's RDS path (engines/drill/aws) against moto: the Lambda's own clients (`commons.ts`, region and
 * endpoint from the environment), the real task functions, moto's state checked after each step.
 */

const EXECUTION = `arn:aws:states:${RECOVERY}:${ACCOUNT}:execution:rxdr-drill:run-1`;
const east = new RDSClient({ region: PRIMARY });
const west = clients.rds;

interface World {
  network: Network;
  settings: AwsDrillSettings;
  database: FleetDatabase;
  drillId: string;
  deps: TaskDeps;
}

/**
 * The account a tier-1 database lives in: the primary in us-east-1, its encrypted cross-region read replica in
 * us-west-2, the replicated secret, and the drill network (own VPC, subnet group, security group).
 */
async function world(): Promise<World> {
  const recoveryKey = await createKey(RECOVERY);
  await createPrimaryInstance(east, { DBInstanceIdentifier: 'dispensing', PubliclyAccessible: false });
  await createDispensingReplica(west, `arn:aws:rds:${PRIMARY}:${ACCOUNT}:db:dispensing`, recoveryKey);
  const { network, settings } = await drillRecoverySide(clients, 'dispensing', recoveryKey, 'db.t4g.medium');
  const database: FleetDatabase = {
    name: 'dispensing',
    tierName: 'critical',
    tier: 1,
    targets: { rtoSeconds: 3600, rpoSeconds: 300 },
    kind: 'instance',
    source: 'point-in-time',
    sourceArn: `arn:aws:rds:${PRIMARY}:${ACCOUNT}:db:dispensing`,
    secretId: 'rxdr/dispensing',
    databaseName: 'pharmacy',
  };
  const drillId = 'run-1-dispensing';
  return { network, settings, database, drillId, deps: { clients, settings, clock: systemClock } };
}

function item(w: World, drill: Partial<DrillState>): DrillItemInput {
  const input = {
    drillId: w.drillId,
    environment: 'prod',
    database: 'dispensing',
    tier: 1 as const,
    targets: w.database.targets,
    selector: { kind: 'latest' as const },
    startedBy: 'schedule:weekly',
    toolVersion: '0.1.0',
    restoreTimeoutSeconds: 3600,
    deletionTimeoutSeconds: 1800,
  };
  return {
    drill: { input, ...drill } as unknown as DrillItemInput['drill'],
    database: w.database,
    run: { executionId: EXECUTION, executionName: 'run-1' },
    expect: {},
    wait: { seconds: 0 },
  };
}

/** What PickSource resolves in AWS from the replicated automated backups (moto cannot produce it, see below). */
const replicatedBackupSource = {
  id: `arn:aws:rds:${RECOVERY}:${ACCOUNT}:auto-backup:ab-dispensing`,
  kind: 'point-in-time' as const,
  recoveryPointTime: new Date().toISOString(),
  sourceDatabase: `arn:aws:rds:${PRIMARY}:${ACCOUNT}:db:dispensing`,
  details: { via: 'replicated-automated-backups', restoreTo: 'latest-restorable-time' },
};

beforeEach(resetMoto);

describe('drill, RDS point-in-time path, against moto', () => {
  test('restore into the drill network, tagged; wait; delete with SkipFinalSnapshot; the source untouched', async () => {
    const w = await world();
    const calls = recordCalls({ rds: west, secrets: clients.secrets, backup: clients.backup });
    const primaryBefore = await snapshotOf(east, 'dispensing');
    const replicaBefore = await snapshotOf(west, 'dispensing-replica');
    const target = drillInstanceId('dispensing', w.drillId);

    // StartRestore (the real call to moto), then a retried StartRestore (a lost response): still one instance.
    const started = await startRestoreTask(
      item(w, { startedAt: new Date().toISOString(), source: replicatedBackupSource }),
      w.deps,
    );
    expect(started.drill).not.toHaveProperty('failure');
    const retried = await startRestoreTask(
      item(w, { startedAt: new Date().toISOString(), source: replicatedBackupSource }),
      w.deps,
    );
    expect(retried.drill).not.toHaveProperty('failure');
    const restoreCalls = calls.filter((c) => c.command === 'RestoreDBInstanceToPointInTime');
    expect(restoreCalls).toHaveLength(1);
    expect(restoreCalls[0]?.input).toMatchObject({
      SourceDBInstanceAutomatedBackupsArn: replicatedBackupSource.id,
      TargetDBInstanceIdentifier: target,
      PubliclyAccessible: false,
      MultiAZ: false,
      DeletionProtection: false,
      BackupRetentionPeriod: 0,
    });

    // moto's state: the restored instance is in the drill network, carries the drill tag, is not public.
    const restored = (await instances(west)).get(target);
    expect(restored).toBeDefined();
    expect(tagsOf(restored)).toEqual({ [DRILL_TAG]: EXECUTION });
    expect(restored?.DBSubnetGroup?.DBSubnetGroupName).toBe(w.network.subnetGroupName);
    expect(restored?.DBSubnetGroup?.VpcId).toBe(w.network.vpcId);
    expect(restored?.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).toEqual([w.network.securityGroupId]);
    expect(restored?.PubliclyAccessible).toBe(false);
    expect(restored?.DBInstanceClass).toBe('db.t4g.medium');

    // CheckRestore: available at once in moto; the drill's own isolation checks read moto's description.
    const checked = await checkRestoreTask(started, w.deps);
    const drill = checked.drill as unknown as DrillState;
    expect(drill.restore?.status).toBe('available');
    const checks = Object.fromEntries((drill.available?.checks ?? []).map((c) => [c.id, c.status]));
    expect(checks).toEqual({
      'restore.encrypted-with-recovery-key': 'passed',
      'restore.not-public': 'passed',
      'restore.drill-network': 'passed',
      'restore.single-az-deletable': 'passed',
    });

    // RequestCleanup + CheckCleanup: deleted without a final snapshot; nothing else deleted.
    const cleaning = await requestCleanupTask(checked, w.deps);
    expect((cleaning.drill as unknown as DrillState).cleanup?.status).toBe('deleting');
    const cleaned = await checkCleanupTask(cleaning, w.deps);
    expect((cleaned.drill as unknown as DrillState).cleanup?.status).toBe('deleted');
    const deletes = calls.filter((c) => c.command === 'DeleteDBInstance');
    expect(deletes.map((c) => c.input)).toEqual([
      { DBInstanceIdentifier: target, SkipFinalSnapshot: true, DeleteAutomatedBackups: true },
    ]);
    expect([...(await instances(west)).keys()]).toEqual(['dispensing-replica']);
    expect(await manualSnapshots(west)).toEqual([]);
    expect(await snapshotOf(east, 'dispensing')).toEqual(primaryBefore);
    expect(await snapshotOf(west, 'dispensing-replica')).toEqual(replicaBefore);

    // Nothing but the drill's instance was ever the subject of a mutating call.
    const mutating = calls.filter((c) => /^(Restore|Delete|Modify|Create|Add|Remove|Promote|Reboot)/.test(c.command));
    const subjects = mutating.map((c) => c.input.DBInstanceIdentifier ?? c.input.TargetDBInstanceIdentifier);
    expect(new Set(subjects)).toEqual(new Set([target]));
  });

  test('an rxdr-drill-* instance without the drill tag is neither used nor deleted', async () => {
    const w = await world();
    const target = drillInstanceId('dispensing', w.drillId);
    await west.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: target,
        Engine: 'postgres',
        DBInstanceClass: 'db.t4g.medium',
        MasterUsername: 'rx',
        MasterUserPassword: 'not-a-real-password',
        AllocatedStorage: 20,
      }),
    );
    const before = await snapshotOf(west, target);

    const started = await startRestoreTask(
      item(w, { startedAt: new Date().toISOString(), source: replicatedBackupSource }),
      w.deps,
    );
    expect((started.drill as unknown as DrillState).failure?.reason).toMatch(
      /without the drill tag rxdr:drill=.*refusing/,
    );
    // Cleanup of a handle that names it (e.g. a drill state edited by hand) refuses too.
    const handle = {
      handle: { id: target, details: { kind: 'point-in-time', tag: EXECUTION } },
      startedAt: new Date().toISOString(),
      status: 'pending' as const,
      polls: 0,
      nextPollSeconds: 5,
    };
    const cleaning = await requestCleanupTask(
      item(w, { startedAt: new Date().toISOString(), source: replicatedBackupSource, restore: handle }),
      w.deps,
    );
    expect((cleaning.drill as unknown as DrillState).cleanup).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/refusing to touch it/),
    });
    expect(await snapshotOf(west, target)).toEqual(before);
  });

  test("Plan sizes a first drill from the source's AllocatedStorage, read by ARN in the source's region", async () => {
    const w = await world(); // the primary in us-east-1 was created with AllocatedStorage 20 (GiB)
    const read = describedAllocatedStorage(rdsIn);
    expect(await firstDrillSize(w.database, {}, read)).toEqual({
      size: { bytes: 20 * 1024 ** 3, from: "the source instance's AllocatedStorage (DescribeDBInstances)" },
    });
    // Asked in the drill's own region, the source does not exist: the prediction is skipped, naming the error.
    const skipped = await firstDrillSize(
      w.database,
      {},
      describedAllocatedStorage(() => west),
    );
    expect(skipped.skipped).toMatch(
      /^prediction skipped: .*\(DescribeDBInstances arn:aws:rds:us-east-1:.*DBInstanceNotFound/,
    );
  });

  test('PickSource finds no replicated automated backups in moto and says so (replication is not implemented)', async () => {
    const w = await world();
    const picked = await pickSourceTask(item(w, {}), w.deps);
    expect((picked.drill as unknown as DrillState).failure?.reason).toMatch(
      /no replicated automated backups of arn:aws:rds:us-east-1:111111111111:db:dispensing in this region/,
    );
  });
});

describe('what moto lacks on the drill path (each note disappears when moto implements it)', () => {
  test('not implemented by moto: StartDBInstanceAutomatedBackupsReplication', async () => {
    await world();
    await expectNotImplemented('StartDBInstanceAutomatedBackupsReplication', () =>
      west.send(
        new StartDBInstanceAutomatedBackupsReplicationCommand({
          SourceDBInstanceArn: `arn:aws:rds:${PRIMARY}:${ACCOUNT}:db:dispensing`,
        }),
      ),
    );
  });

  test('not implemented by moto: DescribeDBInstanceAutomatedBackups details (DBInstanceAutomatedBackupsArn, RestoreWindow)', async () => {
    await world();
    const out = await east.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: 'dispensing' }));
    const backup = out.DBInstanceAutomatedBackups?.[0];
    expect(backup?.DBInstanceIdentifier).toBe('dispensing');
    // Once moto reports these, PickSource can run against it: replace this note by the real step.
    expect(backup?.DBInstanceAutomatedBackupsArn).toBeUndefined();
    expect(backup?.RestoreWindow).toBeUndefined();
    console.log(
      'not implemented by moto: DescribeDBInstanceAutomatedBackups details (DBInstanceAutomatedBackupsArn, RestoreWindow)',
    );
  });

  test('not implemented by moto: RestoreDBInstanceToPointInTime from SourceDBInstanceAutomatedBackupsArn (it ignores the ARN)', async () => {
    // An unknown automated-backups ARN must fail (DBInstanceAutomatedBackupNotFound); moto restores from
    // whichever instance the region holds (here the replica), so the source of a restore is not proven here.
    await world();
    const out = await west.send(
      new RestoreDBInstanceToPointInTimeCommand({
        SourceDBInstanceAutomatedBackupsArn: `arn:aws:rds:${RECOVERY}:${ACCOUNT}:auto-backup:ab-does-not-exist`,
        TargetDBInstanceIdentifier: 'ignored-arn',
        UseLatestRestorableTime: true,
      }),
    );
    expect(out.DBInstance?.DBInstanceIdentifier).toBe('ignored-arn');
    console.log(
      'not implemented by moto: RestoreDBInstanceToPointInTime with SourceDBInstanceAutomatedBackupsArn (the ARN is ignored)',
    );
  });

  test('not implemented by moto: false-valued parameters of RestoreDBInstanceToPointInTime (PubliclyAccessible=false is dropped)', async () => {
    // moto copies the source and drops every override that is false or 0, so "not public" on a restored
    // instance is proven here only from a private source, plus the request the drill sends (asserted above).
    await west.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'public-source',
        Engine: 'postgres',
        DBInstanceClass: 'db.t4g.medium',
        MasterUsername: 'rx',
        MasterUserPassword: 'not-a-real-password',
        AllocatedStorage: 20,
        PubliclyAccessible: true,
      }),
    );
    const out = await west.send(
      new RestoreDBInstanceToPointInTimeCommand({
        SourceDBInstanceIdentifier: 'public-source',
        TargetDBInstanceIdentifier: 'restored',
        UseLatestRestorableTime: true,
        PubliclyAccessible: false,
      }),
    );
    expect(out.DBInstance?.PubliclyAccessible).toBe(true);
    console.log(
      'not implemented by moto: RestoreDBInstanceToPointInTime with PubliclyAccessible=false (false-valued parameters are dropped)',
    );
  });

  test('not implemented by moto: the DB instance lifecycle (creating, modifying, deleting): instances are available at once', async () => {
    // So the drill's and runbooks' wait loops meet no pending state here; the state-machine tests drive them.
    const created = await west.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'fresh',
        Engine: 'postgres',
        DBInstanceClass: 'db.t4g.medium',
        MasterUsername: 'rx',
        MasterUserPassword: 'not-a-real-password',
        AllocatedStorage: 20,
      }),
    );
    expect(created.DBInstance?.DBInstanceStatus).toBe('available');
    console.log('not implemented by moto: the DB instance lifecycle (instances are available at once)');
  });

  test("not implemented by moto: AWS Backup ListRecoveryPointsByBackupVault, StartRestoreJob, DescribeRestoreJob (the drill's snapshot path)", async () => {
    await expectNotImplemented('AWS Backup ListRecoveryPointsByBackupVault', () =>
      clients.backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'rxdr-recovery' })),
    );
    await expectNotImplemented('AWS Backup StartRestoreJob', () =>
      clients.backup.send(
        new StartRestoreJobCommand({
          RecoveryPointArn: `arn:aws:backup:${RECOVERY}:${ACCOUNT}:recovery-point:x`,
          IamRoleArn: `arn:aws:iam::${ACCOUNT}:role/r`,
          Metadata: {},
        }),
      ),
    );
    await expectNotImplemented('AWS Backup DescribeRestoreJob', () =>
      clients.backup.send(new DescribeRestoreJobCommand({ RestoreJobId: 'x' })),
    );
  });
});
