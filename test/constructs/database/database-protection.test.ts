import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EnvironmentConfig } from '../../../lib/config/environment-config';
import { AutomatedBackupReplication } from '../../../lib/constructs/database/backup-replication';
import { DatabaseNetwork } from '../../../lib/constructs/database/network';
import { CrossRegionReadReplica } from '../../../lib/constructs/database/read-replica';
import { ReferenceDatabase } from '../../../lib/constructs/database/reference-instance';
import { StandbyLagAlarm } from '../../../lib/constructs/database/standby-lag-alarm';
import { names } from '../../../lib/naming';
import { shippedConfig } from '../../helpers/config';
import { policyStatements, wildcardActionStatements } from '../../helpers/iam';
import { synthStage, testApp } from '../../helpers/synth';
import { isInstance } from '../../../lib/config/database-kind';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string }>;

function resourcesOf(template: Template, type: string): Resources {
  const found = template.findResources(type) as Resources;
  if (type !== 'AWS::RDS::DBInstance') return found;
  // Aurora cluster members are DB instances too; these tests are about standalone instances and replicas.
  return Object.fromEntries(Object.entries(found).filter(([, r]) => r.Properties?.DBClusterIdentifier === undefined));
}

/** `Fn::Join` of strings and `AWS::Partition` (what `formatArn` produces) → the string it becomes in the aws partition. */
function joined(value: unknown): unknown {
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  if (!join) return value;
  return join[1]
    .map((part) =>
      typeof part === 'string'
        ? part
        : (part as { Ref?: string }).Ref === 'AWS::Partition'
          ? 'aws'
          : JSON.stringify(part),
    )
    .join(join[0]);
}

/** Every IAM statement of a template: role inline policies, (managed) policies. */

