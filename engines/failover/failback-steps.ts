import { CreateDBInstanceReadReplicaCommand, PromoteReadReplicaCommand } from '@aws-sdk/client-rds';
import { PublishCommand } from '@aws-sdk/client-sns';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { parseEvidence, type EvidenceDocument, type RunbookStep } from '../evidence/schema';
import { S3EvidenceStore } from '../evidence/store';
import {
  changeInSync,
  findInstance,
  latestMetric,
  messageOf,
  nextWaitSeconds,
  parameterValue,
  repointTargets,
  secretJson,
} from './aws-helpers';
import { databaseOf, Errors, StepError } from './catalog';
import type { StepDeps } from './clients';
import { clearApproval, required, verifyPointers } from './failover-steps';

const isoTime = z.iso.datetime({ offset: true });
const Timed = z.object({ startedAt: isoTime, endedAt: isoTime });
const Endpoint = z.object({ host: z.string(), port: z.number() });
const Check = z.object({ name: z.string(), ok: z.boolean(), detail: z.string() });

export const FailbackInput = z.strictObject({
  database: z.string().min(1),
  dryRun: z.boolean().default(false),
  reason: z.string().min(3, 'say why you fail back (at least 3 characters)'),
  startedBy: z.string().min(1),
});
export type FailbackInput = z.infer<typeof FailbackInput>;

export const FailbackPlan = Timed.extend({
  database: z.string(),
  currentPrimary: z.object({ identifier: z.string(), arn: z.string(), status: z.string() }),
  replicaIdentifier: z.string(),
  /** The replica in the primary region already exists (a resumed run). */
  replicaExists: z.boolean(),
  originalPrimary: z.object({ identifier: z.string(), status: z.string() }),
  expectedFreezeSeconds: z.number(),
  expectedDurationSeconds: z.number(),
  checks: z.array(Check),
  blockers: z.array(z.string()),
  decision: z.enum(['blocked', 'dry-run', 'proceed']),
  steps: z.array(z.object({ name: z.string(), description: z.string() })),
});
export type FailbackPlan = z.infer<typeof FailbackPlan>;

const Poll = z.object({ polls: z.number().int().nonnegative(), waitSeconds: z.number().int().positive() });

export const FailbackState = z.object({
  input: FailbackInput,
  execution: z.object({ id: z.string(), name: z.string(), startTime: z.string().nullish() }),
  plan: FailbackPlan.optional(),
  approval: z.object({ approvedBy: z.string().min(1), approvedAt: isoTime, comment: z.string().optional() }).optional(),
  replica: Timed.merge(Poll)
    .extend({
      outcome: z.enum(['done', 'already-done']),
      status: z.enum(['pending', 'available']),
      detail: z.string().optional(),
      availableAt: isoTime.optional(),
    })
    .optional(),
  freeze: Timed.extend({
    parameterName: z.string(),
    frozenAt: isoTime,
    outcome: z.enum(['done', 'already-done']),
  }).optional(),
  catchUp: Poll.extend({
    lagSeconds: z.number().nullable(),
    zeroLagPolls: z.number().int().nonnegative(),
    caughtUp: z.boolean(),
    caughtUpAt: isoTime.optional(),
  }).optional(),
  promotion: Timed.merge(Poll)
    .extend({
      outcome: z.enum(['done', 'already-done']),
      status: z.enum(['pending', 'available']),
      availableAt: isoTime.optional(),
      endpoint: Endpoint.optional(),
    })
    .optional(),
  repoint: Timed.merge(Poll)
    .extend({
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
      inSync: z.boolean(),
      inSyncAt: isoTime.optional(),
    })
    .optional(),
  verify: Timed.extend({ checks: z.array(Check) }).optional(),
  unfreeze: Timed.optional(),
  failure: z.object({ Error: z.string(), Cause: z.string().nullish() }).optional(),
  failedStep: z.string().optional(),
});
export type FailbackState = z.infer<typeof FailbackState>;

/** Consecutive zero-lag readings required before the switchover (after the freeze). */
export const ZERO_LAG_READINGS = 2;

