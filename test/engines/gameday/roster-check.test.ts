import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { FilePeopleStore } from '../../../engines/readiness/people-store';
import { PEOPLE_RECORD_SCHEMA_VERSION } from '../../../engines/readiness/records';
import { checkRoster, RosterCheckEvent } from '../../../engines/readiness/roster-check';
import { tempDir } from '../../helpers/temp-dir';

const sns = mockClient(SNSClient);
const NOW = new Date('2026-12-07T13:00:00Z');
const A = 'arn:aws:sts::222222222222:assumed-role/rxdr-staging-operator/engineer-a';
const B = 'arn:aws:sts::222222222222:assumed-role/rxdr-staging-operator/engineer-b';
const P = 'arn:aws:sts::222222222222:assumed-role/rxdr-staging-approver/approver-a';
const event: RosterCheckEvent = {
  environment: 'staging',
  topicArn: 'arn:aws:sns:us-west-2:222222222222:alerts',
  rules: {
    engineers: [
      { name: 'Engineer A', arn: A },
      { name: 'Engineer B', arn: B },
    ],
    approvers: [{ name: 'Approver', arn: P }],
    readinessDays: 180,
    topics: { engineer: [], approver: [] },
    trainingValidDays: 365,
  },
};

async function storeWith(...people: [person: string, role: 'engineer' | 'approver', daysAgo: number][]) {
  const store = new FilePeopleStore(tempDir('rxdr-roster-check'));
  for (const [person, role, daysAgo] of people)
    await store.put({
      schemaVersion: PEOPLE_RECORD_SCHEMA_VERSION,
      kind: 'gameday-participation',
      environment: 'staging',
      runId: `gd-${person.slice(-1)}-${daysAgo}`,
      scenario: 'primary-region-unreachable',
      person,
      role,
      at: new Date(NOW.getTime() - daysAgo * 86_400_000).toISOString(),
      toolVersion: '0.1.0',
    });
  return store;
}

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm1' });
});

describe('scheduled roster check', () => {
  test('one overdue engineer: the contacts are told who, and what to run', async () => {
    const people = await storeWith([A, 'engineer', 10], [B, 'engineer', 200], [P, 'approver', 10]);
    const result = await checkRoster(event, { people, sns: new SNSClient({}), now: NOW });
    expect(result.report.overdue).toEqual(['Engineer B (engineer)']);
    const [publish] = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(publish?.TopicArn).toBe(event.topicArn);
    expect(publish?.Subject).toMatch(/rxdr staging: on-call roster not ready \(1 overdue/);
    expect(publish?.Message).toMatch(/Overdue for a game day: Engineer B \(engineer\)\./);
    expect(publish?.Message).toMatch(/rxdr gameday plan --env staging/);
  });

  test('everyone current and trained: nothing is sent', async () => {
    const people = await storeWith([A, 'engineer', 10], [B, 'engineer', 20], [P, 'approver', 10]);
    const result = await checkRoster(event, { people, sns: new SNSClient({}), now: NOW });
    expect(result.notified).toBe(false);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  test('an unreadable people record is named in the notice, even when the rest is current', async () => {
    const people = await storeWith([A, 'engineer', 10], [B, 'engineer', 20], [P, 'approver', 10]);
    const dir = path.join(people.root, 'people', 'staging', 'gameday-participation');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'broken.json'), JSON.stringify({ kind: 'gameday-participation' }));
    const result = await checkRoster(event, { people, sns: new SNSClient({}), now: NOW });
    expect(result.unreadable).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message).toMatch(/could not be read: .*broken\.json/);
  });

  test.each([
    ['throttled', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })],
    ['access denied', Object.assign(new Error('not authorized'), { name: 'AuthorizationErrorException' })],
    ['KMS key disabled', Object.assign(new Error('key disabled'), { name: 'KMSDisabledException' })],
  ])('a notice SNS refuses (%s) fails the run instead of passing silently', async (_name, error) => {
    sns.on(PublishCommand).rejects(error);
    const people = await storeWith([A, 'engineer', 200]);
    await expect(checkRoster(event, { people, sns: new SNSClient({}), now: NOW })).rejects.toThrow(error.message);
  });
});
