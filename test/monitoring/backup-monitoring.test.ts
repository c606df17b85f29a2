import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { BackupMonitoring } from '../../lib/constructs/monitoring/backup-monitoring';
import { MonitoredDatabase } from '../../lib/constructs/monitoring/freshness-alarms';
import { testApp } from '../helpers/synth';

const ORDERS: MonitoredDatabase = {
  name: 'orders',
  resourceArn: 'arn:aws:rds:us-east-1:111111111111:db:pharmacy-orders',
  tier: 'critical',
  rpoMinutes: 15,
  snapshotFrequency: 'hourly',
  continuousBackup: true,
};

function monitoring(databases: MonitoredDatabase[], extra: { hipaaNprm?: boolean } = {}): Template {
  const stack = new Stack(testApp(), 'MonitoringStack', { env: { account: '111111111111', region: 'us-east-1' } });
  new BackupMonitoring(stack, 'Monitoring', {
    environmentName: 'orders',
    databases,
    vault: backup.BackupVault.fromBackupVaultName(stack, 'Vault', 'orders-primary'),
    vaultName: 'orders-primary',
    vaultRole: 'source',
    topic: new sns.Topic(stack, 'Topic'),
    key: new kms.Key(stack, 'Key'),
    ...extra,
  });
  return Template.fromStack(stack);
}

describe('BackupMonitoring, with its own props', () => {
  test('GIVEN one continuous-backup database WHEN synthesized THEN an age and a restorable-time alarm watch it', () => {
    const alarms = Object.values(monitoring([ORDERS]).findResources('AWS::CloudWatch::Alarm'));
    const metrics = alarms.map((a) => a.Properties.MetricName).sort();
    expect(metrics).toEqual(['RecoveryPointAge', 'SecondsSinceLatestRestorableTime']);
  });

  test('GIVEN hipaaNprm WHEN synthesized THEN a 48-hour age alarm is added', () => {
    const alarms = Object.values(monitoring([ORDERS], { hipaaNprm: true }).findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.map((a) => a.Properties.Threshold)).toContain(48 * 3600);
  });

  test('GIVEN impossible databases WHEN constructed THEN one error lists each with the value received', () => {
    expect(() => monitoring([])).toThrow('BackupMonitoring: databases: at least one database, got none');
    expect(() => monitoring([ORDERS, { ...ORDERS, rpoMinutes: -5, snapshotFrequency: 'weekly' as 'daily' }])).toThrow(
      'BackupMonitoring: databases: names must be unique, got orders twice; databases.orders.rpoMinutes: a ' +
        'positive whole number of minutes, got -5; databases.orders.snapshotFrequency: hourly or daily, got weekly',
    );
  });
});
