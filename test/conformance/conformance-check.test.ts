import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import {
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  type DBInstance,
  type DBInstanceAutomatedBackup,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { checkConformance, findingCounts, publishConformance } from '../../engines/conformance/check';
import { POSTGRES_PARAMETERS } from '../../engines/database/postgres-parameters';
import { ConformanceTarget } from '../../engines/conformance/target';
import { handler } from '../../lambda/conformance';
import { CONFORMANCE_METRICS, ConformanceFindingKind } from '../../engines/common/metrics-contract';
import {
  clients,
  describesKey,
  describesParameters,
  type Drift,
  eachDriftGivesItsFinding,
  KEY_ARN,
  kms,
  NOW,
  rds,
} from './mocked-rds';

/*
 * The conformance engine against aws-sdk-client-mock descriptions: a compliant instance has no finding, and
 * each drift of one setting gives exactly its finding kind. The same engine runs against moto in
 * test/aws-api/conformance.aws-api.ts.
 */

const cloudwatch = mockClient(CloudWatchClient);
const TARGET: ConformanceTarget = {
  database: 'claims',
  role: 'primary',
  mode: 'adopt',
  instanceIdentifier: 'pharmacy-claims-prod',
  region: 'us-east-1',
  tier: 'critical',
  minBackupRetentionDays: 35,
  multiAz: true,
  backupReplicationRegion: 'us-west-2',
};

function compliantInstance(): DBInstance {
  return {
    DBInstanceIdentifier: TARGET.instanceIdentifier,
    DbiResourceId: 'db-ABCDEFGHIJKLMNOP',
    Engine: 'postgres',
    EngineVersion: '16.4',
    StorageEncrypted: true,
    KmsKeyId: KEY_ARN,
    BackupRetentionPeriod: 35,
    DeletionProtection: true,
    PubliclyAccessible: false,
    AutoMinorVersionUpgrade: true,
    MultiAZ: true,
    DBParameterGroups: [{ DBParameterGroupName: 'claims-params', ParameterApplyStatus: 'in-sync' }],
  };
}

function compliantParameters(): Record<string, string> {
  return { ...POSTGRES_PARAMETERS };
}

interface World {
  instance: DBInstance;
  parameters: Record<string, string>;
  keyManager: 'CUSTOMER' | 'AWS';
  replicated: DBInstanceAutomatedBackup[];
}

function awsDescribes(world: World): void {
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [world.instance] });
  describesParameters('instance', world.parameters);
  rds.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({ DBInstanceAutomatedBackups: world.replicated });
  describesKey(world.keyManager);
}

function compliantWorld(): World {
  return {
    instance: compliantInstance(),
    parameters: compliantParameters(),
    keyManager: 'CUSTOMER',
    replicated: [{ DbiResourceId: 'db-ABCDEFGHIJKLMNOP', Status: 'replicating', Region: 'us-east-1' }],
  };
}

/** One drift per finding kind: the change to a compliant world that must give exactly that kind. */
/** IAM authentication is held to clusters only (`cluster-conformance.test.ts`). */
const DRIFTS: Record<Exclude<ConformanceFindingKind, 'iamAuthentication'>, Drift<World>> = {
  storageEncryption: ['AWS-managed storage key', (w) => (w.keyManager = 'AWS'), /AWS-managed/],
  backupRetention: ['7-day backups', (w) => (w.instance.BackupRetentionPeriod = 7), /kept 7 days.*at least 35/],
  deletionProtection: ['deletion protection off', (w) => (w.instance.DeletionProtection = false), /off/],
  publicAccess: ['public', (w) => (w.instance.PubliclyAccessible = true), /publicly accessible/],
  forceSsl: ['rds.force_ssl 0', (w) => (w.parameters['rds.force_ssl'] = '0'), /rds\.force_ssl is "0", expected 1/],
  pgaudit: [
    'pgaudit not loaded',
    (w) => (w.parameters.shared_preload_libraries = 'pg_stat_statements'),
    /pgaudit is not loaded/,
  ],
  engineSupport: ['PostgreSQL 13', (w) => (w.instance.EngineVersion = '13.20'), /13\.20 .*2026-02-28/],
  autoMinorVersionUpgrade: ['no minor upgrades', (w) => (w.instance.AutoMinorVersionUpgrade = false), /off/],
  multiAz: ['single-AZ', (w) => (w.instance.MultiAZ = false), /single-AZ/],
  backupReplication: [
    'replication stopped',
    (w) => (w.replicated = []),
    /no automated backups replicated to us-west-2/,
  ],
};

beforeEach(() => {
  rds.reset();
  kms.reset();
  cloudwatch.reset();
  cloudwatch.on(PutMetricDataCommand).resolves({});
});