describe.each(shippedConfig().environments.map((env) => [env.name, env] as const))(
  'RDS protection in the shipped %s environment',
  (_name, config: EnvironmentConfig) => {
    const { primary, standby } = (() => {
      const synthesized = synthStage(config);
      return { primary: synthesized.primary, standby: Template.fromStack(synthesized.stage.standby) };
    })();
    /** Created RDS instances (created clusters have their own tests: aurora-cluster.test.ts). */
    const created = config.databases.filter(isInstance).filter((db) => db.mode === 'create');
    /** Created instances and clusters: each has its credentials secret. */
    const withSecrets = config.databases.filter((db) => db.mode === 'create');
    const instances = config.databases.filter(isInstance);
    const tier1 = instances.filter((db) => db.tierPreset.crossRegionReadReplica);
    const recoveryAliasArn = `arn:aws:kms:${config.recoveryRegion}:${config.account}:alias/rxdr-${config.name}-recovery`;

    test('every created instance: CMK storage, deletion protection, RETAIN, 35-day backups, IAM auth, logs, monitoring, PI on the CMK, tier tag', () => {
      const instances = resourcesOf(primary, 'AWS::RDS::DBInstance');
      expect(Object.keys(instances)).toHaveLength(created.length);
      const primaryKey = Object.keys(resourcesOf(primary, 'AWS::KMS::Key'))[0]!;
      for (const db of created) {
        const [, instance] = Object.entries(instances).find(
          ([, r]) => r.Properties?.DBInstanceIdentifier === names.databaseInstance(config, db),
        )!;
        expect(instance.DeletionPolicy).toBe('Retain');
        expect(instance.Properties).toMatchObject({
          Engine: 'postgres',
          EngineVersion: db.mode === 'create' ? db.engineVersion : '',
          StorageEncrypted: true,
          KmsKeyId: { 'Fn::GetAtt': [primaryKey, 'Arn'] },
          DeletionProtection: true,
          BackupRetentionPeriod: 35,
          MultiAZ: config.production,
          EnableIAMDatabaseAuthentication: true,
          PubliclyAccessible: false,
          EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
          MonitoringInterval: 60,
          EnablePerformanceInsights: true,
          PerformanceInsightsKMSKeyId: { 'Fn::GetAtt': [primaryKey, 'Arn'] },
          Tags: expect.arrayContaining([{ Key: 'rxdr:tier', Value: db.tier }]),
        });
      }
    });

    test('production instances are Multi-AZ', () => {
      const multiAz = Object.values(resourcesOf(primary, 'AWS::RDS::DBInstance')).map((r) => r.Properties?.MultiAZ);
      expect(multiAz.every((value) => value === config.production)).toBe(true);
    });

    test('the parameter group forces TLS', () => {
      if (created.length === 0) return;
      primary.hasResourceProperties('AWS::RDS::DBParameterGroup', {
        Family: 'postgres17',
        Parameters: { 'rds.force_ssl': '1' },
      });
    });

    test('log groups of the instances exist before them, on the CMK, with the configured retention', () => {
      for (const db of created) {
        for (const logType of ['postgresql', 'upgrade']) {
          primary.hasResourceProperties('AWS::Logs::LogGroup', {
            LogGroupName: `/aws/rds/instance/${names.databaseInstance(config, db)}/${logType}`,
            RetentionInDays: config.databaseProtection.logRetentionDays,
            KmsKeyId: Match.anyValue(),
          });
        }
      }
    });

    test('credentials: CMK, replicated to the recovery region on the recovery key, rotated', () => {
      const secrets = resourcesOf(primary, 'AWS::SecretsManager::Secret');
      expect(Object.keys(secrets)).toHaveLength(withSecrets.length);
      for (const db of withSecrets) {
        primary.hasResourceProperties('AWS::SecretsManager::Secret', {
          Name: names.databaseSecret(config, db),
          KmsKeyId: Match.anyValue(),
          ReplicaRegions: [{ Region: config.recoveryRegion, KmsKeyId: Match.anyValue() }],
        });
        const secret = Object.values(secrets).find((r) => r.Properties?.Name === names.databaseSecret(config, db))!;
        const [replica] = secret.Properties!.ReplicaRegions as { KmsKeyId: unknown }[];
        expect(joined(replica!.KmsKeyId)).toBe(recoveryAliasArn);
      }
      expect(Object.keys(resourcesOf(primary, 'AWS::SecretsManager::RotationSchedule'))).toHaveLength(
        withSecrets.length,
      );
    });

    test('automated-backup replication for every configured instance (clusters have global databases and AWS Backup copies), to the recovery region on the recovery key', () => {
      const replications = Object.values(resourcesOf(primary, 'Custom::RdsAutomatedBackupReplication'));
      expect(replications).toHaveLength(instances.length);
      for (const db of instances) {
        const identifier = db.mode === 'adopt' ? db.instanceIdentifier : names.databaseInstance(config, db);
        const replication = replications.find((r) =>
          JSON.stringify(r.Properties?.SourceDBInstanceArn).includes(`:db:${identifier}`),
        );
        expect(replication?.Properties).toMatchObject({
          DestinationRegion: config.recoveryRegion,
          BackupRetentionPeriod: config.retention.continuousDays,
        });
        expect(joined(replication!.Properties!.KmsKeyId)).toBe(recoveryAliasArn);
      }
    });

    test('the replication function may touch only the protected instances and the recovery-alias keys', () => {
      const policies = Object.values(resourcesOf(primary, 'AWS::IAM::ManagedPolicy')).filter((p) =>
        JSON.stringify(p).includes('StartDBInstanceAutomatedBackupsReplication'),
      );
      expect(policies).toHaveLength(1);
      const statements = (
        policies[0]!.Properties!.PolicyDocument as {
          Statement: { Sid?: string; Resource: unknown; Condition?: unknown }[];
        }
      ).Statement;
      const rds = statements.find((s) => s.Sid === 'ReplicateTheProtectedInstancesOnly')!;
      expect([rds.Resource].flat()).toHaveLength(instances.length);
      const grant = statements.find((s) => s.Sid === 'RdsEncryptsReplicatedBackupsWithTheRecoveryKey')!;
      expect(grant.Condition).toEqual({
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [`alias/rxdr-${config.name}-recovery`] },
        Bool: { 'kms:GrantIsForAWSResource': 'true' },
      });
    });

    test('tier-1 databases have an encrypted read replica in the recovery region with a lag alarm at the RPO', () => {
      const replicas = Object.values(resourcesOf(standby, 'AWS::RDS::DBInstance'));
      expect(replicas).toHaveLength(tier1.length);
      for (const db of tier1) {
        const source = db.mode === 'adopt' ? db.instanceIdentifier : names.databaseInstance(config, db);
        const replica = replicas.find((r) => r.Properties?.DBInstanceIdentifier === names.replicaInstance(config, db))!;
        expect(replica.DeletionPolicy).toBe('Retain');
        expect(joined(replica.Properties!.SourceDBInstanceIdentifier)).toBe(
          `arn:aws:rds:${config.primaryRegion}:${config.account}:db:${source}`,
        );
        expect(replica.Properties).toMatchObject({
          SourceRegion: config.primaryRegion,
          KmsKeyId: { 'Fn::ImportValue': expect.stringMatching(new RegExp(`^${names.recoveryStack(config)}:.*Key`)) },
          DeletionProtection: true,
          PubliclyAccessible: false,
          EnableIAMDatabaseAuthentication: true,
          MultiAZ: config.production,
        });
        // Encrypted by KmsKeyId; CloudFormation rejects StorageEncrypted with SourceDBInstanceIdentifier.
        expect(replica.Properties).not.toHaveProperty('StorageEncrypted');
        if (db.mode === 'create') {
          // A promoted replica keeps TLS-only connections and pgaudit.
          const group = Object.entries(resourcesOf(standby, 'AWS::RDS::DBParameterGroup')).find(([id]) =>
            JSON.stringify(replica.Properties!.DBParameterGroupName).includes(id),
          );
          expect(group?.[1].Properties?.Parameters).toMatchObject({
            'rds.force_ssl': '1',
            shared_preload_libraries: expect.stringMatching(/(^|,)pgaudit(,|$)/),
            'pgaudit.log': 'ddl,role',
          });
        }
        standby.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: 'ReplicaLag',
          Namespace: 'AWS/RDS',
          Dimensions: [{ Name: 'DBInstanceIdentifier', Value: names.replicaInstance(config, db) }],
          Threshold: db.tierPreset.rpoMinutes * 60,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'breaching',
          AlarmActions: [{ 'Fn::ImportValue': Match.stringLikeRegexp(`^${names.recoveryStack(config)}:.*Alerts`) }],
        });
      }
    });

    test('the created instances are selected by their tier plan by ARN (what cdk-nag RDSInBackupPlan cannot see)', () => {
      const selections = Object.values(resourcesOf(primary, 'AWS::Backup::BackupSelection')).map(
        (r) => r.Properties?.BackupSelection as { SelectionName: string; Resources: unknown[] },
      );
      for (const db of created) {
        const arn = `arn:aws:rds:${config.primaryRegion}:${config.account}:db:${names.databaseInstance(config, db)}`;
        const selection = selections.find((s) => s.SelectionName === `rxdr-${config.name}-${db.tier}`);
        expect(selection?.Resources.map(joined)).toContain(arn);
      }
    });

    test('databases sit in isolated subnets only; VPC flow logs are on', () => {
      for (const template of [primary, standby]) {
        template.resourceCountIs('AWS::EC2::InternetGateway', 0);
        template.resourceCountIs('AWS::EC2::NatGateway', 0);
        template.hasResourceProperties('AWS::EC2::FlowLog', {
          TrafficType: 'ALL',
          LogDestinationType: 'cloud-watch-logs',
        });
      }
    });

    test('no IAM statement in the database stacks has a wildcard action', () => {
      for (const template of [primary, standby]) {
        expect(policyStatements(template).length).toBeGreaterThan(0);
        expect(wildcardActionStatements(template)).toEqual([]);
      }
    });
  },
);

