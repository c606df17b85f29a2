import {
  ListRecoveryPointsByBackupVaultCommand,
  StartRestoreJobCommand,
  DescribeRestoreJobCommand,
} from '@aws-sdk/client-backup';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import {
  DescribeAccountAttributesCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  PromoteReadReplicaCommand,
  RestoreDBInstanceToPointInTimeCommand,
  type DBInstance,
} from '@aws-sdk/client-rds';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { PublishCommand } from '@aws-sdk/client-sns';
import { DeleteParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { EvidenceCheck, parseEvidence, type EvidenceDocument, type RunbookStep } from '../evidence/schema';
import { decideOutcome } from '../evidence/outcome';
import { S3EvidenceStore } from '../evidence/store';
import { achievedRpoOf, evidenceCheckOf } from '../evidence/validation-check';
import { manifestVersionBefore, type ManifestVersion } from '../common/manifest-before';
import {
  changeInSync,
  findInstance,
  isThrottling,
  latestMetric,
  messageOf,
  nextWaitSeconds,
  parameterValue,
  repointTargets,
  route53Value,
  secretJson,
  type Endpoint,
} from './aws-helpers';
import { databaseOf, Errors, StepError, Strategy, type Catalog, type CatalogDatabase } from './catalog';
import type { StepDeps } from './clients';

// ---------------------------------------------------------------------------------------------
// Input and state
// ---------------------------------------------------------------------------------------------

const isoTime = z.iso.datetime({ offset: true });

/** What `rxdr failover start|plan`, the SSM document or a person in the console passes to StartExecution. */
export const FailoverInput = z.strictObject({
  database: z.string().min(1),
  /** @default the tier's `failoverStrategy` */
  strategy: Strategy.optional(),
  /** Point-in-time strategy: restore to this moment. @default the latest restorable time */
  targetTime: isoTime.optional(),
  /** Preflight and plan only: no mutating call. */
  dryRun: z.boolean().default(false),
  /** Why fail over (recorded in evidence and notices). */
  reason: z.string().min(3, 'say why you fail over (at least 3 characters)'),
  /** The primary looks healthy and you fail over anyway: why. */
  force: z
    .strictObject({ reason: z.string().min(10, 'a forced failover needs a reason of at least 10 characters') })
    .optional(),
  /** The caller's identity (IAM principal ARN); CloudTrail records the StartExecution call as well. */
  startedBy: z.string().min(1),
});
export type FailoverInput = z.infer<typeof FailoverInput>;

const Execution = z.object({ id: z.string(), name: z.string(), startTime: z.string().nullish() });
const Timed = z.object({ startedAt: isoTime, endedAt: isoTime });

export const PlanStep = z.object({
  name: z.string(),
  description: z.string(),
  status: z.enum(['pending', 'already-done']),
});

export const Plan = Timed.extend({
  database: z.string(),
  strategy: Strategy,
  tier: z.number(),
  rtoSeconds: z.number(),
  rpoSeconds: z.number(),
  primary: z.object({ identifier: z.string(), status: z.string(), healthy: z.boolean(), detail: z.string() }),
  /** Replica, automated backups or recovery point the run recovers from. */
  source: z
    .object({ kind: z.enum(['replica', 'point-in-time', 'snapshot']), id: z.string(), recoveryPointTime: z.string() })
    .optional(),
  targetInstanceIdentifier: z.string(),
  /** A resumed run found the recovery already started or done. */
  recoveryAlreadyStarted: z.boolean(),
  expectedDataLossSeconds: z.number().nullable(),
  expectedDurationSeconds: z.number(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
  blockers: z.array(z.string()),
  warnings: z.array(z.string()),
  /** The primary looks healthy and the run is not forced: it stops before the approval gate. */
  refused: z.boolean(),
  /** `blocked`, `refused`, `dry-run` or `proceed`: what the state machine does next. */
  decision: z.enum(['blocked', 'refused', 'dry-run', 'proceed']),
  steps: z.array(PlanStep),
});
export type Plan = z.infer<typeof Plan>;

const Approval = z.object({ approvedBy: z.string().min(1), approvedAt: isoTime, comment: z.string().optional() });
const Recovery = Timed.extend({
  instanceIdentifier: z.string(),
  outcome: z.enum(['done', 'already-done']),
  restoreJobId: z.string().optional(),
  polls: z.number().int().nonnegative(),
  waitSeconds: z.number().int().positive(),
  status: z.enum(['pending', 'available']),
  detail: z.string().optional(),
  availableAt: isoTime.optional(),
  endpoint: z.object({ host: z.string(), port: z.number() }).optional(),
});
const Validation = Timed.extend({
  passed: z.boolean(),
  achievedRpoSeconds: z.number().optional(),
  checks: z.array(EvidenceCheck),
});
const Repoint = Timed.extend({
  changes: z.array(
    z.object({
      kind: z.enum(['route53-record', 'ssm-parameter', 'secret-host']),
      name: z.string(),
      value: z.string(),
      outcome: z.enum(['done', 'already-done']),
      previous: z.string().optional(),
      changeId: z.string().optional(),
    }),
  ),
  polls: z.number().int().nonnegative(),
  waitSeconds: z.number().int().positive(),
  inSync: z.boolean(),
  inSyncAt: isoTime.optional(),
});

/** The execution state as it grows; each step reads what it needs. */
export const FailoverState = z.object({
  input: FailoverInput,
  execution: Execution,
  plan: Plan.optional(),
  approval: Approval.optional(),
  activation: Timed.extend({ activatedAt: isoTime }).optional(),
  recovery: Recovery.optional(),
  validation: Validation.optional(),
  repoint: Repoint.optional(),
  verify: Timed.extend({
    checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
  }).optional(),
  notify: Timed.optional(),
  /** Set by the state machine's Catch: `{ Error, Cause }`. */
  failure: z.object({ Error: z.string(), Cause: z.string().nullish() }).optional(),
  /** The state the failure happened in (the Catch's Pass states set it). */
  failedStep: z.string().optional(),
});
export type FailoverState = z.infer<typeof FailoverState>;

// ---------------------------------------------------------------------------------------------
// Preflight (read-only)
// ---------------------------------------------------------------------------------------------

/** Typical AWS durations (DR whitepaper, RDS documentation), for the plan's expected duration. */
export const EXPECTED_SECONDS: Readonly<Record<Strategy, number>> = {
  'promote-replica': 300,
  'point-in-time': 2400,
  'latest-backup': 2700,
};
const VALIDATION_SECONDS = 120;
const REPOINT_SECONDS = 60;

const RecoveryNetwork = z.object({
  subnetGroupName: z.string().min(1),
  securityGroupIds: z.array(z.string().min(1)).min(1),
});
type RecoveryNetwork = z.infer<typeof RecoveryNetwork>;

/**
 * Where a restored instance lands: the recovery database network the standby stack publishes
 * (`catalog.recoveryNetworkParameterName`), else the catalog's static subnet group/security groups.
 * Throws when the parameter is configured but missing or malformed.
 */
export async function recoveryNetwork(deps: StepDeps, db: CatalogDatabase): Promise<RecoveryNetwork | undefined> {
  const name = deps.catalog.recoveryNetworkParameterName;
  if (!name)
    return db.subnetGroupName
      ? { subnetGroupName: db.subnetGroupName, securityGroupIds: db.securityGroupIds }
      : undefined;
  const text = await parameterValue(deps.clients.ssm, name);
  if (text === undefined)
    throw new StepError(
      Errors.stepFailed,
      `the recovery database network is not published at ${name}: deploy the standby stack first`,
    );
  const parsed = RecoveryNetwork.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new StepError(
      Errors.stepFailed,
      `${name} is not a recovery network description: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

const STATUSES_HEALTHY = new Set([
  'available',
  'backing-up',
  'modifying',
  'configuring-log-exports',
  'storage-optimization',
]);

/**
 * Read-only: primary status, the recovery source and its data-loss window, access to the key and the
 * secret, instance quota headroom. Never calls a mutating API (the dry-run test asserts it).
 */
export async function preflight(state: FailoverState, deps: StepDeps): Promise<Plan> {
  const startedAt = deps.clock.now();
  const { catalog, clients } = deps;
  const { input } = state;
  const db = databaseOf(catalog, input.database);
  const strategy = input.strategy ?? db.defaultStrategy;
  const checks: Plan['checks'] = [];
  const blockers: string[] = [];
  const warnings: string[] = [];
  const check = (name: string, ok: boolean, detail: string, blocking = true) => {
    checks.push({ name, ok, detail });
    if (!ok && blocking) blockers.push(`${name}: ${detail}`);
  };

  // Primary: status as RDS reports it from the primary region; an unreachable API counts as unhealthy.
  let primary: Plan['primary'];
  try {
    const instance = await withTimeout(findInstance(clients.rdsPrimary, db.primaryInstanceIdentifier), 10_000);
    const status = instance?.DBInstanceStatus ?? 'not-found';
    const healthy = instance !== undefined && STATUSES_HEALTHY.has(status);
    primary = {
      identifier: db.primaryInstanceIdentifier,
      status,
      healthy,
      detail: healthy
        ? `primary ${db.primaryInstanceIdentifier} is ${status} in ${catalog.primaryRegion}`
        : `primary ${db.primaryInstanceIdentifier} is ${status} in ${catalog.primaryRegion}`,
    };
  } catch (error) {
    primary = {
      identifier: db.primaryInstanceIdentifier,
      status: 'unreachable',
      healthy: false,
      detail: `RDS in ${catalog.primaryRegion} did not answer: ${messageOf(error)}`,
    };
  }
  checks.push({ name: 'primary', ok: !primary.healthy, detail: primary.detail });

  const now = deps.clock.now();
  let source: Plan['source'];
  let expectedDataLossSeconds: number | null = null;
  let targetInstanceIdentifier = db.recoveredInstanceIdentifier;
  let recoveryAlreadyStarted = false;

  if (strategy === 'promote-replica') {
    if (!db.replicaInstanceIdentifier) {
      check(
        'replica',
        false,
        `${db.name} has no cross-region read replica (tier ${db.tier}); use --strategy point-in-time or latest-backup`,
      );
    } else {
      targetInstanceIdentifier = db.replicaInstanceIdentifier;
      const replica = await findInstance(clients.rdsRecovery, db.replicaInstanceIdentifier);
      if (!replica) {
        check('replica', false, `read replica ${db.replicaInstanceIdentifier} not found in ${catalog.recoveryRegion}`);
      } else if (
        !replica.ReadReplicaSourceDBInstanceIdentifier ||
        ['modifying', 'rebooting', 'backing-up'].includes(replica.DBInstanceStatus ?? '')
      ) {
        recoveryAlreadyStarted = true;
        check(
          'replica',
          true,
          `${db.replicaInstanceIdentifier} is ${replica.ReadReplicaSourceDBInstanceIdentifier ? 'being promoted' : 'already promoted'} (${replica.DBInstanceStatus}): a resumed run continues from there`,
        );
        source = { kind: 'replica', id: db.replicaInstanceIdentifier, recoveryPointTime: now.toISOString() };
      } else {
        const lag = await latestMetric(clients.cloudwatch, 'ReplicaLag', db.replicaInstanceIdentifier, now);
        expectedDataLossSeconds = lag ?? null;
        const ok = replica.DBInstanceStatus === 'available';
        check(
          'replica',
          ok,
          `${db.replicaInstanceIdentifier} is ${replica.DBInstanceStatus}, replica lag ${lag === undefined ? 'unknown (no datapoint in 10 min)' : `${lag} s`}`,
        );
        source = {
          kind: 'replica',
          id: db.replicaInstanceIdentifier,
          recoveryPointTime: new Date(now.getTime() - (lag ?? 0) * 1000).toISOString(),
        };
      }
    }
  } else {
    const existing = await findInstance(clients.rdsRecovery, db.recoveredInstanceIdentifier);
    if (existing) {
      recoveryAlreadyStarted = true;
      check(
        'target',
        true,
        `${db.recoveredInstanceIdentifier} already exists (${existing.DBInstanceStatus}): a resumed run waits for it instead of restoring again`,
      );
    }
    if (strategy === 'point-in-time') {
      const out = await clients.rdsRecovery.send(
        new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: db.primaryInstanceIdentifier }),
      );
      const backup =
        out.DBInstanceAutomatedBackups?.find(
          (b) => b.Status === 'replicating' || b.Status === 'active' || b.Status === 'retained',
        ) ?? out.DBInstanceAutomatedBackups?.[0];
      const latest = backup?.RestoreWindow?.LatestTime;
      const earliest = backup?.RestoreWindow?.EarliestTime;
      if (!backup?.DBInstanceAutomatedBackupsArn || !latest) {
        if (!existing)
          check(
            'automated-backups',
            false,
            `no replicated automated backups of ${db.primaryInstanceIdentifier} in ${catalog.recoveryRegion}; use --strategy latest-backup`,
          );
      } else {
        const target = input.targetTime ? new Date(input.targetTime) : latest;
        const inWindow = (!earliest || target >= earliest) && target <= latest;
        if (!existing)
          check(
            'automated-backups',
            inWindow,
            inWindow
              ? `restorable ${earliest?.toISOString() ?? '?'} … ${latest.toISOString()}`
              : `target time ${target.toISOString()} is outside the restorable window ${earliest?.toISOString() ?? '?'} … ${latest.toISOString()}`,
          );
        source = {
          kind: 'point-in-time',
          id: backup.DBInstanceAutomatedBackupsArn,
          recoveryPointTime: target.toISOString(),
        };
        expectedDataLossSeconds = Math.max(0, Math.round((now.getTime() - target.getTime()) / 1000));
      }
    } else {
      const newest = await newestRecoveryPoint(deps, db);
      if (!newest) {
        if (!existing)
          check(
            'recovery-point',
            false,
            `no completed recovery point of ${db.primaryInstanceIdentifier} in vault ${catalog.recoveryVaultName}`,
          );
      } else {
        if (!existing) check('recovery-point', true, `${newest.arn} created ${newest.created.toISOString()}`);
        source = { kind: 'snapshot', id: newest.arn, recoveryPointTime: newest.created.toISOString() };
        expectedDataLossSeconds = Math.max(0, Math.round((now.getTime() - newest.created.getTime()) / 1000));
      }
    }
    if (!existing) {
      try {
        const network = await recoveryNetwork(deps, db);
        check(
          'network',
          network !== undefined || !catalog.recoveryNetworkParameterName,
          network
            ? `restores land in subnet group ${network.subnetGroupName} with ${network.securityGroupIds.join(', ')}`
            : 'no recovery network configured: the restore lands in the default VPC',
        );
      } catch (error) {
        check('network', false, messageOf(error));
      }
      const attributes = await clients.rdsRecovery.send(new DescribeAccountAttributesCommand({}));
      const quota = attributes.AccountQuotas?.find((q) => q.AccountQuotaName === 'DBInstances');
      const headroom = quota?.Max !== undefined && quota.Used !== undefined ? quota.Max - quota.Used : undefined;
      check(
        'quota',
        headroom === undefined || headroom >= 1,
        headroom === undefined
          ? 'DB instance quota unknown'
          : `${headroom} DB instance(s) of headroom (${quota?.Used}/${quota?.Max})`,
      );
    }
  }
  if (expectedDataLossSeconds !== null && expectedDataLossSeconds > db.rpoSeconds) {
    warnings.push(`expected data loss ${expectedDataLossSeconds} s exceeds the RPO of ${db.rpoSeconds} s`);
  }

  try {
    const key = await clients.kms.send(new DescribeKeyCommand({ KeyId: catalog.recoveryKeyArn }));
    const enabled = key.KeyMetadata?.Enabled === true;
    check('recovery-key', enabled, `${catalog.recoveryKeyArn} is ${key.KeyMetadata?.KeyState ?? 'unknown'}`);
  } catch (error) {
    check('recovery-key', false, `cannot describe ${catalog.recoveryKeyArn}: ${messageOf(error)}`);
  }
  try {
    const secret = await clients.secrets.send(new DescribeSecretCommand({ SecretId: db.repoint.secretArn }));
    const ok = secret.DeletedDate === undefined;
    check(
      'secret',
      ok,
      ok
        ? `${db.repoint.secretArn} is readable${secret.PrimaryRegion && secret.PrimaryRegion !== catalog.recoveryRegion ? ` (replica of ${secret.PrimaryRegion}: repoint promotes it)` : ''}`
        : `${db.repoint.secretArn} is scheduled for deletion`,
    );
  } catch (error) {
    check('secret', false, `cannot describe ${db.repoint.secretArn}: ${messageOf(error)}`);
  }

  const refused = primary.healthy && !input.force;
  const decision: Plan['decision'] =
    blockers.length > 0 ? 'blocked' : input.dryRun ? 'dry-run' : refused ? 'refused' : 'proceed';
  const executeSeconds = recoveryAlreadyStarted ? 0 : EXPECTED_SECONDS[strategy];
  return {
    startedAt: startedAt.toISOString(),
    endedAt: deps.clock.now().toISOString(),
    database: db.name,
    strategy,
    tier: db.tier,
    rtoSeconds: db.rtoSeconds,
    rpoSeconds: db.rpoSeconds,
    primary,
    ...(source ? { source } : {}),
    targetInstanceIdentifier,
    recoveryAlreadyStarted,
    expectedDataLossSeconds,
    expectedDurationSeconds: executeSeconds + VALIDATION_SECONDS + REPOINT_SECONDS,
    checks,
    blockers,
    warnings,
    refused,
    decision,
    steps: planSteps(strategy, db, targetInstanceIdentifier, recoveryAlreadyStarted),
  };
}

function planSteps(strategy: Strategy, db: CatalogDatabase, target: string, started: boolean): Plan['steps'] {
  const execute: Record<Strategy, string> = {
    'promote-replica': `promote read replica ${target} to a standalone primary`,
    'point-in-time': `restore ${target} from the replicated automated backups to the target time`,
    'latest-backup': `restore ${target} from the newest recovery point in the recovery vault`,
  };
  const repoint = [
    db.repoint.route53 ? `record ${db.repoint.route53.recordName}` : undefined,
    db.repoint.parameterName ? `parameter ${db.repoint.parameterName}` : undefined,
    'the secret host',
  ]
    .filter(Boolean)
    .join(', ');
  return [
    {
      name: 'approval',
      description: 'wait for an operator to approve (rxdr failover approve) or abort',
      status: 'pending',
    },
    {
      name: 'activate-contingency-plan',
      description: 'record and announce that the contingency plan is active (N3)',
      status: 'pending',
    },
    { name: 'recover', description: execute[strategy], status: started ? 'already-done' : 'pending' },
    { name: 'wait-available', description: `wait until ${target} is available`, status: 'pending' },
    { name: 'validate', description: 'run the validation engine against the recovered database', status: 'pending' },
    { name: 'repoint', description: `point ${repoint} at the new endpoint`, status: 'pending' },
    {
      name: 'verify',
      description: 'check every client pointer and that the endpoint accepts connections',
      status: 'pending',
    },
    { name: 'notify', description: 'announce the result', status: 'pending' },
    { name: 'evidence', description: 'write the evidence document', status: 'pending' },
  ];
}

async function newestRecoveryPoint(
  deps: StepDeps,
  db: CatalogDatabase,
): Promise<{ arn: string; created: Date } | undefined> {
  let token: string | undefined;
  let newest: { arn: string; created: Date } | undefined;
  do {
    const page = await deps.clients.backup.send(
      new ListRecoveryPointsByBackupVaultCommand({
        BackupVaultName: deps.catalog.recoveryVaultName,
        ByResourceType: 'RDS',
        NextToken: token,
      }),
    );
    for (const point of page.RecoveryPoints ?? []) {
      if (point.Status !== 'COMPLETED' || !point.RecoveryPointArn || !point.CreationDate) continue;
      if (!point.ResourceArn?.endsWith(`:db:${db.primaryInstanceIdentifier}`)) continue;
      if (!newest || point.CreationDate > newest.created)
        newest = { arn: point.RecoveryPointArn, created: point.CreationDate };
    }
    token = page.NextToken;
  } while (token);
  return newest;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Approval gate and contingency plan
// ---------------------------------------------------------------------------------------------

export const ApprovalRequest = z.object({
  taskToken: z.string().min(1),
  state: FailoverState.or(z.record(z.string(), z.unknown())),
});

/**
 * Keep the task token where `rxdr failover approve|abort` and the SSM document find it (a SecureString
 * under the recovery key, named after the execution), and tell on-call what waits for them.
 */
export async function requestApproval(
  operation: 'failover' | 'failback',
  taskToken: string,
  execution: { name: string; id: string },
  summary: string,
  deps: StepDeps,
): Promise<{ parameterName: string }> {
  const parameterName = approvalParameterName(deps.catalog, execution.name);
  await deps.clients.ssm.send(
    new PutParameterCommand({
      Name: parameterName,
      Value: taskToken,
      Type: 'SecureString',
      KeyId: deps.catalog.recoveryKeyArn,
      Overwrite: true,
      Description: `rxdr ${operation} approval token for ${execution.id}`,
    }),
  );
  await deps.clients.sns.send(
    new PublishCommand({
      TopicArn: deps.catalog.topicArn,
      Subject: `rxdr ${deps.catalog.environment}: ${operation} waits for approval`,
      Message: `${summary}\n\nApprove: rxdr ${operation} approve --env ${deps.catalog.environment} --execution ${execution.name}\nAbort:   rxdr ${operation} abort --env ${deps.catalog.environment} --execution ${execution.name}\nExecution: ${execution.id}`,
    }),
  );
  return { parameterName };
}

export function approvalParameterName(catalog: Catalog, executionName: string): string {
  return `${catalog.approvalParameterPrefix}/${executionName}`;
}

/** Remove the approval token (idempotent: a missing parameter is fine). */
export async function clearApproval(executionName: string, deps: StepDeps): Promise<void> {
  try {
    await deps.clients.ssm.send(
      new DeleteParameterCommand({ Name: approvalParameterName(deps.catalog, executionName) }),
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ParameterNotFound')) throw error;
  }
}

/** N3: a timestamped notice that the contingency plan is active, sent once approval is given. */
export async function activateContingencyPlan(
  state: FailoverState,
  deps: StepDeps,
): Promise<{ startedAt: string; endedAt: string; activatedAt: string }> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const approval = required(state.approval, 'approval');
  await clearApproval(state.execution.name, deps);
  const activatedAt = deps.clock.now().toISOString();
  await deps.clients.sns.send(
    new PublishCommand({
      TopicArn: deps.catalog.topicArn,
      Subject: `rxdr ${deps.catalog.environment}: contingency plan activated for ${plan.database}`,
      Message: `Contingency plan activated at ${activatedAt}: failover of ${plan.database} (${plan.strategy}) approved by ${approval.approvedBy}.\nReason: ${state.input.reason}${state.input.force ? `\nForced although the primary looked healthy: ${state.input.force.reason}` : ''}\nBusiness associates: notify covered entities within 24 hours.\nExecution: ${state.execution.id}`,
    }),
  );
  return { startedAt, endedAt: deps.clock.now().toISOString(), activatedAt };
}

// ---------------------------------------------------------------------------------------------
// Recovery: start the strategy, then poll until available
// ---------------------------------------------------------------------------------------------

/** The strategy's one destructive call, made only when the state found says it has not been made. */
export async function startRecovery(state: FailoverState, deps: StepDeps): Promise<z.infer<typeof Recovery>> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const db = databaseOf(deps.catalog, plan.database);
  const rds = deps.clients.rdsRecovery;
  const identifier = plan.targetInstanceIdentifier;
  const tags = [
    { Key: 'rxdr:failover-execution', Value: state.execution.name },
    { Key: 'rxdr:database', Value: db.name },
  ];
  let outcome: 'done' | 'already-done' = 'done';
  let restoreJobId: string | undefined;
  let detail: string;

  const existing = await findInstance(rds, identifier);
  if (plan.strategy === 'promote-replica') {
    if (!existing)
      throw new StepError(
        Errors.stepFailed,
        `read replica ${identifier} no longer exists in ${deps.catalog.recoveryRegion}`,
      );
    if (!existing.ReadReplicaSourceDBInstanceIdentifier || existing.DBInstanceStatus !== 'available') {
      outcome = 'already-done';
      detail = `${identifier} is ${existing.DBInstanceStatus}${existing.ReadReplicaSourceDBInstanceIdentifier ? ' (promotion in progress)' : ', already promoted'}`;
    } else {
      await rds.send(
        new PromoteReadReplicaCommand({
          DBInstanceIdentifier: identifier,
          BackupRetentionPeriod: Math.max(1, existing.BackupRetentionPeriod ?? 7),
        }),
      );
      detail = `promotion of ${identifier} started`;
    }
  } else if (existing) {
    outcome = 'already-done';
    detail = `${identifier} already exists (${existing.DBInstanceStatus}): not restoring again`;
  } else if (plan.strategy === 'point-in-time') {
    const source = required(plan.source, 'plan.source');
    const network = await recoveryNetwork(deps, db);
    const restoreToLatest = state.input.targetTime === undefined;
    await rds.send(
      new RestoreDBInstanceToPointInTimeCommand({
        SourceDBInstanceAutomatedBackupsArn: source.id,
        TargetDBInstanceIdentifier: identifier,
        ...(restoreToLatest ? { UseLatestRestorableTime: true } : { RestoreTime: new Date(source.recoveryPointTime) }),
        ...(db.instanceClass ? { DBInstanceClass: db.instanceClass } : {}),
        ...(network ? { DBSubnetGroupName: network.subnetGroupName } : {}),
        ...(network && network.securityGroupIds.length > 0 ? { VpcSecurityGroupIds: network.securityGroupIds } : {}),
        PubliclyAccessible: false,
        DeletionProtection: true,
        CopyTagsToSnapshot: true,
        Tags: tags,
      }),
    );
    detail = `point-in-time restore of ${identifier} to ${restoreToLatest ? 'the latest restorable time' : source.recoveryPointTime} started`;
  } else {
    const source = required(plan.source, 'plan.source');
    const network = await recoveryNetwork(deps, db);
    const metadata: Record<string, string> = {
      DBInstanceIdentifier: identifier,
      PubliclyAccessible: 'false',
      DeletionProtection: 'true',
      CopyTagsToSnapshot: 'true',
    };
    if (db.instanceClass) metadata.DBInstanceClass = db.instanceClass;
    if (network) metadata.DBSubnetGroupName = network.subnetGroupName;
    if (network && network.securityGroupIds.length > 0)
      metadata.VpcSecurityGroupIds = JSON.stringify(network.securityGroupIds);
    const out = await deps.clients.backup.send(
      new StartRestoreJobCommand({
        RecoveryPointArn: source.id,
        IamRoleArn: deps.catalog.backupRestoreRoleArn,
        ResourceType: 'RDS',
        Metadata: metadata,
        // Same token for the same database and recovery point: AWS Backup returns the existing job.
        IdempotencyToken: `rxdr-failover-${db.name}-${source.recoveryPointTime}`.slice(0, 128),
      }),
    );
    restoreJobId = out.RestoreJobId;
    detail = `restore job ${restoreJobId ?? '?'} for ${identifier} started from ${source.id}`;
  }
  return {
    startedAt,
    endedAt: deps.clock.now().toISOString(),
    instanceIdentifier: identifier,
    outcome,
    ...(restoreJobId ? { restoreJobId } : {}),
    polls: 0,
    waitSeconds: nextWaitSeconds(0),
    status: 'pending',
    detail,
  };
}

/** One look at the recovering instance; the state machine waits `waitSeconds` (backing off) and asks again. */
export async function checkRecovery(state: FailoverState, deps: StepDeps): Promise<z.infer<typeof Recovery>> {
  const recovery = required(state.recovery, 'recovery');
  const plan = required(state.plan, 'plan');
  const instance = await findInstance(deps.clients.rdsRecovery, recovery.instanceIdentifier);
  const polls = recovery.polls + 1;
  const pending = (detail: string) => ({
    ...recovery,
    polls,
    waitSeconds: nextWaitSeconds(polls),
    status: 'pending' as const,
    detail,
  });
  if (!instance) {
    if (recovery.restoreJobId) {
      const job = await deps.clients.backup.send(
        new DescribeRestoreJobCommand({ RestoreJobId: recovery.restoreJobId }),
      );
      if (job.Status === 'FAILED' || job.Status === 'ABORTED')
        throw new StepError(
          Errors.stepFailed,
          `restore job ${recovery.restoreJobId} ${job.Status}: ${job.StatusMessage ?? 'no message'}`,
        );
      return pending(`restore job ${recovery.restoreJobId} is ${job.Status ?? 'unknown'}`);
    }
    return pending(`${recovery.instanceIdentifier} not visible yet`);
  }
  const status = instance.DBInstanceStatus ?? 'unknown';
  if (
    [
      'failed',
      'incompatible-restore',
      'incompatible-parameters',
      'incompatible-network',
      'storage-full',
      'inaccessible-encryption-credentials',
    ].includes(status)
  ) {
    throw new StepError(Errors.stepFailed, `${recovery.instanceIdentifier} is ${status}: it cannot become the primary`);
  }
  const promoted = plan.strategy !== 'promote-replica' || !instance.ReadReplicaSourceDBInstanceIdentifier;
  if (status !== 'available' || !promoted || !instance.Endpoint?.Address)
    return pending(`${recovery.instanceIdentifier} is ${status}${promoted ? '' : ' (still a replica)'}`);
  return {
    ...recovery,
    polls,
    status: 'available',
    detail: `${recovery.instanceIdentifier} is available`,
    availableAt: deps.clock.now().toISOString(),
    endpoint: endpointOf(instance),
  };
}

function endpointOf(instance: DBInstance): Endpoint {
  return { host: required(instance.Endpoint?.Address, 'endpoint address'), port: instance.Endpoint?.Port ?? 5432 };
}

// ---------------------------------------------------------------------------------------------
// Validate, repoint, verify
// ---------------------------------------------------------------------------------------------

/**
 * What the validation engine's function (`lambda/validate.ts`) answers: a `ValidationReport`.
 * Only the fields the runbook needs are read; each check becomes an evidence check.
 */
const ValidatorReport = z.object({
  passed: z.boolean(),
  achievedRpoSeconds: z.number().nullable().optional(),
  checks: z
    .array(
      z.object({
        name: z.string(),
        suite: z.enum(['generic', 'pharmacy', 'custom']),
        passed: z.boolean(),
        durationMs: z.number().nonnegative().default(0),
        error: z.string().optional(),
        measured: z.record(z.string(), z.unknown()).default({}),
        offendingKeys: z.array(z.string()).default([]),
      }),
    )
    .default([]),
});

/**
 * Ask the validation engine's function to check the recovered database. The request follows the engine's
 * input (`validationInputSchema`): the replicated secret for credentials with the recovered endpoint as
 * host/port override (clients still point at the old primary), the manifest version taken before the
 * recovery point (chosen as the drill chooses it), the recovery point time (the RPO reference) and the
 * tier's RPO; the full report goes to the evidence bucket next to the failover evidence.
 */
export async function validateRecovered(state: FailoverState, deps: StepDeps): Promise<z.infer<typeof Validation>> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const recovery = required(state.recovery, 'recovery');
  const endpoint = required(recovery.endpoint, 'recovery.endpoint');
  const db = databaseOf(deps.catalog, plan.database);
  const recoveryPointTime = plan.source?.recoveryPointTime ?? recovery.availableAt ?? startedAt;
  const bucket = deps.catalog.evidenceBucket;
  let manifest: ManifestVersion;
  try {
    manifest = await manifestVersionBefore(deps.clients.s3, bucket, db.name, new Date(recoveryPointTime));
  } catch (error) {
    if (isThrottling(error)) throw error;
    throw new StepError(Errors.stepFailed, messageOf(error));
  }
  const request = {
    database: { secretArn: db.repoint.secretArn, host: endpoint.host, port: endpoint.port },
    manifest: { bucket, key: manifest.key, versionId: manifest.versionId },
    recoveryPointTime,
    ...(db.rpoSeconds > 0 ? { rpoTargetSeconds: db.rpoSeconds } : {}),
    report: { bucket, key: `failover/${db.name}/${state.execution.name}/validation.json` },
  };
  const out = await deps.clients.lambda.send(
    new InvokeCommand({
      FunctionName: deps.catalog.validatorFunctionName,
      Payload: Buffer.from(JSON.stringify(request)),
    }),
  );
  const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
  if (out.FunctionError)
    throw new StepError(Errors.stepFailed, `the validator failed (${out.FunctionError}): ${text.slice(0, 500)}`);
  const parsed = ValidatorReport.safeParse(JSON.parse(text || 'null'));
  if (!parsed.success)
    throw new StepError(
      Errors.stepFailed,
      `the validator answered something that is not a validation report: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const report = parsed.data;
  return {
    startedAt,
    endedAt: deps.clock.now().toISOString(),
    passed: report.passed,
    ...(achievedRpoOf(report) !== undefined ? { achievedRpoSeconds: achievedRpoOf(report) } : {}),
    checks: report.checks.map(evidenceCheckOf),
  };
}

export async function repoint(state: FailoverState, deps: StepDeps): Promise<z.infer<typeof Repoint>> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const validation = required(state.validation, 'validation');
  if (!validation.passed) throw new StepError(Errors.stepFailed, 'validation failed: clients stay where they are');
  const endpoint = required(state.recovery?.endpoint, 'recovery.endpoint');
  const db = databaseOf(deps.catalog, plan.database);
  const changes = await repointTargets(
    deps.clients,
    db.repoint,
    endpoint,
    `rxdr failover ${state.execution.name}`,
    deps.catalog.recoveryRegion,
  );
  const pendingChange = changes.some((c) => c.changeId);
  return {
    startedAt,
    endedAt: deps.clock.now().toISOString(),
    changes,
    polls: 0,
    waitSeconds: nextWaitSeconds(0),
    inSync: !pendingChange,
    ...(pendingChange ? {} : { inSyncAt: deps.clock.now().toISOString() }),
  };
}

/** Route 53 change propagated? (GetChange INSYNC.) */
export async function checkRepoint(state: FailoverState, deps: StepDeps): Promise<z.infer<typeof Repoint>> {
  const current = required(state.repoint, 'repoint');
  const ids = current.changes.map((c) => c.changeId).filter((id): id is string => id !== undefined);
  const synced = (await Promise.all(ids.map((id) => changeInSync(deps.clients.route53, id)))).every(Boolean);
  const polls = current.polls + 1;
  return {
    ...current,
    polls,
    waitSeconds: nextWaitSeconds(polls),
    inSync: synced,
    ...(synced ? { inSyncAt: deps.clock.now().toISOString() } : {}),
  };
}

/** Every pointer reads the new endpoint, the instance is available, and (in the VPC) the name accepts connections. */
export async function verify(
  state: FailoverState,
  deps: StepDeps,
): Promise<{ startedAt: string; endedAt: string; checks: { name: string; ok: boolean; detail: string }[] }> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const recovery = required(state.recovery, 'recovery');
  const endpoint = required(recovery.endpoint, 'recovery.endpoint');
  const db = databaseOf(deps.catalog, plan.database);
  const checks = await verifyPointers(deps, db, recovery.instanceIdentifier, endpoint, deps.clients.rdsRecovery);
  const failed = checks.filter((c) => !c.ok);
  if (failed.length > 0)
    throw new StepError(
      Errors.stepFailed,
      `verification failed: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`,
    );
  return { startedAt, endedAt: deps.clock.now().toISOString(), checks };
}

export async function verifyPointers(
  deps: StepDeps,
  db: CatalogDatabase,
  instanceIdentifier: string,
  endpoint: Endpoint,
  rds: StepDeps['clients']['rdsRecovery'],
): Promise<{ name: string; ok: boolean; detail: string }[]> {
  const checks: { name: string; ok: boolean; detail: string }[] = [];
  const [instance, record, parameter, secret] = await Promise.all([
    findInstance(rds, instanceIdentifier),
    db.repoint.route53
      ? route53Value(deps.clients.route53, db.repoint.route53.hostedZoneId, db.repoint.route53.recordName)
      : Promise.resolve(undefined),
    db.repoint.parameterName ? parameterValue(deps.clients.ssm, db.repoint.parameterName) : Promise.resolve(undefined),
    secretJson(deps.clients.secrets, db.repoint.secretArn),
  ]);
  checks.push({
    name: 'instance',
    ok: instance?.DBInstanceStatus === 'available',
    detail: `${instanceIdentifier} is ${instance?.DBInstanceStatus ?? 'missing'}`,
  });
  if (db.repoint.route53)
    checks.push({
      name: 'route53-record',
      ok: record === endpoint.host,
      detail: `${db.repoint.route53.recordName} → ${record ?? '(none)'}`,
    });
  if (db.repoint.parameterName)
    checks.push({
      name: 'ssm-parameter',
      ok: parameter === endpoint.host,
      detail: `${db.repoint.parameterName} = ${parameter ?? '(none)'}`,
    });
  checks.push({
    name: 'secret-host',
    ok: secret.host === endpoint.host,
    detail: `secret host = ${String(secret.host)}`,
  });
  if (deps.catalog.probeConnectivity) {
    const host = db.repoint.route53?.recordName.replace(/\.$/, '') ?? endpoint.host;
    const probe = await deps.probe(host, endpoint.port);
    checks.push({ name: 'connect', ok: probe.ok, detail: probe.detail });
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------
// Notify and evidence
// ---------------------------------------------------------------------------------------------

export async function notifyResult(
  state: FailoverState,
  deps: StepDeps,
): Promise<{ startedAt: string; endedAt: string }> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const endpoint = required(state.recovery?.endpoint, 'recovery.endpoint');
  await deps.clients.sns.send(
    new PublishCommand({
      TopicArn: deps.catalog.topicArn,
      Subject: `rxdr ${deps.catalog.environment}: ${plan.database} failed over to ${deps.catalog.recoveryRegion}`,
      Message: `${plan.database} now runs on ${state.recovery?.instanceIdentifier} (${endpoint.host}:${endpoint.port}) in ${deps.catalog.recoveryRegion}; clients are repointed and verified.\nExecution: ${state.execution.id}\nFail back later with: rxdr failback plan --env ${deps.catalog.environment} --database ${plan.database}`,
    }),
  );
  return { startedAt, endedAt: deps.clock.now().toISOString() };
}

/** Build the evidence document of a completed, failed or aborted failover and write it (never overwriting). */
export async function recordFailoverEvidence(
  state: FailoverState,
  status: 'completed' | 'failed' | 'aborted',
  deps: StepDeps,
): Promise<{ location: string; result: 'passed' | 'failed'; failureReason?: string }> {
  const now = deps.clock.now();
  const db = databaseOf(deps.catalog, state.input.database);
  const plan = state.plan;
  const started = state.execution.startTime ?? plan?.startedAt ?? now.toISOString();
  const steps = failoverSteps(state, status);
  const verifiedAt = state.verify?.endedAt;
  // A failed validation explains itself through its checks; other failures through the caught error.
  const failure =
    status === 'completed' || (!state.failure && status === 'failed')
      ? undefined
      : { step: state.failedStep ?? 'unknown', reason: failureReason(state, status) };
  const achievedRpoSeconds = state.validation?.achievedRpoSeconds ?? plan?.expectedDataLossSeconds ?? undefined;
  const outcome = decideOutcome({
    targets: { rtoSeconds: db.rtoSeconds, rpoSeconds: db.rpoSeconds },
    ...(verifiedAt ? { achievedRtoSeconds: seconds(started, verifiedAt) } : {}),
    ...(achievedRpoSeconds !== undefined && achievedRpoSeconds !== null ? { achievedRpoSeconds } : {}),
    ...(state.validation ? { validation: { passed: state.validation.passed, checks: state.validation.checks } } : {}),
    ...(failure ? { failure } : {}),
  });
  const endpoint = state.recovery?.endpoint;
  const doc: EvidenceDocument = parseEvidence({
    schemaVersion: 1,
    runId: state.execution.name,
    kind: 'failover',
    environment: deps.catalog.environment,
    provider: 'aws',
    database: db.name,
    tier: db.tier,
    targets: { rtoSeconds: db.rtoSeconds, rpoSeconds: db.rpoSeconds },
    ...(plan?.source
      ? {
          source: {
            id: plan.source.id,
            kind: plan.source.kind,
            recoveryPointTime: plan.source.recoveryPointTime,
            sourceDatabase: db.primaryInstanceIdentifier,
          },
        }
      : {}),
    ...(state.recovery
      ? {
          target: {
            identifier: state.recovery.instanceIdentifier,
            engine: 'postgres',
            ...(endpoint ? { endpoint: `${endpoint.host}:${endpoint.port}` } : {}),
          },
        }
      : {}),
    timestamps: {
      started,
      disaster: started,
      ...(state.recovery ? { restoreStarted: state.recovery.startedAt } : {}),
      ...(state.recovery?.availableAt ? { available: state.recovery.availableAt } : {}),
      ...(state.validation ? { validated: state.validation.endedAt } : {}),
      recorded: now.toISOString(),
    },
    ...(verifiedAt ? { achievedRtoSeconds: seconds(started, verifiedAt) } : {}),
    ...(achievedRpoSeconds !== undefined && achievedRpoSeconds !== null ? { achievedRpoSeconds } : {}),
    result: status === 'completed' ? outcome.result : 'failed',
    ...(outcome.failureReason ? { failureReason: outcome.failureReason } : {}),
    ...(outcome.failedStep ? { failedStep: outcome.failedStep } : {}),
    checks: outcome.checks,
    cleanup: { status: 'not-needed', message: 'a failover keeps what it recovered', resources: [] },
    startedBy: state.input.startedBy,
    toolVersion: deps.catalog.toolVersion,
    runbook: {
      operation: 'failover',
      strategy: plan?.strategy ?? state.input.strategy ?? db.defaultStrategy,
      reason: state.input.reason,
      ...(state.input.force ? { forcedReason: state.input.force.reason } : {}),
      dryRun: state.input.dryRun,
      executionArn: state.execution.id,
      ...(state.approval ? { approvedBy: state.approval.approvedBy, approvedAt: state.approval.approvedAt } : {}),
      ...(state.activation ? { contingencyPlanActivatedAt: state.activation.activatedAt } : {}),
      status,
      steps,
      repointed: (state.repoint?.changes ?? []).map((c) => ({ kind: c.kind, name: c.name, value: c.value })),
    },
  });
  // Safe to retry: an earlier attempt of this step that wrote the document before it died counts as written.
  const location = await new S3EvidenceStore(deps.clients.s3, deps.catalog.evidenceBucket, 'failover').put(doc);
  if (status !== 'completed') {
    await clearApproval(state.execution.name, deps);
    await deps.clients.sns.send(
      new PublishCommand({
        TopicArn: deps.catalog.topicArn,
        Subject: `rxdr ${deps.catalog.environment}: failover of ${db.name} ${status}`,
        Message: `The failover of ${db.name} ${status}${state.failedStep ? ` at ${state.failedStep}` : ''}: ${failure?.reason ?? ''}\nStart it again to resume: steps already done are found and not repeated.\nExecution: ${state.execution.id}\nEvidence: ${location}`,
      }),
    );
  }
  return { location, result: doc.result, ...(doc.failureReason ? { failureReason: doc.failureReason } : {}) };
}

function failureReason(state: FailoverState, status: 'failed' | 'aborted'): string {
  const cause = state.failure?.Cause ?? '';
  let message = cause;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    if (parsed.errorMessage) message = parsed.errorMessage;
  } catch {
    // not JSON: keep the cause as is
  }
  if (state.failure?.Error === 'States.Timeout' && state.failedStep === 'approval')
    return 'aborted: nobody approved before the approval timeout';
  if (status === 'aborted') return `aborted by an operator${message ? `: ${message}` : ''}`;
  return `${state.failure?.Error ?? 'error'}: ${message || 'no cause'}`;
}

function failoverSteps(state: FailoverState, status: string): RunbookStep[] {
  const steps: RunbookStep[] = [];
  const add = (
    name: string,
    startedAt: string | undefined,
    endedAt: string | undefined,
    outcome: RunbookStep['outcome'],
    detail?: string,
  ) => {
    if (!startedAt) return;
    steps.push({
      name,
      startedAt,
      ...(endedAt ? { endedAt, durationSeconds: seconds(startedAt, endedAt) } : {}),
      outcome,
      ...(detail ? { detail } : {}),
    });
  };
  const { plan, approval, activation, recovery, validation, repoint: rp, verify: vf, notify } = state;
  add(
    'preflight',
    plan?.startedAt,
    plan?.endedAt,
    'done',
    plan ? `${plan.decision}; primary ${plan.primary.status}` : undefined,
  );
  if (plan && approval)
    add('approval', plan.endedAt, approval.approvedAt, 'done', `approved by ${approval.approvedBy}`);
  add('activate-contingency-plan', activation?.startedAt, activation?.endedAt, 'done');
  add('recover', recovery?.startedAt, recovery?.endedAt, recovery?.outcome ?? 'done', recovery?.detail);
  add(
    'wait-available',
    recovery?.endedAt,
    recovery?.availableAt,
    'done',
    recovery ? `${recovery.polls} polls` : undefined,
  );
  add('validate', validation?.startedAt, validation?.endedAt, validation?.passed === false ? 'failed' : 'done');
  const repointOutcome = rp && rp.changes.every((c) => c.outcome === 'already-done') ? 'already-done' : 'done';
  add(
    'repoint',
    rp?.startedAt,
    rp?.inSyncAt ?? rp?.endedAt,
    repointOutcome,
    rp?.changes.map((c) => `${c.kind} ${c.outcome}`).join(', '),
  );
  add('verify', vf?.startedAt, vf?.endedAt, 'done');
  add('notify', notify?.startedAt, notify?.endedAt, 'done');
  if (status !== 'completed' && state.failedStep) {
    const at = lastStepTime(state);
    steps.push({ name: state.failedStep, startedAt: at, outcome: 'failed', detail: state.failure?.Error ?? status });
  }
  return steps;
}

function lastStepTime(state: FailoverState): string {
  const times = [
    state.plan?.endedAt,
    state.approval?.approvedAt,
    state.activation?.endedAt,
    state.recovery?.endedAt,
    state.validation?.endedAt,
    state.repoint?.endedAt,
    state.verify?.endedAt,
  ].filter((t): t is string => t !== undefined);
  return times.sort().at(-1) ?? state.execution.startTime ?? new Date(0).toISOString();
}

function seconds(from: string, to: string): number {
  return Math.max(0, (new Date(to).getTime() - new Date(from).getTime()) / 1000);
}

export function required<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null)
    throw new StepError(
      Errors.invalidInput,
      `the execution state has no ${what}: the state machine and the function disagree`,
    );
  return value;
}