/** Read-only: which recovery-region instance is the primary now, whether the primary region answers, what will be built. */
export async function preflight(state: FailbackState, deps: StepDeps): Promise<FailbackPlan> {
  const startedAt = deps.clock.now().toISOString();
  const { catalog, clients } = deps;
  const db = databaseOf(catalog, state.input.database);
  const checks: FailbackPlan['checks'] = [];
  const blockers: string[] = [];
  const check = (name: string, ok: boolean, detail: string) => {
    checks.push({ name, ok, detail });
    if (!ok) blockers.push(`${name}: ${detail}`);
  };
  const secret = await secretJson(clients.secrets, db.repoint.secretArn);
  // The current primary is a recovery-region instance (after a failover), or, when an earlier failback got as
  // far as repointing before it died, the promoted failback instance in the primary region: look in both, so
  // that run can resume. An unreachable primary region just means "not there" here (checked below).
  const candidates = [db.replicaInstanceIdentifier, db.recoveredInstanceIdentifier].filter(
    (id): id is string => id !== undefined,
  );
  const found = [
    ...(await Promise.all(candidates.map((id) => findInstance(clients.rdsRecovery, id)))),
    await findInstance(clients.rdsPrimary, db.failbackInstanceIdentifier).catch(() => undefined),
  ];
  const current = found.find(
    (instance) => instance?.Endpoint?.Address === secret.host && !instance?.ReadReplicaSourceDBInstanceIdentifier,
  );
  const searched = `${candidates.join(', ')} in ${catalog.recoveryRegion} and ${db.failbackInstanceIdentifier} in ${catalog.primaryRegion}`;
  check(
    'current-primary',
    current !== undefined,
    current
      ? `${current.DBInstanceIdentifier} (${current.DBInstanceStatus}) serves ${String(secret.host)}`
      : `no standalone instance among ${searched} serves the secret's host ${String(secret.host)}: was there a failover?`,
  );
  if (current)
    check(
      'current-primary-backups',
      (current.BackupRetentionPeriod ?? 0) > 0,
      `backup retention ${current.BackupRetentionPeriod ?? 0} days (a cross-region replica needs automated backups)`,
    );

  let originalPrimary = { identifier: db.primaryInstanceIdentifier, status: 'unreachable' };
  let replicaExists = false;
  try {
    const original = await findInstance(clients.rdsPrimary, db.primaryInstanceIdentifier);
    originalPrimary = { identifier: db.primaryInstanceIdentifier, status: original?.DBInstanceStatus ?? 'not-found' };
    const replica = await findInstance(clients.rdsPrimary, db.failbackInstanceIdentifier);
    replicaExists = replica !== undefined;
    checks.push({
      name: 'primary-region',
      ok: true,
      detail: `RDS in ${catalog.primaryRegion} answers; old primary ${db.primaryInstanceIdentifier} is ${originalPrimary.status} (it is not reused: its data diverged)`,
    });
    if (replica)
      checks.push({
        name: 'failback-replica',
        ok: true,
        detail: `${db.failbackInstanceIdentifier} already exists (${replica.DBInstanceStatus}): a resumed run continues from there`,
      });
  } catch (error) {
    check(
      'primary-region',
      false,
      `RDS in ${catalog.primaryRegion} does not answer (${messageOf(error)}): fail back once the region has recovered`,
    );
  }
  const decision: FailbackPlan['decision'] =
    blockers.length > 0 ? 'blocked' : state.input.dryRun ? 'dry-run' : 'proceed';
  return {
    startedAt,
    endedAt: deps.clock.now().toISOString(),
    database: db.name,
    currentPrimary: {
      identifier: current?.DBInstanceIdentifier ?? '(none)',
      arn: current?.DBInstanceArn ?? '(none)',
      status: current?.DBInstanceStatus ?? 'missing',
    },
    replicaIdentifier: db.failbackInstanceIdentifier,
    replicaExists,
    originalPrimary,
    expectedFreezeSeconds: 420,
    expectedDurationSeconds: (replicaExists ? 0 : 3600) + 420,
    checks,
    blockers,
    decision,
    steps: [
      { name: 'approval', description: 'wait for an operator to approve (rxdr failback approve) or abort' },
      {
        name: 'create-replica',
        description: `create read replica ${db.failbackInstanceIdentifier} in ${catalog.primaryRegion} from ${current?.DBInstanceIdentifier ?? 'the current primary'}`,
      },
      { name: 'wait-replica', description: 'wait until it is available' },
      {
        name: 'freeze-writes',
        description: `set the write freeze (${catalog.writeFreezeParameterPrefix}/${db.name}); applications stop writing`,
      },
      { name: 'catch-up', description: `wait for ${ZERO_LAG_READINGS} zero replica-lag readings (zero data loss)` },
      { name: 'promote', description: `promote ${db.failbackInstanceIdentifier} to the primary` },
      { name: 'repoint', description: 'point the record, parameter and secret back at the primary region' },
      { name: 'verify', description: 'check every client pointer' },
      { name: 'unfreeze', description: 'lift the write freeze' },
      { name: 'evidence', description: 'write the evidence document' },
    ],
  };
}

