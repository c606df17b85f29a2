import { z } from 'zod';
import { LOG_RETENTION_DAYS } from './database-protection';

/**
 * The people-and-communication part of the environment schema (escalation chain, stakeholders, message
 * templates, emergency-mode procedure) and the audit-trail choice. `schema.ts` composes them.
 *
 * Every field here is optional for synth: infrastructure deploys without a contact list. `rxdr plan`
 * needs them all and names every missing one (`contingencyGaps`).
 */

const positiveInt = z.number().int().positive();

/** The messages the contingency plan defines; the failover workflow sends them through SNS. */
export const MESSAGE_IDS = ['planActivated', 'failoverComplete', 'failbackComplete'] as const;
export type MessageId = (typeof MESSAGE_IDS)[number];

export const MESSAGE_TITLES: Readonly<Record<MessageId, string>> = {
  planActivated: 'Contingency plan activated',
  failoverComplete: 'Failover complete',
  failbackComplete: 'Failback complete',
};

/**
 * Variables a template may use as `{{name}}`. Those known when the plan is written are filled in by
 * `rxdr plan`; the others are filled in by the workflow when it sends the message.
 */
export const TEMPLATE_VARIABLES = {
  environment: 'the environment name',
  primaryRegion: 'the primary AWS region',
  recoveryRegion: 'the recovery AWS region',
  systems: 'the protected systems and their tiers',
  time: 'when the event happened, UTC, ISO 8601',
  startedBy: 'the IAM principal who started the failover or failback',
  executionId: 'the failover or failback run id',
} as const;
export type TemplateVariable = keyof typeof TEMPLATE_VARIABLES;
/** Variables only the sending workflow knows. */
export const RUNTIME_TEMPLATE_VARIABLES: readonly TemplateVariable[] = ['time', 'startedBy', 'executionId'];

const TEMPLATE_VARIABLE = /\{\{\s*([^}]*?)\s*\}\}/g;

/** Names used in a template text, in order of appearance (duplicates kept once). */
export function templateVariables(text: string): string[] {
  return [...new Set([...text.matchAll(TEMPLATE_VARIABLE)].map((match) => match[1] ?? ''))];
}

/** SNS subjects: at most 100 characters, no line breaks or control characters (SNS Publish API). */
export const SNS_SUBJECT_MAX = 100;

const templateText = (what: 'subject' | 'body') =>
  z
    .string()
    .min(1, `the ${what} must not be empty`)
    .superRefine((text, ctx) => {
      const unknown = templateVariables(text).filter((name) => !(name in TEMPLATE_VARIABLES));
      if (unknown.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown template variable${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `{{${n}}}`).join(', ')}; known: ${Object.keys(
            TEMPLATE_VARIABLES,
          )
            .map((n) => `{{${n}}}`)
            .join(', ')}`,
        });
      }
    });

export const messageTemplateSchema = z.strictObject({
  subject: templateText('subject').superRefine((subject, ctx) => {
    if (/[\u0000-\u001f\u007f]/.test(subject))
      ctx.addIssue({ code: 'custom', message: 'an SNS subject must not contain line breaks or control characters' });
    if (subject.length > SNS_SUBJECT_MAX)
      ctx.addIssue({
        code: 'custom',
        message: `an SNS subject has at most ${SNS_SUBJECT_MAX} characters, got ${subject.length}`,
      });
  }),
  body: templateText('body'),
});
export type MessageTemplate = z.output<typeof messageTemplateSchema>;

/** One level of the on-call escalation chain: a role first, then who fills it. */
export const escalationLevelSchema = z.strictObject({
  /** The role, e.g. "DR on-call engineer", "Pharmacy IT manager", "Chief compliance officer". */
  role: z.string().min(3, 'name the role (at least 3 characters)'),
  /** The person or team in the role. */
  name: z.string().min(1),
  email: z.email('must be an email address'),
  /** E.164, e.g. "+15555550100". */
  phone: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number such as "+15555550100"')
    .optional(),
  /** Minutes after the incident starts without acknowledgement before this level is paged. The first level is paged at once (0). */
  escalateAfterMinutes: z.number().int().nonnegative(),
  /** What this role decides or does during an incident. */
  responsibilities: z.string().min(1).optional(),
});
export type EscalationLevel = z.output<typeof escalationLevelSchema>;

/** Who is informed (not paged) when the plan is activated. */
export const STAKEHOLDER_GROUPS = [
  'pharmacy-operations',
  'compliance-officer',
  'business-associate',
  'executive',
  'it-security',
  'other',
] as const;
export type StakeholderGroup = (typeof STAKEHOLDER_GROUPS)[number];
/** The groups every contingency plan must inform (HIPAA business-associate notification). */
export const REQUIRED_STAKEHOLDER_GROUPS: readonly StakeholderGroup[] = [
  'pharmacy-operations',
  'compliance-officer',
  'business-associate',
];

export const stakeholderSchema = z.strictObject({
  group: z.enum(STAKEHOLDER_GROUPS),
  name: z.string().min(1),
  email: z.email('must be an email address'),
  /** Hours after activation by which they are informed (business associates: 24 under the HIPAA NPRM). */
  notifyWithinHours: positiveInt.max(72, 'at most 72 hours').optional(),
});
export type Stakeholder = z.output<typeof stakeholderSchema>;

export const contingencySchema = z
  .strictObject({
    escalation: z.array(escalationLevelSchema).optional(),
    stakeholders: z.array(stakeholderSchema).optional(),
    messages: z
      .strictObject({
        planActivated: messageTemplateSchema.optional(),
        failoverComplete: messageTemplateSchema.optional(),
        failbackComplete: messageTemplateSchema.optional(),
      })
      .optional(),
    /**
     * How pharmacies keep serving patients while systems are down (emergency-mode operation plan,
     * HIPAA 164.308(a)(7)(ii)(C)), one step per entry.
     */
    emergencyMode: z.array(z.string().min(10, 'describe the step (at least 10 characters)')).optional(),
  })
  .superRefine((contingency, ctx) => {
    const chain = contingency.escalation ?? [];
    const seen = new Map<string, number>();
    chain.forEach((level, index) => {
      const key = level.role.trim().toLowerCase();
      const first = seen.get(key);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['escalation', index, 'role'],
          message: `duplicate role "${level.role}" (also escalation[${first}])`,
        });
      else seen.set(key, index);
      const previous = chain[index - 1];
      if (previous && level.escalateAfterMinutes <= previous.escalateAfterMinutes) {
        ctx.addIssue({
          code: 'custom',
          path: ['escalation', index, 'escalateAfterMinutes'],
          message: `must be later than the previous level's ${previous.escalateAfterMinutes} minutes (the chain escalates upward), got ${level.escalateAfterMinutes}`,
        });
      }
    });
    const first = chain[0];
    if (first && first.escalateAfterMinutes !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['escalation', 0, 'escalateAfterMinutes'],
        message: `the first level is paged at once: must be 0, got ${first.escalateAfterMinutes}`,
      });
    }
  });
