import { BackupClient, ListRecoveryPointsByBackupVaultCommand } from '@aws-sdk/client-backup';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { FreshnessDeps, runFreshnessCheck } from '../../engines/freshness/freshness';
import { InvalidFreshnessEventError } from '../../engines/freshness/schema';

const backupMock = mockClient(BackupClient);
const cloudwatchMock = mockClient(CloudWatchClient);

const NOW = new Date('2026-11-20T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);
const DISPENSING = 'arn:aws:rds:us-east-1:111111111111:db:rxdr-test-dispensing';
const CLAIMS = 'arn:aws:rds:us-east-1:111111111111:db:claims-prod';

const event = {
  environment: 'test',
  namespace: 'Rxdr/Backup',
  metricName: 'RecoveryPointAge',
  vaults: [{ name: 'rxdr-test-primary', region: 'us-east-1' }],
  databases: [
    { name: 'dispensing', resourceArn: DISPENSING },
    { name: 'claims', resourceArn: CLAIMS },
  ],
};

const point = (id: string, created: Date, extra: Record<string, unknown> = {}) => ({
  RecoveryPointArn: `arn:aws:rds:us-east-1:111111111111:snapshot:awsbackup:job-${id}`,
  Status: 'COMPLETED' as const,
  CreationDate: created,
  ...extra,
});

let sleeps: number[];
let logs: { level: string; message: string; extra?: Record<string, unknown> }[];
const deps = (): FreshnessDeps => ({
  backup: (region) => new BackupClient({ region }),
  cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
  now: () => NOW,
  logger: {
    info: (message, extra) => logs.push({ level: 'info', message, extra }),
    warn: (message, extra) => logs.push({ level: 'warn', message, extra }),
    error: (message, extra) => logs.push({ level: 'error', message, extra }),
  },
  retry: { attempts: 3, baseDelayMs: 100, random: () => 1, sleep: async (ms) => void sleeps.push(ms) },
});

/** The datums of every PutMetricData call, as "database@vault=age". */
function published(): string[] {
  return cloudwatchMock
    .commandCalls(PutMetricDataCommand)
    .flatMap((call) =>
      (call.args[0].input.MetricData ?? []).map(
        (d) =>
          `${d.Dimensions?.find((x) => x.Name === 'Database')?.Value}@${d.Dimensions?.find((x) => x.Name === 'Vault')?.Value}=${d.Value}`,
      ),
    );
}

const awsError = (name: string, status: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, ...extra });

beforeEach(() => {
  backupMock.reset();
  cloudwatchMock.reset();
  cloudwatchMock.on(PutMetricDataCommand).resolves({});
  sleeps = [];
  logs = [];
});

