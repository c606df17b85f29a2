import { assessReadiness, ReadinessRules } from '../../engines/readiness/readiness';
import { PEOPLE_RECORD_SCHEMA_VERSION, PeopleRecord } from '../../engines/readiness/records';
import { gameDayParticipation } from '../helpers/people-records';

const NOW = new Date('2026-12-01T12:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();
const ALICE = 'arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Oncall/alice';
const BOB = 'arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Oncall/bob';
const CAROL = 'arn:aws:iam::111111111111:user/carol';

const rules: ReadinessRules = {
  engineers: [
    { name: 'Alice', arn: ALICE },
    { name: 'Bob', arn: BOB },
  ],
  approvers: [{ name: 'Carol', arn: CAROL }],
  readinessDays: 180,
  topics: { engineer: ['phi-handling', 'failover-runbook'], approver: ['phi-handling'] },
  trainingValidDays: 365,
};

const participation = (person: string, role: 'engineer' | 'approver', days: number) =>
  gameDayParticipation(person, role, days, NOW);
const training = (person: string, topic: string, days: number): PeopleRecord => ({
  schemaVersion: PEOPLE_RECORD_SCHEMA_VERSION,
  kind: 'training',
  environment: 'staging',
  person,
  role: 'engineer',
  topic,
  completedAt: daysAgo(days),
  toolVersion: '0.1.0',
});

describe('on-call readiness', () => {
  test('a game day within the readiness days keeps a person current; older or none makes them overdue', () => {
    const report = assessReadiness(
      rules,
      [participation(ALICE, 'engineer', 30), participation(BOB, 'engineer', 181), participation(CAROL, 'approver', 10)],
      NOW,
    );
    expect(report.people.map((p) => [p.name, p.status])).toEqual([
      ['Alice', 'current'],
      ['Bob', 'overdue'],
      ['Carol', 'current'],
    ]);
    expect(report.overdue).toEqual(['Bob (engineer)']);
    expect(report.people[1]!.dueBy).toBe(daysAgo(1));
  });

  test('taking part in another role does not count: an engineer must have run the runbook', () => {
    const report = assessReadiness(rules, [participation(ALICE, 'approver', 5)], NOW);
    expect(report.people[0]!.status).toBe('overdue');
    expect(report.people[0]!.lastGameDay).toBeNull();
  });

  test('training gaps: required topics without a completion within the validity period', () => {
    const report = assessReadiness(
      rules,
      [
        training(ALICE, 'phi-handling', 10),
        training(ALICE, 'failover-runbook', 400),
        training(CAROL, 'phi-handling', 1),
      ],
      NOW,
    );
    expect(report.people.map((p) => [p.name, p.trainingGaps])).toEqual([
      ['Alice', ['failover-runbook']],
      ['Bob', ['phi-handling', 'failover-runbook']],
      ['Carol', []],
    ]);
    expect(report.untrained).toEqual(['Alice (engineer)', 'Bob (engineer)']);
  });
});