describe('construct validation', () => {
  const stackIn = (region: string) =>
    new Stack(testApp(), `S${region.replace(/-/g, '')}`, { env: { account: '111111111111', region } });
  const network = (stack: Stack, endpoints = true) =>
    new DatabaseNetwork(stack, 'Net', {
      cidr: '10.80.0.0/16',
      key: new kms.Key(stack, 'K'),
      logRetention: logs.RetentionDays.ONE_YEAR,
      interfaceEndpoints: endpoints ? { secretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER } : {},
    });

  test('a database network needs two availability zones', () => {
    const stack = stackIn('us-east-1');
    expect(
      () =>
        new DatabaseNetwork(stack, 'N', {
          cidr: '10.80.0.0/16',
          key: new kms.Key(stack, 'K'),
          logRetention: logs.RetentionDays.ONE_YEAR,
          availabilityZones: ['us-east-1a'],
        }),
    ).toThrow(/at least two availability zones.*got 1: us-east-1a/);
  });

  test('a reference instance lists every bad prop at once', () => {
    const stack = stackIn('us-east-1');
    const net = network(stack);
    const props = {
      instanceIdentifier: '1bad',
      engineVersion: '12',
      instanceClass: 'db.t4g.medium',
      allocatedStorageGb: 20,
      multiAz: false,
      tier: 'critical',
      network: net,
      key: new kms.Key(stack, 'K2'),
      recoveryRegion: 'us-east-1',
      recoveryKeyArn: 'arn:aws:kms:us-west-2:111111111111:alias/x',
      secretName: 's',
      logRetention: logs.RetentionDays.ONE_YEAR,
      rotationDays: 400,
    };
    expect(() => new ReferenceDatabase(stack, 'Db', props)).toThrow(
      /instanceIdentifier must be 1-63.*got "1bad"[\s\S]*engineVersion: PostgreSQL 12 is not supported; supported major versions: 13, 14, 15, 16, 17 \(got "12"\)[\s\S]*rotationDays must be 1-365, got 400[\s\S]*recoveryRegion must differ.*got "us-east-1" for both/,
    );
  });

  test('a reference instance needs the Secrets Manager endpoint for rotation from isolated subnets', () => {
    const stack = stackIn('us-east-1');
    const props = {
      instanceIdentifier: 'db',
      engineVersion: '17',
      instanceClass: 'db.t4g.medium',
      allocatedStorageGb: 20,
      multiAz: false,
      tier: 'critical',
      network: network(stack, false),
      key: new kms.Key(stack, 'K2'),
      recoveryRegion: 'us-west-2',
      recoveryKeyArn: 'arn:aws:kms:us-west-2:111111111111:alias/x',
      secretName: 's',
      logRetention: logs.RetentionDays.ONE_YEAR,
    };
    expect(() => new ReferenceDatabase(stack, 'Db', props)).toThrow(
      /needs an interface endpoint named "secretsManager"/,
    );
  });

  test('a cross-region replica must be in another region than its source and have a valid class and engine major version', () => {
    const stack = stackIn('us-west-2');
    expect(
      () =>
        new CrossRegionReadReplica(stack, 'R', {
          replicaIdentifier: 'r',
          sourceInstanceArn: 'arn:aws:rds:us-west-2:111111111111:db:src',
          sourceRegion: 'us-west-2',
          instanceClass: 'm7g.large',
          engineMajorVersion: 'latest',
          multiAz: false,
          key: new kms.Key(stack, 'K2'),
          network: network(stack),
          logRetention: logs.RetentionDays.ONE_YEAR,
          sourceDescription: 'src',
        }),
    ).toThrow(
      /must live in another region than its source, got us-west-2 for both[\s\S]*engineMajorVersion must be a PostgreSQL major version such as "17", got "latest"[\s\S]*instanceClass must be an RDS instance class.*got "m7g\.large"/,
    );
  });

  test('backup replication: retention within the RDS limit, unique names, at least one database', () => {
    const stack = stackIn('us-east-1');
    const base = {
      destinationRegion: 'us-west-2',
      destinationKeyAlias: 'alias/rxdr-t-recovery',
      key: new kms.Key(stack, 'K'),
      logRetention: logs.RetentionDays.ONE_YEAR,
    };
    expect(() => new AutomatedBackupReplication(stack, 'A', { ...base, retentionDays: 90, databases: [] })).toThrow(
      /at least one database, got none[\s\S]*retentionDays must be a whole number of days from 1 to 35.*got 90/,
    );
    const db = { name: 'x', instanceArn: 'arn:aws:rds:us-east-1:111111111111:db:x' };
    expect(
      () => new AutomatedBackupReplication(stack, 'B', { ...base, retentionDays: 7, databases: [db, db] }),
    ).toThrow(/names must be unique, got "x" more than once/);
  });

  test('a replica lag alarm needs a positive RPO', () => {
    const stack = stackIn('us-west-2');
    expect(
      () =>
        new StandbyLagAlarm(stack, 'L', {
          kind: 'read-replica',
          standbyIdentifier: 'r',
          rpoMinutes: 0,
          topic: new sns.Topic(stack, 'T'),
        }),
    ).toThrow(/rpoMinutes must be a whole number of minutes of at least 1, got 0/);
  });

  test('identifiers longer than RDS allows are refused with the offending name', () => {
    expect(names.replicaInstance({ name: 'prod' }, { name: 'a'.repeat(40) })).toHaveLength(53);
    expect(() => names.replicaInstance({ name: 'sixteencharsxxxx' }, { name: 'a'.repeat(40) })).toThrow(
      /is 65 characters; RDS allows 63/,
    );
  });
});
