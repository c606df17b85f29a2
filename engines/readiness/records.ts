import { z } from 'zod';

/**
 * What the readiness rule reads, kept in the evidence store under `people/<environment>/`: a person completed a
 * training topic, or took part in a game day in a roster role. Each names the person by the identity STS
 * verified, never by a typed name.
 */
export const PEOPLE_RECORD_SCHEMA_VERSION = 1;
export const PEOPLE_PREFIX = 'people/';

const isoTime = z.iso.datetime({ offset: true });

export const TrainingRecord = z.object({
  schemaVersion: z.literal(PEOPLE_RECORD_SCHEMA_VERSION),
  kind: z.literal('training'),
  environment: z.string().min(1),
  /** The verified identity (STS GetCallerIdentity) of the person who completed the topic. */
  person: z.string().min(1),
  role: z.enum(['engineer', 'approver']),
  topic: z.string().min(1),
  completedAt: isoTime,
  toolVersion: z.string().min(1),
});
export type TrainingRecord = z.infer<typeof TrainingRecord>;

export const GameDayParticipation = z.object({
  schemaVersion: z.literal(PEOPLE_RECORD_SCHEMA_VERSION),
  kind: z.literal('gameday-participation'),
  environment: z.string().min(1),
  runId: z.string().min(1),
  scenario: z.string().min(1),
  /** The verified identity of the participant. */
  person: z.string().min(1),
  /** `engineer`: ran the failover runbook; `approver`: approved it. */
  role: z.enum(['engineer', 'approver']),
  at: isoTime,
  toolVersion: z.string().min(1),
});
export type GameDayParticipation = z.infer<typeof GameDayParticipation>;

export const PeopleRecord = z.discriminatedUnion('kind', [TrainingRecord, GameDayParticipation]);
export type PeopleRecord = z.infer<typeof PeopleRecord>;

/** Object key of a record: `people/<env>/<kind>/<time>-<person>-<topic or run>.json`, never reused. */
export function peopleRecordKey(record: PeopleRecord): string {
  const time = (record.kind === 'training' ? record.completedAt : record.at).replace(/[:.]/g, '-');
  const what = record.kind === 'training' ? record.topic : record.runId;
  return `${PEOPLE_PREFIX}${safe(record.environment)}/${record.kind}/${time}-${safe(record.person)}-${safe(what)}.json`;
}

function safe(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]/g, '_');
}