describe('runFreshnessCheck', () => {
  test('publishes the age of the newest COMPLETED snapshot recovery point per database, from the injected clock', async () => {
    // GIVEN dispensing has a 3 h old point, an older one, a newer one still running and the continuous point
    backupMock.on(ListRecoveryPointsByBackupVaultCommand, { ByResourceArn: DISPENSING }).resolves({
      RecoveryPoints: [
        point('old', hoursAgo(27)),
        point('new', hoursAgo(3)),
        point('running', hoursAgo(0.5), { Status: 'CREATING' }),
        {
          RecoveryPointArn: 'arn:aws:backup:us-east-1:111111111111:recovery-point:continuous:db-ABC-1234',
          Status: 'COMPLETED',
          CreationDate: hoursAgo(0.1),
        },
      ],
    });
    backupMock
      .on(ListRecoveryPointsByBackupVaultCommand, { ByResourceArn: CLAIMS })
      .resolves({ RecoveryPoints: [point('c', hoursAgo(30))] });

    // WHEN
    const report = await runFreshnessCheck(event, deps());

    // THEN
    expect(published()).toEqual([`dispensing@rxdr-test-primary=${3 * 3600}`, `claims@rxdr-test-primary=${30 * 3600}`]);
    const input = cloudwatchMock.commandCalls(PutMetricDataCommand)[0]!.args[0].input;
    expect(input.Namespace).toBe('Rxdr/Backup');
    expect(input.MetricData?.[0]).toMatchObject({
      MetricName: 'RecoveryPointAge',
      Unit: 'Seconds',
      Timestamp: NOW,
      Dimensions: [
        { Name: 'Environment', Value: 'test' },
        { Name: 'Database', Value: 'dispensing' },
        { Name: 'Vault', Value: 'rxdr-test-primary' },
      ],
    });
    expect(backupMock.commandCalls(ListRecoveryPointsByBackupVaultCommand)[0]!.args[0].input).toMatchObject({
      BackupVaultName: 'rxdr-test-primary',
      ByResourceArn: DISPENSING,
    });
    expect(report.failures).toEqual([]);
  });

  test('follows NextToken through every page and keeps the newest point of all pages', async () => {
    const list = backupMock.on(ListRecoveryPointsByBackupVaultCommand);
    list
      .resolvesOnce({ RecoveryPoints: [point('a', hoursAgo(50))], NextToken: 'p2' })
      .resolvesOnce({ RecoveryPoints: [point('b', hoursAgo(2))], NextToken: 'p3' })
      .resolvesOnce({ RecoveryPoints: [point('c', hoursAgo(9))] });
    list.resolves({ RecoveryPoints: [point('claims', hoursAgo(1))] });

    await runFreshnessCheck(event, deps());

    const tokens = backupMock
      .commandCalls(ListRecoveryPointsByBackupVaultCommand)
      .map((c) => c.args[0].input.NextToken);
    expect(tokens).toEqual([undefined, 'p2', 'p3', undefined]);
    expect(published()).toEqual([`dispensing@rxdr-test-primary=${2 * 3600}`, `claims@rxdr-test-primary=3600`]);
  });

  test('a database without any recovery point publishes nothing for it (missing data is breaching) and is logged', async () => {
    backupMock
      .on(ListRecoveryPointsByBackupVaultCommand, { ByResourceArn: DISPENSING })
      .resolves({ RecoveryPoints: [] });
    backupMock
      .on(ListRecoveryPointsByBackupVaultCommand, { ByResourceArn: CLAIMS })
      .resolves({ RecoveryPoints: [point('c', hoursAgo(1))] });

    const report = await runFreshnessCheck(event, deps());

    expect(published()).toEqual(['claims@rxdr-test-primary=3600']);
    expect(report.readings.find((r) => r.database === 'dispensing')?.newest).toBeUndefined();
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        extra: { database: 'dispensing', vault: 'rxdr-test-primary', region: 'us-east-1' },
      }),
    );
  });

  test('checks every vault with a client for its own region', async () => {
    const regions: string[] = [];
    backupMock.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [point('x', hoursAgo(4))] });
    const twoVaults = {
      ...event,
      databases: [event.databases[0]],
      vaults: [...event.vaults, { name: 'rxdr-test-recovery', region: 'us-west-2' }],
    };

    await runFreshnessCheck(twoVaults, {
      ...deps(),
      backup: (region) => (regions.push(region), new BackupClient({ region })),
    });

    expect(regions).toEqual(['us-east-1', 'us-west-2']);
    expect(published()).toEqual([
      `dispensing@rxdr-test-primary=${4 * 3600}`,
      `dispensing@rxdr-test-recovery=${4 * 3600}`,
    ]);
  });

  test('throttling is retried with bounded, growing back-off, then succeeds', async () => {
    backupMock
      .on(ListRecoveryPointsByBackupVaultCommand)
      .rejectsOnce(awsError('ThrottlingException', 400, { $retryable: { throttling: true } }))
      .rejectsOnce(awsError('ThrottlingException', 400, { $retryable: { throttling: true } }))
      .resolves({ RecoveryPoints: [point('x', hoursAgo(1))] });

    const report = await runFreshnessCheck(event, deps());

    expect(sleeps).toEqual([100, 200]);
    expect(report.failures).toEqual([]);
    expect(published()).toHaveLength(2);
  });

  test('a persistent 5xx fault fails only that database after the bounded attempts; the others still publish', async () => {
    backupMock
      .on(ListRecoveryPointsByBackupVaultCommand, { ByResourceArn: DISPENSING })
      .rejects(awsError('ServiceUnavailableException', 503));
    backupMock
      .on(ListRecoveryPointsByBackupVaultCommand, { ByResourceArn: CLAIMS })
      .resolves({ RecoveryPoints: [point('c', hoursAgo(1))] });

    const report = await runFreshnessCheck(event, deps());

    expect(backupMock.commandCalls(ListRecoveryPointsByBackupVaultCommand, { ByResourceArn: DISPENSING })).toHaveLength(
      3,
    );
    expect(report.failures).toEqual([
      {
        database: 'dispensing',
        vault: 'rxdr-test-primary',
        region: 'us-east-1',
        error: 'ServiceUnavailableException: ServiceUnavailableException',
      },
    ]);
    expect(published()).toEqual(['claims@rxdr-test-primary=3600']);
  });

  test('a request timeout is retried; one that keeps timing out is reported, not thrown', async () => {
    backupMock
      .on(ListRecoveryPointsByBackupVaultCommand, { ByResourceArn: DISPENSING })
      .rejectsOnce(awsError('TimeoutError', 0))
      .resolves({ RecoveryPoints: [point('d', hoursAgo(2))] });
    backupMock
      .on(ListRecoveryPointsByBackupVaultCommand, { ByResourceArn: CLAIMS })
      .rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));

    const report = await runFreshnessCheck(event, deps());

    expect(published()).toEqual([`dispensing@rxdr-test-primary=${2 * 3600}`]);
    expect(report.failures.map((f) => f.database)).toEqual(['claims']);
  });

  test('an error that is an answer (access denied) is not retried', async () => {
    backupMock.on(ListRecoveryPointsByBackupVaultCommand).rejects(awsError('AccessDeniedException', 403));

    const report = await runFreshnessCheck(event, deps());

    expect(backupMock.commandCalls(ListRecoveryPointsByBackupVaultCommand)).toHaveLength(2);
    expect(sleeps).toEqual([]);
    expect(report.failures).toHaveLength(2);
    expect(cloudwatchMock.commandCalls(PutMetricDataCommand)).toHaveLength(0);
  });

  test('PutMetricData throttling is retried too', async () => {
    backupMock.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [point('x', hoursAgo(1))] });
    cloudwatchMock.on(PutMetricDataCommand).rejectsOnce(awsError('Throttling', 400)).resolves({});

    await runFreshnessCheck(event, deps());

    expect(cloudwatchMock.commandCalls(PutMetricDataCommand)).toHaveLength(2);
  });

  test.each([
    ['not an object', 'hello'],
    ['missing databases', { ...event, databases: undefined }],
    ['no vault', { ...event, vaults: [] }],
    ['a non-RDS resource ARN', { ...event, databases: [{ name: 'x', resourceArn: 'arn:aws:s3:::bucket' }] }],
    ['an AWS/ namespace', { ...event, namespace: 'AWS/Backup' }],
    ['an unknown field', { ...event, extra: true }],
    [
      'a scheduled-event envelope instead of the input',
      { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} },
    ],
  ])('rejects a malformed event (%s) before any AWS call', async (_, bad) => {
    await expect(runFreshnessCheck(bad, deps())).rejects.toThrow(InvalidFreshnessEventError);
    expect(backupMock.calls()).toHaveLength(0);
    expect(cloudwatchMock.calls()).toHaveLength(0);
  });
});
