import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import type { PeopleStore } from './people-store';
import { assessReadiness, renderReadiness, type ReadinessReport } from './readiness';

/**
 * The scheduled roster check: who on the on-call roster is overdue for a game day or lacks training, sent to the
 * environment's contacts (the alerts topic). A roster that is all current sends nothing; people records that
 * cannot be read are named in the notice (they may hide a current person) and fail the run.
 */
const person = z.object({ name: z.string().min(1), arn: z.string().min(1) });
export const RosterCheckEvent = z.object({
  environment: z.string().min(1),
  topicArn: z.string().min(1),
  rules: z.object({
    engineers: z.array(person),
    approvers: z.array(person),
    readinessDays: z.number().int().positive(),
    topics: z.object({ engineer: z.array(z.string()), approver: z.array(z.string()) }),
    trainingValidDays: z.number().int().positive(),
  }),
});
export type RosterCheckEvent = z.infer<typeof RosterCheckEvent>;

export interface RosterCheckResult {
  readonly report: ReadinessReport;
  readonly notified: boolean;
  readonly unreadable: string[];
}

export async function checkRoster(
  event: RosterCheckEvent,
  deps: { readonly people: PeopleStore; readonly sns: SNSClient; readonly now: Date },
): Promise<RosterCheckResult> {
  const { records, invalid } = await deps.people.list(event.environment);
  const report = assessReadiness(event.rules, records, deps.now);
  const unreadable = invalid.map((i) => `${i.location} (${i.error})`);
  const needsNotice = report.overdue.length > 0 || report.untrained.length > 0 || unreadable.length > 0;
  if (needsNotice) {
    const lines = [
      ...(report.overdue.length > 0 ? [`Overdue for a game day: ${report.overdue.join(', ')}.`] : []),
      ...(report.untrained.length > 0 ? [`Training missing: ${report.untrained.join(', ')}.`] : []),
      ...(unreadable.length > 0 ? [`People records that could not be read: ${unreadable.join('; ')}.`] : []),
      '',
      renderReadiness(report),
      '',
      `Plan a game day: rxdr gameday plan --env ${event.environment} --scenario <name>; ` +
        `record training: rxdr training record --env ${event.environment} --role <role> --topic <topic>.`,
    ];
    await deps.sns.send(
      new PublishCommand({
        TopicArn: event.topicArn,
        Subject:
          `rxdr ${event.environment}: on-call roster not ready (${report.overdue.length} overdue, ${report.untrained.length} untrained)`.slice(
            0,
            99,
          ),
        Message: lines.join('\n'),
      }),
    );
  }
  return { report, notified: needsNotice, unreadable };
}