export async function createReplica(
  state: FailbackState,
  deps: StepDeps,
): Promise<NonNullable<FailbackState['replica']>> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const db = databaseOf(deps.catalog, plan.database);
  const existing = await findInstance(deps.clients.rdsPrimary, plan.replicaIdentifier);
  if (!existing) {
    await deps.clients.rdsPrimary.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: plan.replicaIdentifier,
        SourceDBInstanceIdentifier: plan.currentPrimary.arn,
        KmsKeyId: deps.catalog.primaryKeyArn,
        ...(db.instanceClass ? { DBInstanceClass: db.instanceClass } : {}),
        ...(db.primarySubnetGroupName ? { DBSubnetGroupName: db.primarySubnetGroupName } : {}),
        ...(db.primarySecurityGroupIds.length > 0 ? { VpcSecurityGroupIds: db.primarySecurityGroupIds } : {}),
        PubliclyAccessible: false,
        DeletionProtection: true,
        CopyTagsToSnapshot: true,
        Tags: [
          { Key: 'rxdr:failback-execution', Value: state.execution.name },
          { Key: 'rxdr:database', Value: db.name },
        ],
      }),
    );
  }
  return {
    startedAt,
    endedAt: deps.clock.now().toISOString(),
    outcome: existing ? 'already-done' : 'done',
    polls: 0,
    waitSeconds: nextWaitSeconds(0),
    status: 'pending',
    detail: existing
      ? `${plan.replicaIdentifier} exists (${existing.DBInstanceStatus})`
      : `creating ${plan.replicaIdentifier}`,
  };
}

export async function checkReplica(
  state: FailbackState,
  deps: StepDeps,
): Promise<NonNullable<FailbackState['replica']>> {
  const replica = required(state.replica, 'replica');
  const plan = required(state.plan, 'plan');
  const instance = await findInstance(deps.clients.rdsPrimary, plan.replicaIdentifier);
  const polls = replica.polls + 1;
  if (instance?.DBInstanceStatus === 'failed' || instance?.DBInstanceStatus?.startsWith('incompatible'))
    throw new StepError(Errors.stepFailed, `${plan.replicaIdentifier} is ${instance.DBInstanceStatus}`);
  if (instance?.DBInstanceStatus !== 'available')
    return {
      ...replica,
      polls,
      waitSeconds: nextWaitSeconds(polls),
      detail: `${plan.replicaIdentifier} is ${instance?.DBInstanceStatus ?? 'not visible yet'}`,
    };
  return {
    ...replica,
    polls,
    status: 'available',
    availableAt: deps.clock.now().toISOString(),
    detail: `${plan.replicaIdentifier} is available`,
  };
}

function freezeParameter(state: FailbackState, deps: StepDeps): string {
  return `${deps.catalog.writeFreezeParameterPrefix}/${state.input.database}`;
}

/** The documented write freeze: a parameter applications honour (and read-only mode in the app tier). */
export async function freezeWrites(
  state: FailbackState,
  deps: StepDeps,
): Promise<NonNullable<FailbackState['freeze']>> {
  const startedAt = deps.clock.now().toISOString();
  const name = freezeParameter(state, deps);
  const current = await parameterValue(deps.clients.ssm, name);
  const frozen = current
    ? (JSON.parse(current) as { frozen?: boolean; since?: string; execution?: string })
    : undefined;
  const since = frozen?.frozen === true && frozen.execution === state.execution.name ? frozen.since : undefined;
  const alreadyFrozen = since !== undefined;
  const frozenAt = since ?? deps.clock.now().toISOString();
  if (!alreadyFrozen) {
    await deps.clients.ssm.send(
      new PutParameterCommand({
        Name: name,
        Type: 'String',
        Overwrite: true,
        Value: JSON.stringify({
          frozen: true,
          since: frozenAt,
          execution: state.execution.name,
          reason: `failback of ${state.input.database}`,
        }),
      }),
    );
  }
  // Announced again when this execution's earlier attempt set the freeze: it may have died before announcing it.
  await deps.clients.sns.send(
    new PublishCommand({
      TopicArn: deps.catalog.topicArn,
      Subject: `rxdr ${deps.catalog.environment}: write freeze on ${state.input.database}`,
      Message: `Writes to ${state.input.database} are frozen since ${frozenAt} for the failback switchover (${state.execution.id}).`,
    }),
  );
  return {
    startedAt,
    endedAt: deps.clock.now().toISOString(),
    parameterName: name,
    frozenAt,
    outcome: alreadyFrozen ? 'already-done' : 'done',
  };
}

