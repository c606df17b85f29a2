import { z } from 'zod';
import type { RosterRole } from './roster-roles';

/**
 * Readiness of people (HIPAA 164.308(a)(5) and (a)(7)(ii)(D)): the on-call roster with the rule that each
 * engineer has run the failover runbook in a game day, and each approver approved one, within `readinessDays`;
 * and the security-awareness training topics each role must have completed within `training.validDays`.
 */

const IAM_PRINCIPAL_ARN =
  /^arn:aws[a-z-]*:(iam::\d{12}:(user|role)\/[\w+=,.@/-]+|sts::\d{12}:assumed-role\/[\w+=,.@-]+\/[\w+=,.@-]+)$/;
const TOPIC = /^[a-z][a-z0-9-]{1,63}$/;

const person = z.strictObject({
  name: z.string().min(1),
  /** The identity STS reports for this person (IAM user, or the SSO assumed-role session ARN). */
  arn: z
    .string()
    .regex(IAM_PRINCIPAL_ARN, 'must be the IAM user or assumed-role session ARN STS reports for the person'),
});
export type RosterPerson = z.output<typeof person>;

/** Topics every workforce member on the roster covers unless the configuration names others. */
export const DEFAULT_TRAINING_TOPICS: Record<RosterRole, string[]> = {
  engineer: ['phishing-and-credentials', 'phi-handling', 'incident-reporting', 'failover-runbook'],
  approver: ['phishing-and-credentials', 'phi-handling', 'incident-reporting', 'contingency-plan-activation'],
};

export const onCallSchema = z
  .strictObject({
    engineers: z.array(person).default([]),
    approvers: z.array(person).default([]),
    /** Days since the last game day after which a person is overdue. */
    readinessDays: z.number().int().positive().max(730, 'at most 730 days').default(180),
  })
  .prefault({});

const topicList = z.array(z.string().regex(TOPIC, 'topics use a-z, 0-9 and "-"'));
export const trainingSchema = z
  .strictObject({
    topics: z
      .strictObject({
        engineer: topicList.default(DEFAULT_TRAINING_TOPICS.engineer),
        approver: topicList.default(DEFAULT_TRAINING_TOPICS.approver),
      })
      .prefault({}),
    /** Days a completion counts before the topic is due again. */
    validDays: z.number().int().positive().max(730, 'at most 730 days').default(365),
  })
  .prefault({});

export type OnCallConfig = z.output<typeof onCallSchema>;
export type TrainingConfig = z.output<typeof trainingSchema>;
