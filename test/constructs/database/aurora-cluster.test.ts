import { Template } from 'aws-cdk-lib/assertions';
import { environment } from '../../helpers/config';
import { complianceFindings } from '../../helpers/compliance';
import { synthStage } from '../../helpers/synth';
import { plain } from '../../helpers/intrinsics';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
const of = (template: Template, type: string) => Object.values(template.findResources(type)) as Resource[];

const instance = { name: 'dispensing', tier: 'critical', mode: 'create' };
const createdCluster = { name: 'adjudication', tier: 'critical', mode: 'create', engine: 'aurora-postgresql' };
const adoptedCluster = {
  name: 'claims',
  tier: 'critical',
  mode: 'adopt',
  engine: 'aurora-postgresql',
  clusterIdentifier: 'pharmacy-claims',
  credentialsSecretArn: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:pharmacy-claims-AbCdEf',
  globalDatabase: {
    globalClusterIdentifier: 'pharmacy-claims-global',
    secondaryClusterIdentifier: 'pharmacy-claims-west',
  },
};

describe.each([
  ['dev', false],
  ['prod', true],
] as const)('Aurora clusters in a %s environment', (name, production) => {
  const config = environment(
    {
      production,
      ...(production ? { vaultLock: { mode: 'compliance' } } : {}),
      databases: [instance, createdCluster, adoptedCluster],
    },
    name,
  );
  const { app, stage, primary } = synthStage(config);
  const standby = Template.fromStack(stage.standby);
  const clusterArn = (id: string) => `arn:aws:rds:us-east-1:111111111111:cluster:${id}`;

  test('the created cluster: encrypted on the primary key, IAM auth, deletion protection, 35-day backups, RETAIN', () => {
    const [cluster, ...others] = of(primary, 'AWS::RDS::DBCluster');
    expect(others).toHaveLength(0);
    expect(cluster!.DeletionPolicy).toBe('Retain');
    expect(cluster!.Properties).toMatchObject({
      DBClusterIdentifier: `rxdr-${name}-adjudication`,
      Engine: 'aurora-postgresql',
      EngineVersion: '17.6',
      StorageEncrypted: true,
      DeletionProtection: true,
      EnableIAMDatabaseAuthentication: true,
      BackupRetentionPeriod: 35,
      CopyTagsToSnapshot: true,
      EnableCloudwatchLogsExports: ['postgresql'],
    });
    expect(JSON.stringify(cluster!.Properties.KmsKeyId)).toContain('Key');
  });

  test('a writer and a reader, neither publicly accessible', () => {
    const members = of(primary, 'AWS::RDS::DBInstance').filter((r) => r.Properties.DBClusterIdentifier !== undefined);
    expect(members.map((m) => m.Properties.DBInstanceIdentifier).sort()).toEqual([
      `rxdr-${name}-adjudication-reader-1`,
      `rxdr-${name}-adjudication-writer`,
    ]);
    for (const member of members) expect(member.Properties.PubliclyAccessible).toBe(false);
  });

  test('cluster parameter groups in both regions force TLS and load pgaudit, like the instance', () => {
    for (const template of [primary, standby]) {
      const [group] = of(template, 'AWS::RDS::DBClusterParameterGroup');
      expect(group!.Properties).toMatchObject({
        Family: 'aurora-postgresql17',
        Parameters: expect.objectContaining({
          'rds.force_ssl': '1',
          shared_preload_libraries: 'pg_stat_statements,pgaudit',
        }),
      });
    }
  });

  test('tier 1: a global database built from the created cluster, deletion-protected and retained', () => {
    const [global, ...others] = of(primary, 'AWS::RDS::GlobalCluster');
    expect(others).toHaveLength(0);
    expect(global!.DeletionPolicy).toBe('Retain');
    expect(global!.Properties.GlobalClusterIdentifier).toBe(`rxdr-${name}-adjudication-global`);
    expect(global!.Properties.DeletionProtection).toBe(true);
    expect(plain(global!.Properties.SourceDBClusterIdentifier)).toBe(clusterArn(`rxdr-${name}-adjudication`));
  });

  test('the recovery region holds the secondary cluster on the recovery key, with one private instance', () => {
    const [secondary, ...others] = of(standby, 'AWS::RDS::DBCluster');
    expect(others).toHaveLength(0);
    expect(secondary!.DeletionPolicy).toBe('Retain');
    expect(secondary!.Properties).toMatchObject({
      DBClusterIdentifier: `rxdr-${name}-adjudication-dr`,
      GlobalClusterIdentifier: `rxdr-${name}-adjudication-global`,
      EngineVersion: '17.6',
      StorageEncrypted: true,
      DeletionProtection: true,
      EnableIAMDatabaseAuthentication: true,
    });
    expect(secondary!.Properties.MasterUsername).toBeUndefined();
    expect(JSON.stringify(secondary!.Properties.KmsKeyId)).toMatch(/Fn::ImportValue.*Recovery.*Key/);
    const members = of(standby, 'AWS::RDS::DBInstance').filter((r) => r.Properties.DBClusterIdentifier !== undefined);
    expect(members).toHaveLength(1);
    expect(members[0]!.Properties.PubliclyAccessible).toBe(false);
  });

  test('replication lag of both clusters’ secondaries alarms at the tier RPO (milliseconds), missing data breaching', () => {
    const alarms = of(standby, 'AWS::CloudWatch::Alarm').filter(
      (a) => a.Properties.MetricName === 'AuroraGlobalDBReplicationLag',
    );
    expect(
      alarms.map((a) => [(a.Properties.Dimensions as { Value: string }[])[0]!.Value, a.Properties.Threshold]).sort(),
    ).toEqual([
      ['pharmacy-claims-west', 5 * 60 * 1000],
      [`rxdr-${name}-adjudication-dr`, 5 * 60 * 1000],
    ]);
    for (const alarm of alarms) expect(alarm.Properties.TreatMissingData).toBe('breaching');
  });

  test('the critical tier’s backup selection lists the instance and both clusters by ARN', () => {
    const [selection] = of(primary, 'AWS::Backup::BackupSelection');
    const resources = ((selection!.Properties.BackupSelection as { Resources: unknown[] }).Resources ?? []).map(plain);
    expect(resources).toEqual([
      `arn:aws:rds:us-east-1:111111111111:db:rxdr-${name}-dispensing`,
      clusterArn(`rxdr-${name}-adjudication`),
      clusterArn('pharmacy-claims'),
    ]);
  });

  test('freshness watches the clusters’ recovery points by cluster ARN', () => {
    const input = JSON.stringify(of(primary, 'AWS::Events::Rule').map((r) => r.Properties));
    expect(input).toContain(`cluster:rxdr-${name}-adjudication`);
    expect(input).toContain('cluster:pharmacy-claims');
  });

  test('the manifest job reads the created secondary', () => {
    const schedules = JSON.stringify(of(standby, 'AWS::Scheduler::Schedule').map((s) => s.Properties));
    expect(schedules).toContain('\\"name\\":\\"adjudication\\"');
  });

  test('the adopted cluster is protected, not created', () => {
    const identifiers = of(primary, 'AWS::RDS::DBCluster').map((c) => c.Properties.DBClusterIdentifier);
    expect(identifiers).not.toContain('pharmacy-claims');
  });

  test('the compliance packs find nothing', () => {
    expect(complianceFindings(app)).toEqual([]);
  });
});

describe('Aurora clusters outside tier 1', () => {
  test('an important-tier cluster gets no global database and no secondary, but its continuous backup', () => {
    const config = environment({ databases: [instance, { ...createdCluster, tier: 'important' }] });
    const { stage, primary } = synthStage(config);
    expect(of(primary, 'AWS::RDS::GlobalCluster')).toHaveLength(0);
    expect(of(Template.fromStack(stage.standby), 'AWS::RDS::DBCluster')).toHaveLength(0);
    const plan = JSON.stringify(of(primary, 'AWS::Backup::BackupPlan'));
    expect(plan).toContain('"EnableContinuousBackup":true');
  });
});