export async function checkCaughtUp(
  state: FailbackState,
  deps: StepDeps,
): Promise<NonNullable<FailbackState['catchUp']>> {
  const plan = required(state.plan, 'plan');
  const previous = state.catchUp ?? {
    polls: 0,
    waitSeconds: nextWaitSeconds(0),
    lagSeconds: null,
    zeroLagPolls: 0,
    caughtUp: false,
  };
  // Resumed after the repoint: the failback instance is already the primary clients use. It has no replica
  // lag any more (CloudWatch stops reporting ReplicaLag), and nothing is left to catch up.
  if (plan.currentPrimary.identifier === plan.replicaIdentifier)
    return {
      polls: previous.polls,
      waitSeconds: previous.waitSeconds,
      lagSeconds: 0,
      zeroLagPolls: ZERO_LAG_READINGS,
      caughtUp: true,
      caughtUpAt: deps.clock.now().toISOString(),
    };
  const lag =
    (await latestMetric(deps.clients.cloudwatchPrimary, 'ReplicaLag', plan.replicaIdentifier, deps.clock.now())) ??
    null;
  const zeroLagPolls = lag === 0 ? previous.zeroLagPolls + 1 : 0;
  const polls = previous.polls + 1;
  const caughtUp = zeroLagPolls >= ZERO_LAG_READINGS;
  return {
    polls,
    waitSeconds: nextWaitSeconds(polls),
    lagSeconds: lag,
    zeroLagPolls,
    caughtUp,
    ...(caughtUp ? { caughtUpAt: deps.clock.now().toISOString() } : {}),
  };
}

export async function promote(state: FailbackState, deps: StepDeps): Promise<NonNullable<FailbackState['promotion']>> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const instance = await findInstance(deps.clients.rdsPrimary, plan.replicaIdentifier);
  if (!instance) throw new StepError(Errors.stepFailed, `${plan.replicaIdentifier} disappeared`);
  const alreadyDone = !instance.ReadReplicaSourceDBInstanceIdentifier || instance.DBInstanceStatus !== 'available';
  if (!alreadyDone)
    await deps.clients.rdsPrimary.send(
      new PromoteReadReplicaCommand({ DBInstanceIdentifier: plan.replicaIdentifier, BackupRetentionPeriod: 7 }),
    );
  return {
    startedAt,
    endedAt: deps.clock.now().toISOString(),
    outcome: alreadyDone ? 'already-done' : 'done',
    polls: 0,
    waitSeconds: nextWaitSeconds(0),
    status: 'pending',
  };
}

export async function checkPromoted(
  state: FailbackState,
  deps: StepDeps,
): Promise<NonNullable<FailbackState['promotion']>> {
  const promotion = required(state.promotion, 'promotion');
  const plan = required(state.plan, 'plan');
  const instance = await findInstance(deps.clients.rdsPrimary, plan.replicaIdentifier);
  const polls = promotion.polls + 1;
  if (
    instance?.DBInstanceStatus !== 'available' ||
    instance.ReadReplicaSourceDBInstanceIdentifier ||
    !instance.Endpoint?.Address
  )
    return { ...promotion, polls, waitSeconds: nextWaitSeconds(polls) };
  return {
    ...promotion,
    polls,
    status: 'available',
    availableAt: deps.clock.now().toISOString(),
    endpoint: { host: instance.Endpoint.Address, port: instance.Endpoint.Port ?? 5432 },
  };
}

