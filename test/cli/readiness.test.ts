import { ListRecoveryPointsByBackupVaultCommand } from '@aws-sdk/client-backup';
import { DescribeAlarmsCommand, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { conformingInstances } from '../helpers/conforming-instances';
import { PEOPLE_RECORD_SCHEMA_VERSION, peopleRecordKey, PeopleRecord } from '../../engines/readiness/records';
import type { StatusReport } from '../../lib/cli/status/collect-status';
import { rxdr } from '../helpers/cli';
import { gameDayParticipation } from '../helpers/people-records';
import { tempDir } from '../helpers/temp-dir';
import { FilePeopleStore } from '../../engines/readiness/people-store';
import { FileEvidenceStore, S3EvidenceStore } from '../../engines/evidence/store';
import { mockStatusClients } from '../helpers/status-clients';

// `rxdr status` also reads each primary's restorable time and settings (rds, kms): answered, so that only
// readiness is at stake.
const { backup, cloudwatch, s3, sts, rds, kms } = mockStatusClients();

const ENGINEER_A = 'arn:aws:sts::222222222222:assumed-role/rxdr-staging-operator/engineer-a';
const ENGINEER_B = 'arn:aws:sts::222222222222:assumed-role/rxdr-staging-operator/engineer-b';
const APPROVER = 'arn:aws:sts::222222222222:assumed-role/rxdr-staging-approver/approver-a';
const BUCKET = 'rxdr-staging-evidence-222222222222-us-west-2';
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

function peopleRecords(...records: PeopleRecord[]): void {
  const keyed = records.map((record) => ({ key: peopleRecordKey(record), record }));
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  s3.on(ListObjectsV2Command, { Prefix: 'people/staging/' }).resolves({
    Contents: keyed.map(({ key }) => ({ Key: key })),
  });
  for (const { key, record } of keyed)
    s3.on(GetObjectCommand, { Key: key }).resolves({
      Body: { transformToString: async () => JSON.stringify(record) },
    } as never);
}
const gameDay = (person: string, role: 'engineer' | 'approver', days: number) =>
  gameDayParticipation(person, role, days);
/** `rxdr training record --env staging --role <role> --topic <topic>`. */
const recordTraining = (role: string, topic = 'phi-handling') =>
  rxdr('training', 'record', '--env', 'staging', '--role', role, '--topic', topic);

beforeEach(() => {
  for (const mock of [backup, cloudwatch, s3, sts, rds, kms]) mock.reset();
  conformingInstances(rds, kms, { latestRestorableTime: new Date() });
  backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [] });
  cloudwatch.on(GetMetricStatisticsCommand).resolves({ Datapoints: [] });
  cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
});

describe('rxdr training record', () => {
  test('writes a completion under the verified identity to the evidence bucket, never overwriting', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: ENGINEER_A });
    s3.on(PutObjectCommand).resolves({});
    const result = await recordTraining('engineer');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [put] = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(put).toMatchObject({ Bucket: BUCKET, IfNoneMatch: '*' });
    expect(put!.Key).toMatch(/^people\/staging\/training\/.*engineer-a-phi-handling\.json$/);
    expect(JSON.parse(put!.Body as string)).toMatchObject({
      kind: 'training',
      person: ENGINEER_A,
      role: 'engineer',
      topic: 'phi-handling',
    });
    expect(result.stdout).toContain(`recorded: ${ENGINEER_A} completed "phi-handling"`);
  });

  test('a caller who is not on the roster in that role is refused (exit 2), nothing written', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: ENGINEER_A });
    const result = await recordTraining('approver');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is not on the staging on-call roster as an approver/);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  test('an unknown topic names the required ones (exit 2)', async () => {
    const result = await recordTraining('engineer', 'knitting');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/required topics: phishing-and-credentials, phi-handling, incident-reporting/);
  });

  test('a record that cannot be written fails the command', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: ENGINEER_A });
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' }));
    const result = await recordTraining('engineer');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/training record NOT written/);
  });
});

describe('rxdr status: on-call readiness', () => {
  test('--json shows who is current, who is overdue and the training gaps; an overdue roster exits 1', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: APPROVER });
    peopleRecords(
      gameDay(ENGINEER_A, 'engineer', 20),
      gameDay(ENGINEER_B, 'engineer', 200),
      gameDay(APPROVER, 'approver', 20),
    );
    const result = await rxdr('status', '--env', 'staging', '--json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as StatusReport;
    const readiness = report.readiness as Exclude<StatusReport['readiness'], null> & {
      people: { name: string; status: string; trainingGaps: string[] }[];
      overdue: string[];
    };
    expect(readiness.overdue).toEqual(['Example engineer B (engineer)']);
    expect(readiness.people.map((p) => [p.name, p.status])).toEqual([
      ['Example engineer A', 'current'],
      ['Example engineer B', 'overdue'],
      ['Example approver', 'current'],
    ]);
    expect(readiness.people[0]!.trainingGaps).toContain('phi-handling');
  });

  test('the text output marks the overdue engineer', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: APPROVER });
    peopleRecords(gameDay(ENGINEER_A, 'engineer', 20));
    const result = await rxdr('status', '--env', 'staging');
    expect(result.stdout).toMatch(/✗ Example engineer B \(engineer, .*engineer-b\): no game day on record: overdue/);
    expect(result.stdout).toMatch(
      /Example engineer A \(engineer, .*\): last game day .* \(primary-instance-failure\), due /,
    );
  });
});

describe('rxdr plan: readiness of people', () => {
  test('lists who is current, who is overdue and the training gaps from the people records beside the evidence', async () => {
    const dir = tempDir('rxdr-plan-readiness');
    const store = new FilePeopleStore(dir);
    await store.put(gameDay(ENGINEER_A, 'engineer', 20));
    await store.put({
      schemaVersion: PEOPLE_RECORD_SCHEMA_VERSION,
      kind: 'training',
      environment: 'staging',
      person: APPROVER,
      role: 'approver',
      topic: 'phi-handling',
      completedAt: daysAgo(3),
      toolVersion: '0.1.0',
    });
    const result = await rxdr('plan', '--env', 'staging', '--evidence', dir, '--no-synth');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/## 12\. Readiness of people/);
    expect(result.stdout).toMatch(
      /Example engineer A .*\| engineer \| \d{4}-\d\d-\d\d \(primary-instance-failure\) \| current until/,
    );
    expect(result.stdout).toMatch(/Example engineer B .*\| engineer \| none \| overdue \|/);
    const approverRow = result.stdout.split('\n').find((line) => line.includes('Example approver'))!;
    expect(approverRow).toContain('overdue');
    expect(approverRow).not.toMatch(/phi-handling/);
    expect(approverRow).toMatch(/contingency-plan-activation/);
  });
});

describe('people records beside the evidence', () => {
  test('are not evidence: the evidence store lists neither them nor them as unreadable', async () => {
    const dir = tempDir('rxdr-people-beside-evidence');
    await new FilePeopleStore(dir).put(gameDay(ENGINEER_A, 'engineer', 1));
    expect(await new FileEvidenceStore(dir).list()).toEqual({ documents: [], invalid: [] });
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'people/staging/training/x.json' }] });
    expect(await new S3EvidenceStore(new S3Client({}), BUCKET).list()).toEqual({ documents: [], invalid: [] });
  });
});
