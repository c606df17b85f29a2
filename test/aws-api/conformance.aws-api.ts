import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  ModifyDBParameterGroupCommand,
  RDSClient,
  StartDBInstanceAutomatedBackupsReplicationCommand,
} from '@aws-sdk/client-rds';
import { checkConformance } from '../../engines/conformance/check';
import { ConformanceTarget } from '../../engines/conformance/target';
import { POSTGRES_PARAMETERS } from '../../engines/database/postgres-parameters';
import { handler } from '../../lambda/conformance';
import { CONFORMANCE_METRICS } from '../../engines/common/metrics-contract';
import { expectNotImplemented, PRIMARY, RECOVERY, resetMoto } from './moto';

/*
 * The conformance engine and its Lambda entry against moto's RDS, KMS and CloudWatch: a compliant and a
 * drifted instance, described by moto (not by a mock), each finding kind moto can produce once. What moto
 * does not implement (replicated automated backups) is named and proven by the mocked test only
 * (test/conformance/conformance-check.test.ts).
 */

const rds = new RDSClient({ region: PRIMARY });
const kms = new KMSClient({ region: PRIMARY });
const clients = {
  rds: (region: string) => new RDSClient({ region }),
  kms: (region: string) => new KMSClient({ region }),
};

const target = (instanceIdentifier: string, overrides: Partial<ConformanceTarget> = {}): ConformanceTarget => ({
  database: 'claims',
  role: 'primary',
  mode: 'adopt',
  instanceIdentifier,
  region: PRIMARY,
  tier: 'critical',
  minBackupRetentionDays: 35,
  multiAz: true,
  ...overrides,
});

let keyArn: string;

beforeEach(async () => {
  await resetMoto();
  keyArn = (await kms.send(new CreateKeyCommand({ Description: 'rxdr conformance test' }))).KeyMetadata!.Arn!;
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/rxdr-prod-primary', TargetKeyId: keyArn }));
  await rds.send(
    new CreateDBParameterGroupCommand({
      DBParameterGroupName: 'rxdr-audit',
      DBParameterGroupFamily: 'postgres16',
      Description: 'TLS only, pgaudit',
    }),
  );
  await rds.send(
    new ModifyDBParameterGroupCommand({
      DBParameterGroupName: 'rxdr-audit',
      Parameters: Object.entries(POSTGRES_PARAMETERS).map(([ParameterName, ParameterValue]) => ({
        ParameterName,
        ParameterValue,
        ApplyMethod: 'pending-reboot',
      })),
    }),
  );
  const base = {
    Engine: 'postgres',
    DBInstanceClass: 'db.m7g.large',
    MasterUsername: 'rx',
    MasterUserPassword: 'not-a-real-password',
    AllocatedStorage: 20,
  };
  await rds.send(
    new CreateDBInstanceCommand({
      ...base,
      DBInstanceIdentifier: 'compliant',
      EngineVersion: '16.4',
      StorageEncrypted: true,
      KmsKeyId: keyArn,
      BackupRetentionPeriod: 35,
      DeletionProtection: true,
      PubliclyAccessible: false,
      AutoMinorVersionUpgrade: true,
      MultiAZ: true,
      DBParameterGroupName: 'rxdr-audit',
    }),
  );
  await rds.send(
    new CreateDBInstanceCommand({
      ...base,
      DBInstanceIdentifier: 'drifted',
      EngineVersion: '13.20',
      StorageEncrypted: false,
      BackupRetentionPeriod: 7,
      DeletionProtection: false,
      PubliclyAccessible: true,
      AutoMinorVersionUpgrade: false,
      MultiAZ: false,
    }),
  );
});

test('a compliant instance has no finding; a created one on the environment key too', async () => {
  const report = await checkConformance(
    'prod',
    [target('compliant'), target('compliant', { mode: 'create', expectedKey: 'alias/rxdr-prod-primary' })],
    clients,
    new Date('2026-12-06T12:00:00Z'),
  );
  expect(report.instances.map((i) => [i.error, i.findings])).toEqual([
    [undefined, []],
    [undefined, []],
  ]);
});

test('a drifted instance: every finding kind moto can describe, once each', async () => {
  const [drifted] = (await checkConformance('prod', [target('drifted')], clients, new Date('2026-12-06T12:00:00Z')))
    .instances;
  expect(drifted!.error).toBeUndefined();
  expect(Object.fromEntries(drifted!.findings.map((f) => [f.kind, f.detail]))).toEqual({
    storageEncryption: 'storage is not encrypted',
    backupRetention: 'automated backups kept 7 days, tier critical asks for at least 35',
    deletionProtection: 'deletion protection is off',
    publicAccess: 'the instance is publicly accessible',
    forceSsl: expect.stringMatching(/^rds\.force_ssl is /),
    pgaudit: expect.stringMatching(/pgaudit is not loaded/),
    engineSupport: expect.stringMatching(
      /^PostgreSQL 13\.20 \(major 13\) reached end of standard support on 2026-02-28/,
    ),
    autoMinorVersionUpgrade: 'automatic minor version upgrades are off',
    multiAz: 'single-AZ; tier critical in this environment is Multi-AZ',
  });
});

test('replicated automated backups: moto does not implement them (proven against mocked RDS only)', async () => {
  await expectNotImplemented('StartDBInstanceAutomatedBackupsReplication', () =>
    new RDSClient({ region: RECOVERY }).send(
      new StartDBInstanceAutomatedBackupsReplicationCommand({
        SourceDBInstanceArn: `arn:aws:rds:${PRIMARY}:123456789012:db:compliant`,
        BackupRetentionPeriod: 35,
      }),
    ),
  );
  const [compliant] = (
    await checkConformance('prod', [target('compliant', { backupReplicationRegion: RECOVERY })], clients, new Date())
  ).instances;
  expect(compliant!.findings.map((f) => f.kind)).toEqual(['backupReplication']);
  const listed = await new RDSClient({ region: RECOVERY }).send(new DescribeDBInstanceAutomatedBackupsCommand({}));
  expect(listed.DBInstanceAutomatedBackups ?? []).toEqual([]);
});

test('the Lambda entry publishes one metric per finding kind to CloudWatch', async () => {
  await handler({ environment: 'prod', targets: [target('compliant'), target('drifted', { database: 'inventory' })] });
  // The function publishes in the region it runs in (AWS_REGION), as the one deployed next to its instances does.
  const cloudwatch = new CloudWatchClient({});
  const value = async (metric: string) => {
    const out = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: CONFORMANCE_METRICS.namespace,
        MetricName: metric,
        Dimensions: [{ Name: 'Environment', Value: 'prod' }],
        StartTime: new Date(Date.now() - 3_600_000),
        EndTime: new Date(Date.now() + 60_000),
        Period: 3600,
        Statistics: ['Maximum'],
      }),
    );
    return out.Datapoints?.[0]?.Maximum;
  };
  expect(await value(CONFORMANCE_METRICS.findings.publicAccess)).toBe(1);
  expect(await value(CONFORMANCE_METRICS.findings.backupReplication)).toBe(0);
  expect(await value(CONFORMANCE_METRICS.databasesChecked)).toBe(2);
});
