import { S3PeopleStore } from '../../../engines/readiness/people-store';
import {
  assessReadiness,
  readinessRules,
  renderReadiness,
  ReadinessReport,
} from '../../../engines/readiness/readiness';
import type { EnvironmentConfig } from '../../config/environment-config';
import { names } from '../../naming';
import { awsUsageError, type AwsTarget } from '../aws';

/** Readiness as `rxdr status` reports it: null without a roster; an error when the records cannot be read. */
export type StatusReadiness =
  (ReadinessReport & { readonly ok: boolean }) | { readonly ok: false; readonly error: string };

function hasRoster(env: EnvironmentConfig): boolean {
  return env.onCall.engineers.length + env.onCall.approvers.length > 0;
}

/** The roster assessed against the people records in the evidence bucket (recovery region). */
export async function collectReadiness(
  target: AwsTarget,
  now: Date,
  profile?: string,
): Promise<StatusReadiness | null> {
  const env = target.env;
  if (!hasRoster(env)) return null;
  try {
    const { records, invalid } = await new S3PeopleStore(target.clients.s3, names.evidenceBucket(env)).list(env.name);
    if (invalid.length > 0)
      return {
        ok: false,
        error: `unreadable people records: ${invalid.map((i) => `${i.location} (${i.error})`).join('; ')}`,
      };
    const report = assessReadiness(readinessRules(env), records, now);
    return { ...report, ok: report.overdue.length === 0 && report.untrained.length === 0 };
  } catch (error) {
    const mapped = awsUsageError(error, target, profile);
    if (mapped.name === 'UsageError' && /credentials/.test(mapped.message)) throw mapped;
    return { ok: false, error: mapped.message };
  }
}

export function renderStatusReadiness(readiness: StatusReadiness | null | undefined): string[] {
  if (!readiness) return [];
  if ('error' in readiness) return ['', `✗ on-call readiness unreadable: ${readiness.error}`];
  return ['', renderReadiness(readiness)];
}