export async function repointBack(
  state: FailbackState,
  deps: StepDeps,
): Promise<NonNullable<FailbackState['repoint']>> {
  const startedAt = deps.clock.now().toISOString();
  const endpoint = required(state.promotion?.endpoint, 'promotion.endpoint');
  const db = databaseOf(deps.catalog, state.input.database);
  const changes = await repointTargets(
    deps.clients,
    db.repoint,
    endpoint,
    `rxdr failback ${state.execution.name}`,
    deps.catalog.recoveryRegion,
  );
  const pending = changes.some((c) => c.changeId);
  return {
    startedAt,
    endedAt: deps.clock.now().toISOString(),
    changes,
    polls: 0,
    waitSeconds: nextWaitSeconds(0),
    inSync: !pending,
    ...(pending ? {} : { inSyncAt: deps.clock.now().toISOString() }),
  };
}

export async function checkRepoint(
  state: FailbackState,
  deps: StepDeps,
): Promise<NonNullable<FailbackState['repoint']>> {
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

export async function verifyBack(state: FailbackState, deps: StepDeps): Promise<NonNullable<FailbackState['verify']>> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const endpoint = required(state.promotion?.endpoint, 'promotion.endpoint');
  const db = databaseOf(deps.catalog, plan.database);
  const checks = await verifyPointers(deps, db, plan.replicaIdentifier, endpoint, deps.clients.rdsPrimary);
  const failed = checks.filter((c) => !c.ok);
  if (failed.length > 0)
    throw new StepError(
      Errors.stepFailed,
      `verification failed: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`,
    );
  return { startedAt, endedAt: deps.clock.now().toISOString(), checks };
}

export async function unfreeze(state: FailbackState, deps: StepDeps): Promise<NonNullable<FailbackState['unfreeze']>> {
  const startedAt = deps.clock.now().toISOString();
  await deps.clients.ssm.send(
    new PutParameterCommand({
      Name: freezeParameter(state, deps),
      Type: 'String',
      Overwrite: true,
      Value: JSON.stringify({ frozen: false, since: deps.clock.now().toISOString(), execution: state.execution.name }),
    }),
  );
  return { startedAt, endedAt: deps.clock.now().toISOString() };
}

