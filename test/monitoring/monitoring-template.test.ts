import { Template } from 'aws-cdk-lib/assertions';
import { EnvironmentConfig } from '../../lib/config/environment-config';
import { BACKUP_JOB_EVENTS, BackupJobKind, eventBridgeStates } from '../../lib/constructs/monitoring/backup-job-alerts';
import {
  HIPAA_NPRM_MAX_AGE_HOURS,
  recoveryPointAgeThresholdMinutes,
  SNAPSHOT_WINDOWS_MINUTES,
} from '../../lib/constructs/monitoring/freshness-alarms';
import { names } from '../../lib/naming';
import { shippedConfig } from '../helpers/config';
import { synthStage } from '../helpers/synth';
import { plain } from '../helpers/intrinsics';

/** Synthesized template JSON: as loosely typed as JSON.parse's result. */
type Json = ReturnType<typeof JSON.parse>;
type Resource = { Type: string; Properties: Record<string, Json> };

const ofType = (template: Template, type: string): Resource[] =>
  Object.values(template.findResources(type)) as Resource[];

describe.each(shippedConfig().environments.map((env) => [env.name, env] as const))(
  'backup monitoring in %s',
  (_, config: EnvironmentConfig) => {
    const { stage, primary, recovery } = synthStage(config);
    const regions = [
      {
        role: 'primary',
        template: primary,
        stack: stage.primary,
        vaultName: names.primaryVault(config),
        region: config.primaryRegion,
        vaultRole: 'source' as const,
      },
      {
        role: 'recovery',
        template: recovery,
        stack: stage.recovery,
        vaultName: names.recoveryVault(config),
        region: config.recoveryRegion,
        vaultRole: 'copy' as const,
      },
    ];

    describe.each(regions)('$role region', ({ template, stack, vaultName, region, vaultRole }) => {
      const topicRef = stack.resolve(stack.alertsTopic.topicArn);
      const jobRules = ofType(template, 'AWS::Events::Rule').filter(
        (r) => r.Properties.EventPattern?.source?.[0] === 'aws.backup',
      );

      test('job rules send aborted/expired/partial backup, copy and restore jobs to the alerts topic with a readable message', () => {
        const byType = Object.fromEntries(jobRules.map((r) => [r.Properties.EventPattern['detail-type'][0], r]));
        for (const kind of Object.keys(BACKUP_JOB_EVENTS) as BackupJobKind[]) {
          const spec = BACKUP_JOB_EVENTS[kind];
          const rule = byType[spec.detailType];
          expect(rule?.Properties.EventPattern.detail).toEqual({ [spec.stateField]: eventBridgeStates(kind) });
          const target = rule?.Properties.Targets[0];
          expect(target.Arn).toEqual(topicRef);
          expect(target.InputTransformer.InputPathsMap).toMatchObject({
            [`detail-${spec.idField}`]: `$.detail.${spec.idField}`,
            'detail-statusMessage': '$.detail.statusMessage',
          });
          expect(target.InputTransformer.InputTemplate).toContain(`<detail-${spec.idField}>`);
          expect(target.InputTransformer.InputTemplate).toContain(`is <detail-${spec.stateField}>`);
          expect(target.InputTransformer.InputTemplate).toContain('Status message: <detail-statusMessage>');
        }
        expect(eventBridgeStates('backup')).toEqual(['ABORTED']);
        expect(eventBridgeStates('copy')).toEqual(['ABORTED', 'PARTIAL']);
        expect(eventBridgeStates('restore')).toEqual(['ABORTED']);
      });

      test('every bad job state reaches the topic exactly once: vault notification or EventBridge rule, never both', () => {
        const vault = ofType(template, 'AWS::Backup::BackupVault').find(
          (v) => v.Properties.BackupVaultName === vaultName,
        );
        const notified: string[] = vault!.Properties.Notifications.BackupVaultEvents;
        const viaRules = jobRules.flatMap((r) => {
          const kind = (Object.keys(BACKUP_JOB_EVENTS) as BackupJobKind[]).find(
            (k) => BACKUP_JOB_EVENTS[k].detailType === r.Properties.EventPattern['detail-type'][0],
          )!;
          return (Object.values(r.Properties.EventPattern.detail)[0] as string[]).map(
            (state) => `${kind.toUpperCase()}_JOB_${state}`,
          );
        });
        expect(viaRules.filter((e) => notified.includes(e))).toEqual([]);
        const all = (Object.keys(BACKUP_JOB_EVENTS) as BackupJobKind[]).flatMap((k) =>
          BACKUP_JOB_EVENTS[k].badStates.map((s) => `${k.toUpperCase()}_JOB_${s}`),
        );
        expect([...notified, ...viaRules].sort()).toEqual(expect.arrayContaining(all.sort()));
      });

      test('the freshness function: nodejs24.x on arm64, CMK log group with explicit retention, runs every 15 minutes on this vault', () => {
        const fn = ofType(template, 'AWS::Lambda::Function').find((f) =>
          String(f.Properties.Description).includes('age of the newest recovery point'),
        );
        expect(fn?.Properties).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          ReservedConcurrentExecutions: 1,
        });
        const logGroupId = fn!.Properties.LoggingConfig.LogGroup.Ref;
        const logGroup = template.toJSON().Resources[logGroupId];
        expect(logGroup).toMatchObject({
          DeletionPolicy: 'Retain',
          Properties: {
            RetentionInDays: config.databaseProtection.logRetentionDays,
            KmsKeyId: stack.resolve(stack.key.keyArn),
          },
        });

        const schedule = ofType(template, 'AWS::Events::Rule').find(
          (r) =>
            r.Properties.ScheduleExpression === 'rate(15 minutes)' &&
            String(r.Properties.Description).includes('freshness'),
        );
        const input = JSON.parse(plain(schedule!.Properties.Targets[0].Input));
        expect(input).toEqual({
          environment: config.name,
          namespace: 'Rxdr/Backup',
          metricName: 'RecoveryPointAge',
          vaults: [{ name: vaultName, region }],
          databases: config.databases.map((db) => ({
            name: db.name,
            resourceArn: `arn:aws:rds:${config.primaryRegion}:${config.account}:${names.primarySource(config, db).resource}:${names.primarySource(config, db).identifier}`,
          })),
        });
      });

      test('the restorable-time check: every minute in the primary region, for the continuously backed-up databases only', () => {
        const schedule = ofType(template, 'AWS::Events::Rule').find((r) =>
          String(r.Properties.Description).includes('latest restorable time'),
        );
        const continuous = config.databases.filter((db) => db.tierPreset.continuousBackup);
        if (vaultRole === 'copy' || continuous.length === 0) {
          expect(schedule).toBeUndefined();
          return;
        }
        expect(schedule!.Properties.ScheduleExpression).toBe('rate(1 minute)');
        const input = JSON.parse(plain(schedule!.Properties.Targets[0].Input));
        expect(input).toMatchObject({ check: 'restorable-time', environment: config.name, namespace: 'Rxdr/Backup' });
        expect(input.databases.map((db: { name: string }) => db.name)).toEqual(continuous.map((db) => db.name));
        const policy = ofType(template, 'AWS::IAM::ManagedPolicy').find((p) =>
          String(p.Properties.Description).includes('freshness function'),
        );
        const statements = plain(policy!.Properties.PolicyDocument.Statement) as Record<string, Json>[];
        // Instances are read with DescribeDBInstances, clusters with DescribeDBClusters, each on its own ARNs.
        // cdk.json's minimizePolicies sorts the resources of a statement.
        const arns = input.databases.map((db: { resourceArn: string }) => db.resourceArn).sort();
        const instanceArns = arns.filter((arn: string) => arn.includes(':db:'));
        const clusterArns = arns.filter((arn: string) => arn.includes(':cluster:'));
        expect(instanceArns.length + clusterArns.length).toBe(arns.length);
        const expected = [
          ...(instanceArns.length
            ? [{ Sid: 'ReadRestorableTime', Action: 'rds:DescribeDBInstances', arns: instanceArns }]
            : []),
          ...(clusterArns.length
            ? [{ Sid: 'ReadClusterRestorableTime', Action: 'rds:DescribeDBClusters', arns: clusterArns }]
            : []),
        ];
        for (const { Sid, Action, arns: resources } of expected)
          expect(statements.find((st) => st.Sid === Sid)).toMatchObject({
            Action,
            Resource: resources.length === 1 ? resources[0] : resources,
          });
      });

      test('least privilege: list recovery points of this vault only, PutMetricData only into Rxdr/Backup, no wildcard action', () => {
        const policy = ofType(template, 'AWS::IAM::ManagedPolicy').find((p) =>
          String(p.Properties.Description).includes('freshness function'),
        );
        const statements = plain(policy!.Properties.PolicyDocument.Statement) as Record<string, Json>[];
        const sid = (s: string) => statements.find((st) => st.Sid === s);
        expect(sid('ListRecoveryPoints')).toMatchObject({
          Action: 'backup:ListRecoveryPointsByBackupVault',
          Resource: `arn:aws:backup:${region}:${config.account}:backup-vault:${vaultName}`,
        });
        expect(sid('PublishAges')).toMatchObject({
          Action: 'cloudwatch:PutMetricData',
          Resource: '*',
          Condition: { StringEquals: { 'cloudwatch:namespace': 'Rxdr/Backup' } },
        });
        expect(statements.flatMap((st) => [st.Action].flat()).filter((a: string) => a.includes('*'))).toEqual([]);
        const role = ofType(template, 'AWS::IAM::Role').find((r) =>
          String(r.Properties.Description).includes('freshness function'),
        );
        expect(role!.Properties.Policies).toBeUndefined();
        expect(role!.Properties.ManagedPolicyArns).toHaveLength(1);
      });

      test('an age alarm per database at its tier threshold, plus the 48 h alarm only with hipaaNprm, all to the alerts topic and breaching on missing data', () => {
        const alarms = ofType(template, 'AWS::CloudWatch::Alarm').filter(
          (a) => a.Properties.MetricName === 'RecoveryPointAge',
        );
        expect(alarms).toHaveLength(config.databases.length * (config.hipaaNprm ? 2 : 1));
        for (const db of config.databases) {
          const mine = alarms.filter((a) =>
            a.Properties.Dimensions.some((d: Json) => d.Name === 'Database' && d.Value === db.name),
          );
          const thresholds = mine.map((a) => a.Properties.Threshold).sort((a, b) => a - b);
          const expected = [
            recoveryPointAgeThresholdMinutes(db.tierPreset, vaultRole) * 60,
            ...(config.hipaaNprm ? [HIPAA_NPRM_MAX_AGE_HOURS * 3600] : []),
          ].sort((a, b) => a - b);
          expect(thresholds).toEqual(expected);
          for (const alarm of mine) {
            expect(alarm.Properties).toMatchObject({
              MetricName: 'RecoveryPointAge',
              Statistic: 'Maximum',
              Period: 900,
              EvaluationPeriods: 2,
              ComparisonOperator: 'GreaterThanThreshold',
              TreatMissingData: 'breaching',
              AlarmActions: [topicRef],
              Dimensions: expect.arrayContaining([
                { Name: 'Environment', Value: config.name },
                { Name: 'Vault', Value: vaultName },
              ]),
            });
          }
        }
      });
    });

    test("the thresholds' backup windows are the ones the plans use", () => {
      const plans = ofType(primary, 'AWS::Backup::BackupPlan');
      const rules = plans
        .flatMap((p) => p.Properties.BackupPlan.BackupPlanRule as Record<string, Json>[])
        .filter((r) => r.RuleName === 'Daily' || r.RuleName === 'Hourly');
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) {
        expect(rule.StartWindowMinutes).toBe(SNAPSHOT_WINDOWS_MINUTES.start);
        expect(rule.CompletionWindowMinutes).toBe(
          SNAPSHOT_WINDOWS_MINUTES.completion[rule.RuleName === 'Daily' ? 'daily' : 'hourly'],
        );
      }
    });
  },
);