export type ContingencyConfig = z.output<typeof contingencySchema>;

const trailArn = /^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:\d{12}:trail\/[A-Za-z0-9._-]{3,128}$/;

/**
 * The audit trail: a trail rxdr creates (multi-region, log-file validation, CMK, Object Lock bucket), or
 * an existing organization trail that already records this account.
 */
export const auditTrailSchema = z
  .strictObject({
    /** @default "create" */
    mode: z.enum(['create', 'organization']).default('create'),
    /** The organization trail's ARN (mode "organization"). */
    organizationTrailArn: z.string().regex(trailArn, 'must be a CloudTrail trail ARN').optional(),
    /** Retention of the trail's CloudWatch Logs copy (the metric filters read it), in days. */
    logRetentionDays: z.number().int().default(365),
    /** Object Lock retention of the trail's log files, in days. @default 2190 (6 years, HIPAA 164.316(b)(2)) */
    objectLockDays: positiveInt.min(365, 'keep audit logs at least 365 days (PCI DSS 10.5.1)').default(2190),
  })
  .superRefine((trail, ctx) => {
    if (trail.mode === 'organization' && trail.organizationTrailArn === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['organizationTrailArn'],
        message: 'mode "organization" needs the organization trail\'s ARN (organizationTrailArn)',
      });
    }
    if (trail.mode === 'create' && trail.organizationTrailArn !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['organizationTrailArn'],
        message: `only used with mode "organization"; mode is "create", got "${trail.organizationTrailArn}"`,
      });
    }
    if (!(LOG_RETENTION_DAYS as readonly number[]).includes(trail.logRetentionDays)) {
      ctx.addIssue({
        code: 'custom',
        path: ['logRetentionDays'],
        message: `must be a CloudWatch Logs retention (${LOG_RETENTION_DAYS.join(', ')}), got ${trail.logRetentionDays}`,
      });
    }
  });
export type AuditTrailConfig = z.output<typeof auditTrailSchema>;

/** A field `rxdr plan` needs but the configuration lacks. */
export interface ContingencyGap {
  /** Config path, e.g. `contingency.messages.failbackComplete`. */
  readonly field: string;
  readonly what: string;
}

/** Every missing piece of the people-and-communication config, for `rxdr plan`. Empty when complete. */
export function contingencyGaps(contingency: ContingencyConfig | undefined): ContingencyGap[] {
  const gaps: ContingencyGap[] = [];
  if (!contingency?.escalation?.length)
    gaps.push({
      field: 'contingency.escalation',
      what: 'the on-call escalation chain (at least one level: role, name, email, escalateAfterMinutes)',
    });
  const groups = new Set((contingency?.stakeholders ?? []).map((s) => s.group));
  for (const group of REQUIRED_STAKEHOLDER_GROUPS) {
    if (!groups.has(group))
      gaps.push({ field: 'contingency.stakeholders', what: `a stakeholder with group "${group}"` });
  }
  for (const id of MESSAGE_IDS) {
    if (!contingency?.messages?.[id])
      gaps.push({
        field: `contingency.messages.${id}`,
        what: `the "${MESSAGE_TITLES[id]}" message (subject and body)`,
      });
  }
  if (!contingency?.emergencyMode?.length)
    gaps.push({
      field: 'contingency.emergencyMode',
      what: 'the emergency-mode operation steps (how pharmacies work while systems are down)',
    });
  return gaps;
}