export async function recordFailbackEvidence(
  state: FailbackState,
  status: 'completed' | 'failed' | 'aborted',
  deps: StepDeps,
): Promise<{ location: string; result: 'passed' | 'failed' }> {
  const now = deps.clock.now().toISOString();
  const db = databaseOf(deps.catalog, state.input.database);
  const started = state.execution.startTime ?? state.plan?.startedAt ?? now;
  const steps: RunbookStep[] = [];
  const add = (
    name: string,
    from: string | undefined,
    to: string | undefined,
    outcome: RunbookStep['outcome'] = 'done',
  ) => {
    if (from)
      steps.push({
        name,
        startedAt: from,
        ...(to ? { endedAt: to, durationSeconds: secondsBetween(from, to) } : {}),
        outcome,
      });
  };
  add('preflight', state.plan?.startedAt, state.plan?.endedAt);
  if (state.approval) add('approval', state.plan?.endedAt, state.approval.approvedAt);
  add('create-replica', state.replica?.startedAt, state.replica?.endedAt, state.replica?.outcome);
  add('wait-replica', state.replica?.endedAt, state.replica?.availableAt);
  add('freeze-writes', state.freeze?.startedAt, state.freeze?.endedAt, state.freeze?.outcome);
  add('catch-up', state.freeze?.endedAt, state.catchUp?.caughtUpAt);
  add('promote', state.promotion?.startedAt, state.promotion?.availableAt, state.promotion?.outcome);
  add('repoint', state.repoint?.startedAt, state.repoint?.inSyncAt);
  add('verify', state.verify?.startedAt, state.verify?.endedAt);
  add('unfreeze', state.unfreeze?.startedAt, state.unfreeze?.endedAt);
  const freezeSeconds =
    state.freeze && state.unfreeze ? secondsBetween(state.freeze.frozenAt, state.unfreeze.endedAt) : undefined;
  const passed = status === 'completed';
  const reason = passed
    ? undefined
    : status === 'aborted'
      ? `aborted${state.failure?.Error === 'States.Timeout' ? ': nobody approved before the approval timeout' : ' by an operator'}`
      : `${state.failure?.Error ?? 'error'} at ${state.failedStep ?? 'unknown'}: ${state.failure?.Cause ?? ''}`;
  const doc: EvidenceDocument = parseEvidence({
    schemaVersion: 1,
    runId: state.execution.name,
    kind: 'failover',
    environment: deps.catalog.environment,
    provider: 'aws',
    database: db.name,
    tier: db.tier,
    targets: { rtoSeconds: db.rtoSeconds, rpoSeconds: 0 },
    ...(state.plan
      ? {
          source: {
            id: state.plan.currentPrimary.arn,
            kind: 'replica',
            recoveryPointTime: state.catchUp?.caughtUpAt ?? now,
            sourceDatabase: state.plan.currentPrimary.identifier,
          },
        }
      : {}),
    ...(state.promotion?.endpoint
      ? {
          target: {
            identifier: state.plan?.replicaIdentifier ?? db.failbackInstanceIdentifier,
            engine: 'postgres',
            endpoint: `${state.promotion.endpoint.host}:${state.promotion.endpoint.port}`,
          },
        }
      : {}),
    timestamps: {
      started,
      ...(state.freeze ? { disaster: state.freeze.frozenAt } : {}),
      ...(state.promotion?.availableAt ? { available: state.promotion.availableAt } : {}),
      recorded: now,
    },
    ...(freezeSeconds !== undefined ? { achievedRtoSeconds: freezeSeconds } : {}),
    ...(state.catchUp?.caughtUp ? { achievedRpoSeconds: 0 } : {}),
    result: passed ? 'passed' : 'failed',
    ...(reason ? { failureReason: reason, failedStep: state.failedStep ?? 'unknown' } : {}),
    checks: (state.verify?.checks ?? []).map((c) => ({
      id: `failback.${c.name}`,
      category: 'failback',
      status: c.ok ? 'passed' : 'failed',
      message: c.detail,
    })),
    cleanup: {
      status: 'not-needed',
      message:
        'the old recovery-region primary is kept until the DR replica is rebuilt (see docs/runbooks/failback.md)',
      resources: [],
    },
    startedBy: state.input.startedBy,
    toolVersion: deps.catalog.toolVersion,
    metrics: freezeSeconds !== undefined ? { writeFreezeSeconds: freezeSeconds } : {},
    runbook: {
      operation: 'failback',
      strategy: 'planned-switchover',
      reason: state.input.reason,
      dryRun: state.input.dryRun,
      executionArn: state.execution.id,
      ...(state.approval ? { approvedBy: state.approval.approvedBy, approvedAt: state.approval.approvedAt } : {}),
      status,
      steps,
      repointed: [
        ...(state.repoint?.changes ?? []).map((c) => ({ kind: c.kind, name: c.name, value: c.value })),
        ...(state.freeze
          ? [
              {
                kind: 'write-freeze' as const,
                name: state.freeze.parameterName,
                value: state.unfreeze ? 'lifted' : 'frozen',
              },
            ]
          : []),
      ],
    },
  });
  // A step can die after setting the freeze but before its result reached the state: ask SSM, not the state.
  const stillFrozen =
    !state.unfreeze &&
    (state.freeze !== undefined ||
      (status !== 'completed' && isFrozen(await parameterValue(deps.clients.ssm, freezeParameter(state, deps)))));
  // Safe to retry: an earlier attempt of this step that wrote the document before it died counts as written.
  const location = await new S3EvidenceStore(deps.clients.s3, deps.catalog.evidenceBucket, 'failback').put(doc);
  await clearApproval(state.execution.name, deps);
  await deps.clients.sns.send(
    new PublishCommand({
      TopicArn: deps.catalog.topicArn,
      Subject: `rxdr ${deps.catalog.environment}: failback of ${db.name} ${status}`,
      Message: `The failback of ${db.name} ${status}.${reason ? ` ${reason}` : ''}${stillFrozen ? `\nThe write freeze ${freezeParameter(state, deps)} is STILL SET: lift it once clients point at a writable primary (or start the failback again to resume).` : ''}\nExecution: ${state.execution.id}\nEvidence: ${location}`,
    }),
  );
  return { location, result: doc.result };
}

function isFrozen(value: string | undefined): boolean {
  try {
    return value !== undefined && (JSON.parse(value) as { frozen?: unknown }).frozen === true;
  } catch {
    return false;
  }
}

function secondsBetween(from: string, to: string): number {
  return Math.max(0, (new Date(to).getTime() - new Date(from).getTime()) / 1000);
}
