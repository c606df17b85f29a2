import { GameDayParticipation, PeopleRecord, TrainingRecord } from './records';

/** The roster and rules the assessment needs (the environment's `onCall` and `training`). */
export interface ReadinessRules {
  readonly engineers: readonly { readonly name: string; readonly arn: string }[];
  readonly approvers: readonly { readonly name: string; readonly arn: string }[];
  readonly readinessDays: number;
  readonly topics: Readonly<Record<'engineer' | 'approver', readonly string[]>>;
  readonly trainingValidDays: number;
}

export interface PersonReadiness {
  readonly name: string;
  readonly arn: string;
  readonly role: 'engineer' | 'approver';
  /** The newest game day the person took part in in this role, or null. */
  readonly lastGameDay: { readonly runId: string; readonly scenario: string; readonly at: string } | null;
  /** When the person is (or became) overdue: the last game day plus the readiness days; null if never. */
  readonly dueBy: string | null;
  readonly status: 'current' | 'overdue';
  /** Required topics without a completion within the validity period. */
  readonly trainingGaps: string[];
}

export interface ReadinessReport {
  readonly readinessDays: number;
  readonly people: PersonReadiness[];
  /** Names of the people overdue for a game day. */
  readonly overdue: string[];
  /** Names of the people with a training gap. */
  readonly untrained: string[];
}

const DAY_MS = 86_400_000;

/** Who on the roster is current, who is overdue, and which training topics each still lacks. */
export function assessReadiness(rules: ReadinessRules, records: readonly PeopleRecord[], now: Date): ReadinessReport {
  const participations = records.filter((r): r is GameDayParticipation => r.kind === 'gameday-participation');
  const trainings = records.filter((r): r is TrainingRecord => r.kind === 'training');
  const assess = (person: { name: string; arn: string }, role: 'engineer' | 'approver'): PersonReadiness => {
    const last = participations
      .filter((p) => p.person === person.arn && p.role === role)
      .sort((a, b) => b.at.localeCompare(a.at))[0];
    const dueBy = last ? new Date(Date.parse(last.at) + rules.readinessDays * DAY_MS) : null;
    const validSince = now.getTime() - rules.trainingValidDays * DAY_MS;
    const trainingGaps = rules.topics[role].filter(
      (topic) =>
        !trainings.some((t) => t.person === person.arn && t.topic === topic && Date.parse(t.completedAt) >= validSince),
    );
    return {
      name: person.name,
      arn: person.arn,
      role,
      lastGameDay: last ? { runId: last.runId, scenario: last.scenario, at: last.at } : null,
      dueBy: dueBy ? dueBy.toISOString() : null,
      status: dueBy && dueBy.getTime() > now.getTime() ? 'current' : 'overdue',
      trainingGaps,
    };
  };
  const people = [
    ...rules.engineers.map((p) => assess(p, 'engineer')),
    ...rules.approvers.map((p) => assess(p, 'approver')),
  ];
  return {
    readinessDays: rules.readinessDays,
    people,
    overdue: people.filter((p) => p.status === 'overdue').map((p) => `${p.name} (${p.role})`),
    untrained: people.filter((p) => p.trainingGaps.length > 0).map((p) => `${p.name} (${p.role})`),
  };
}

/** One line per person, for terminals and notifications. */
export function renderReadiness(report: ReadinessReport): string {
  if (report.people.length === 0) return 'On-call readiness: no roster configured (onCall.engineers, onCall.approvers)';
  const lines = [`On-call readiness (a game day within ${report.readinessDays} days; training per role):`];
  for (const p of report.people) {
    const mark = p.status === 'current' && p.trainingGaps.length === 0 ? '✓' : '✗';
    const gameDay = p.lastGameDay
      ? `last game day ${p.lastGameDay.at.slice(0, 10)} (${p.lastGameDay.scenario}), ${p.status === 'current' ? 'due' : 'overdue since'} ${(p.dueBy ?? '').slice(0, 10)}`
      : 'no game day on record: overdue';
    const training = p.trainingGaps.length > 0 ? `; training missing: ${p.trainingGaps.join(', ')}` : '';
    lines.push(`  ${mark} ${p.name} (${p.role}, ${p.arn}): ${gameDay}${training}`);
  }
  return lines.join('\n');
}

/** The rules of a resolved environment. */
export function readinessRules(env: {
  readonly onCall: {
    engineers: ReadinessRules['engineers'];
    approvers: ReadinessRules['approvers'];
    readinessDays: number;
  };
  readonly training: { topics: ReadinessRules['topics']; validDays: number };
}): ReadinessRules {
  return {
    engineers: env.onCall.engineers,
    approvers: env.onCall.approvers,
    readinessDays: env.onCall.readinessDays,
    topics: env.training.topics,
    trainingValidDays: env.training.validDays,
  };
}
