import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { runRestorableTimeCheck } from '../../engines/freshness/restorable-time';
import { SNAPSHOT_WINDOWS_MINUTES } from '../../lib/constructs/monitoring/freshness-alarms';
import { shippedConfig } from '../helpers/config';
import { synthStage } from '../helpers/synth';

type Json = ReturnType<typeof JSON.parse>;
type Resource = { Type: string; Properties: Record<string, Json> };

const SNAPSHOT_INTERVAL_MINUTES = { hourly: 60, daily: 1440 } as const;

/** Minutes of a `rate(N minute[s])` schedule expression. */
function rateMinutes(expression: string): number {
  const match = /^rate\((\d+) minutes?\)$/.exec(expression);
  if (!match) throw new Error(`not a rate in minutes: ${expression}`);
  return Number(match[1]);
}

/**
 * Worst case, in minutes, from the last good moment to the alarm, read from the synthesized alarm: the
 * threshold, plus the periods that must all breach (period × datapoints to alarm).
 */
const detectionMinutes = (alarm: Resource) =>
  alarm.Properties.Threshold / 60 +
  (alarm.Properties.Period / 60) * (alarm.Properties.DatapointsToAlarm ?? alarm.Properties.EvaluationPeriods);

describe.each(shippedConfig().environments.map((env) => [env.name, env] as const))(
  '%s: each database has a freshness alarm that fires within its RPO',
  (_, config) => {
    const { primary } = synthStage(config);
    const resources = Object.values(primary.toJSON().Resources as Record<string, Resource>);
    const alarms = resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    const rule = (text: string) =>
      resources.find((r) => r.Type === 'AWS::Events::Rule' && String(r.Properties.Description).includes(text));
    const of = (metric: string, db: string) =>
      alarms.find(
        (a) =>
          a.Properties.MetricName === metric &&
          a.Properties.Dimensions.some((d: Json) => d.Name === 'Database' && d.Value === db),
      );

    test.each(config.databases.map((db) => [db.name, db] as const))('%s', (name, db) => {
      if (db.tierPreset.continuousBackup) {
        // Continuous backup: the latest restorable time; threshold + periods <= RPO + the check's interval.
        const alarm = of('SecondsSinceLatestRestorableTime', name);
        expect(alarm).toBeDefined();
        const interval = rateMinutes(rule('latest restorable time')!.Properties.ScheduleExpression);
        expect(alarm!.Properties.TreatMissingData).toBe('breaching');
        expect(detectionMinutes(alarm!)).toBeLessThanOrEqual(db.tierPreset.rpoMinutes + interval);
        return;
      }
      // Snapshots only: the newest snapshot's age; threshold + periods <= RPO + the snapshot interval. The
      // RPO is at least the snapshot interval (the config schema enforces it), and a snapshot is usable only
      // once its job has started and finished: the threshold is the RPO plus those windows.
      const alarm = of('RecoveryPointAge', name);
      expect(alarm).toBeDefined();
      const interval = SNAPSHOT_INTERVAL_MINUTES[db.tierPreset.snapshotFrequency];
      expect(db.tierPreset.rpoMinutes).toBeGreaterThanOrEqual(interval);
      const windows =
        SNAPSHOT_WINDOWS_MINUTES.start + SNAPSHOT_WINDOWS_MINUTES.completion[db.tierPreset.snapshotFrequency];
      expect(alarm!.Properties.Threshold / 60).toBe(db.tierPreset.rpoMinutes + windows);
      expect(detectionMinutes(alarm!)).toBeLessThanOrEqual(db.tierPreset.rpoMinutes + interval);
    });
  },
);