describe('conformance engine (mocked RDS and KMS descriptions)', () => {
  test('a compliant instance has no finding, and every setting was read where it lives', async () => {
    awsDescribes(compliantWorld());
    const report = await checkConformance('prod', [TARGET], clients, NOW);
    expect(report.instances).toEqual([{ target: TARGET, findings: [] }]);
    expect(rds.commandCalls(DescribeDBParametersCommand)).toHaveLength(2);
    const backups = rds.commandCalls(DescribeDBInstanceAutomatedBackupsCommand)[0]!;
    expect(backups.args[0].input).toEqual({ DbiResourceId: 'db-ABCDEFGHIJKLMNOP', Marker: undefined });
    expect(await backups.thisValue.config.region()).toBe('us-west-2');
  });

  eachDriftGivesItsFinding(DRIFTS, { compliant: compliantWorld, describe: awsDescribes, target: TARGET });

  test('the pgaudit settings of the reference instance are the rule: classes, role and parameter logging', async () => {
    const world = compliantWorld();
    world.parameters['pgaudit.log'] = 'ddl';
    world.parameters['pgaudit.role'] = '';
    world.parameters['pgaudit.log_parameter'] = '1';
    awsDescribes(world);
    const [instance] = (await checkConformance('prod', [TARGET], clients, NOW)).instances;
    expect(instance!.findings).toEqual([
      {
        kind: 'pgaudit',
        detail:
          'pgaudit.log is "ddl", missing role; pgaudit.role is (unset), expected rds_pgaudit; pgaudit.log_parameter is "1", expected 0',
      },
    ]);
  });

  test('parameters waiting for a reboot are not in force: TLS and pgaudit are findings', async () => {
    const world = compliantWorld();
    world.instance.DBParameterGroups = [
      { DBParameterGroupName: 'claims-params', ParameterApplyStatus: 'pending-reboot' },
    ];
    awsDescribes(world);
    const [instance] = (await checkConformance('prod', [TARGET], clients, NOW)).instances;
    expect(instance!.findings.map((f) => f.kind)).toEqual(['forceSsl', 'pgaudit']);
    expect(instance!.findings[0]!.detail).toMatch(/pending-reboot: reboot to apply/);
  });

  test('a created instance on another key than the environment key is a finding', async () => {
    awsDescribes(compliantWorld());
    kms
      .on(DescribeKeyCommand, { KeyId: 'alias/rxdr-prod-primary' })
      .resolves({ KeyMetadata: { KeyId: 'x', Arn: `${KEY_ARN.slice(0, -4)}9999`, KeyManager: 'CUSTOMER' } });
    const target = { ...TARGET, mode: 'create' as const, expectedKey: 'alias/rxdr-prod-primary' };
    const [instance] = (await checkConformance('prod', [target], clients, NOW)).instances;
    expect(instance!.findings).toEqual([
      { kind: 'storageEncryption', detail: expect.stringMatching(/expected .*9999$/) },
    ]);
  });

  test('a missing instance is an error, never conforming; the others are still checked', async () => {
    awsDescribes(compliantWorld());
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'gone' })
      .rejects(Object.assign(new Error('DBInstance gone not found.'), { name: 'DBInstanceNotFoundFault' }));
    const report = await checkConformance('prod', [{ ...TARGET, instanceIdentifier: 'gone' }, TARGET], clients, NOW);
    expect(report.instances[0]).toMatchObject({
      findings: [],
      error: expect.stringMatching(/gone .*not found in us-east-1/),
    });
    expect(report.instances[1]).toEqual({ target: TARGET, findings: [] });
  });

  test('published: one metric per finding kind (0 included) and the instances read', async () => {
    const world = compliantWorld();
    world.instance.PubliclyAccessible = true;
    awsDescribes(world);
    const report = await checkConformance('prod', [TARGET, { ...TARGET, database: 'other' }], clients, NOW);
    await publishConformance(new CloudWatchClient({}), report);
    const [call] = cloudwatch.commandCalls(PutMetricDataCommand);
    expect(call!.args[0].input.Namespace).toBe(CONFORMANCE_METRICS.namespace);
    const values = Object.fromEntries(call!.args[0].input.MetricData!.map((d) => [d.MetricName, d.Value]));
    expect(values).toEqual({
      ...Object.fromEntries(Object.values(CONFORMANCE_METRICS.findings).map((m) => [m, 0])),
      [CONFORMANCE_METRICS.findings.publicAccess]: 2,
      [CONFORMANCE_METRICS.databasesChecked]: 2,
    });
    expect(findingCounts(report).publicAccess).toBe(2);
    for (const datum of call!.args[0].input.MetricData!)
      expect(datum.Dimensions).toEqual([{ Name: 'Environment', Value: 'prod' }]);
  });
});

describe('conformance function (lambda/conformance.ts)', () => {
  test('publishes and fails the invocation when an instance cannot be read', async () => {
    awsDescribes(compliantWorld());
    rds.on(DescribeDBInstancesCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(handler({ environment: 'prod', targets: [TARGET] })).rejects.toThrow(
      /conformance check incomplete: pharmacy-claims-prod \(AccessDenied: denied\)/,
    );
    const data = cloudwatch.commandCalls(PutMetricDataCommand)[0]!.args[0].input.MetricData!;
    expect(data.find((d) => d.MetricName === CONFORMANCE_METRICS.databasesChecked)?.Value).toBe(0);
  });

  test('a malformed event is refused before any AWS call', async () => {
    await expect(handler({ environment: 'prod', targets: [{ ...TARGET, region: 'moon' }] })).rejects.toThrow(
      /invalid conformance event: targets\.0\.region: must be an AWS region/,
    );
    expect(rds.calls()).toHaveLength(0);
  });
});
