import { z } from 'zod';

const environmentName = z.string().regex(/^[a-z][a-z0-9]{0,15}$/, 'must be an rxdr environment name');
const namespace = z
  .string()
  .regex(/^[A-Za-z0-9/_.#:-]{1,255}$/, 'must be a CloudWatch namespace')
  .refine((ns) => !ns.startsWith('AWS/'), 'must not be an AWS/ namespace');
const database = z.strictObject({
  /** The database's name in the config: the `Database` dimension. */
  name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be an rxdr database name'),
  /** The protected RDS instance or Aurora cluster; copies in other vaults keep the source ARN. */
  resourceArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:(db|cluster):[a-zA-Z][a-zA-Z0-9-]{0,62}$/,
      'must be an RDS DB instance or Aurora DB cluster ARN',
    ),
});

/**
 * The point-in-time check's input (a second, more frequent schedule): for each database with continuous
 * protection, how long ago its latest restorable time was.
 */
export const restorableTimeEventSchema = z.strictObject({
  check: z.literal('restorable-time'),
  environment: environmentName,
  namespace,
  databases: z.array(database).min(1, 'at least one database'),
});

/**
 * The recovery point check's input (every 15 minutes) (the construct writes it with `RuleTargetInput.fromObject`): what to check and
 * where to publish. Validated before any AWS call; the IAM policy limits what a hand-made event could reach
 * to the stack's own vault and metric namespace.
 */
export const recoveryPointEventSchema = z.strictObject({
  /** rxdr environment name: the `Environment` dimension. */
  environment: environmentName,
  /** CloudWatch namespace of the age metric (the function may publish only there). */
  namespace,
  metricName: z.string().min(1).max(255),
  vaults: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-zA-Z0-9\-_]{2,50}$/, 'must be a backup vault name'),
        region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region'),
      }),
    )
    .min(1, 'at least one vault'),
  databases: z.array(database).min(1, 'at least one database'),
});

export type FreshnessEvent = z.infer<typeof recoveryPointEventSchema>;
export type RestorableTimeEvent = z.infer<typeof restorableTimeEventSchema>;

/** A malformed event: the message names the fields; no AWS API was called. */
export class InvalidFreshnessEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidFreshnessEventError';
  }
}

export function parseFreshnessEvent(event: unknown): FreshnessEvent | RestorableTimeEvent {
  // The `check` field picks the schema, so the messages name the fields of the check that was meant.
  const meant =
    typeof event === 'object' && event !== null && 'check' in event
      ? restorableTimeEventSchema
      : recoveryPointEventSchema;
  const result = meant.safeParse(event);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new InvalidFreshnessEventError(`invalid freshness event: ${issues.join('; ')}`);
  }
  return result.data;
}