describe('recoveryPointAgeThresholdMinutes', () => {
  const tier = (rpoMinutes: number, snapshotFrequency: 'hourly' | 'daily') => ({ rpoMinutes, snapshotFrequency });

  test('a tier whose RPO is shorter than its snapshot interval alarms at interval + start + completion windows', () => {
    expect(recoveryPointAgeThresholdMinutes(tier(5, 'daily'), 'source')).toBe(1440 + 60 + 480);
    expect(recoveryPointAgeThresholdMinutes(tier(5, 'hourly'), 'source')).toBe(60 + 60 + 120);
  });

  test('a snapshot-only tier alarms at its RPO + windows', () => {
    expect(recoveryPointAgeThresholdMinutes(tier(1440, 'daily'), 'source')).toBe(1440 + 540);
    expect(recoveryPointAgeThresholdMinutes(tier(2880, 'daily'), 'source')).toBe(2880 + 540);
  });

  test('the shipped prod alarms, in numbers: critical (5 min RPO, daily snapshots) at 33 h / 41 h, the NPRM alarm at 48 h', () => {
    const prod = shippedConfig().environments.find((e) => e.name === 'prod')!;
    const critical = prod.databases.find((db) => db.tier === 'critical')!.tierPreset;
    expect(recoveryPointAgeThresholdMinutes(critical, 'source') * 60).toBe(33 * 3600);
    expect(recoveryPointAgeThresholdMinutes(critical, 'copy') * 60).toBe(41 * 3600);
    expect(HIPAA_NPRM_MAX_AGE_HOURS * 3600).toBe(172_800);
  });

  test('copies get one more completion window', () => {
    expect(
      recoveryPointAgeThresholdMinutes(tier(60, 'daily'), 'copy') -
        recoveryPointAgeThresholdMinutes(tier(60, 'daily'), 'source'),
    ).toBe(480);
  });
});