describe('the restorable-time check publishes from what RDS reports', () => {
  const rds = mockClient(RDSClient);
  const cloudwatch = mockClient(CloudWatchClient);
  const NOW = new Date('2026-11-20T12:00:00Z');
  const request = {
    check: 'restorable-time' as const,
    environment: 'test',
    namespace: 'Rxdr/Backup',
    databases: [
      { name: 'dispensing', resourceArn: 'arn:aws:rds:us-east-1:111111111111:db:rxdr-test-dispensing' },
      { name: 'inventory', resourceArn: 'arn:aws:rds:us-east-1:111111111111:db:pharmacy-inventory' },
    ],
  };
  const warnings: string[] = [];
  const deps = () => ({
    rds: (region: string) => new RDSClient({ region }),
    cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
    now: () => NOW,
    logger: { warn: (m: string) => void warnings.push(m), error: (m: string) => void warnings.push(m) },
    retry: { attempts: 2, baseDelayMs: 1, sleep: async () => undefined },
  });
  const published = () =>
    cloudwatch.commandCalls(PutMetricDataCommand).flatMap((call) =>
      (call.args[0].input.MetricData ?? []).map((d) => ({
        namespace: call.args[0].input.Namespace,
        name: d.MetricName,
        value: d.Value,
        unit: d.Unit,
        dimensions: d.Dimensions,
      })),
    );

  beforeEach(() => {
    rds.reset();
    cloudwatch.reset();
    cloudwatch.on(PutMetricDataCommand).resolves({});
    warnings.length = 0;
  });

  test('an Aurora cluster is read with DescribeDBClusters by its cluster ARN', async () => {
    const clusterArn = 'arn:aws:rds:us-east-1:111111111111:cluster:rxdr-test-adjudication';
    rds
      .on(DescribeDBClustersCommand, { DBClusterIdentifier: clusterArn })
      .resolves({ DBClusters: [{ LatestRestorableTime: new Date(NOW.getTime() - 120_000) }] });
    const report = await runRestorableTimeCheck(
      { ...request, databases: [{ name: 'adjudication', resourceArn: clusterArn }] },
      deps(),
    );
    expect(report.failures).toEqual([]);
    expect(rds.commandCalls(DescribeDBInstancesCommand)).toHaveLength(0);
    expect(published().map((p) => [p.name, p.value])).toEqual([['SecondsSinceLatestRestorableTime', 120]]);
  });

  test('seconds since LatestRestorableTime per database, with the dimensions the alarms read', async () => {
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: request.databases[0]!.resourceArn })
      .resolves({ DBInstances: [{ LatestRestorableTime: new Date(NOW.getTime() - 240_000) }] });
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: request.databases[1]!.resourceArn })
      .resolves({ DBInstances: [{ LatestRestorableTime: new Date(NOW.getTime() - 3_700_000) }] });
    const report = await runRestorableTimeCheck(request, deps());
    expect(report.failures).toEqual([]);
    expect(published()).toEqual([
      {
        namespace: 'Rxdr/Backup',
        name: 'SecondsSinceLatestRestorableTime',
        value: 240,
        unit: 'Seconds',
        dimensions: [
          { Name: 'Environment', Value: 'test' },
          { Name: 'Database', Value: 'dispensing' },
        ],
      },
      {
        namespace: 'Rxdr/Backup',
        name: 'SecondsSinceLatestRestorableTime',
        value: 3700,
        unit: 'Seconds',
        dimensions: [
          { Name: 'Environment', Value: 'test' },
          { Name: 'Database', Value: 'inventory' },
        ],
      },
    ]);
  });

  test('no restorable time (backups off) or no instance publishes the age since the epoch, so the alarm fires', async () => {
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: request.databases[0]!.resourceArn })
      .resolves({ DBInstances: [{}] });
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: request.databases[1]!.resourceArn })
      .rejects(Object.assign(new Error('gone'), { name: 'DBInstanceNotFoundFault' }));
    await runRestorableTimeCheck(request, deps());
    expect(published().map((p) => p.value)).toEqual([
      Math.floor(NOW.getTime() / 1000),
      Math.floor(NOW.getTime() / 1000),
    ]);
    expect(warnings).toHaveLength(2);
  });

  test('access denied publishes nothing for that database and is reported as a failure', async () => {
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: request.databases[0]!.resourceArn })
      .rejects(Object.assign(new Error('no'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: request.databases[1]!.resourceArn })
      .resolves({ DBInstances: [{ LatestRestorableTime: new Date(NOW.getTime() - 60_000) }] });
    const report = await runRestorableTimeCheck(request, deps());
    expect(report.failures.map((f) => f.database)).toEqual(['dispensing']);
    expect(published().map((p) => p.value)).toEqual([60]);
  });
});
