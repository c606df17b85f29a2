import { PEOPLE_RECORD_SCHEMA_VERSION, type PeopleRecord } from '../../engines/readiness/records';

/** A staging game day of the primary-instance-failure scenario that `person` took part in `days` before `now`. */
export function gameDayParticipation(
  person: string,
  role: 'engineer' | 'approver',
  days: number,
  now: Date = new Date(),
): PeopleRecord {
  return {
    schemaVersion: PEOPLE_RECORD_SCHEMA_VERSION,
    kind: 'gameday-participation',
    environment: 'staging',
    runId: `gd-${days}`,
    scenario: 'primary-instance-failure',
    person,
    role,
    at: new Date(now.getTime() - days * 86_400_000).toISOString(),
    toolVersion: '0.1.0',
  };
}
