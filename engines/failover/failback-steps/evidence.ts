/** The outcome: the notification and the evidence document. */
import { secondsBetween } from '../../common/clock';
import { PublishCommand } from '@aws-sdk/client-sns';
import { buildEvidence, type EvidenceDocument } from '../../evidence/schema';
import { S3EvidenceStore } from '../../evidence/store';
import { parameterValue } from '../aws-helpers';
import { databaseOf } from '../catalog';
import type { StepDeps } from '../clients';
import { awsEvidenceContext, repointedEntries, runbookEvidenceIdentity, RunbookStepTrail } from '../runbook-evidence';
import type { RunbookEvidenceContext } from '../runbook-evidence';
import { clearApproval } from '../failover-steps';
import { FailbackState } from './state';
import { freezeParameter, isFrozen } from './freeze';

/** What the evidence says about where a failback ran, besides what its state holds. */
export interface FailbackEvidenceContext extends RunbookEvidenceContext {
  readonly rtoSeconds: number;
  /** Where the failback lands when the plan does not say (the catalog's failback instance). */
  readonly failbackTarget: string;
  /** What the target is besides its identifier and endpoint (a cluster's engine). */
  readonly target?: Partial<EvidenceDocument['target']>;
}

/**
 * The evidence document of a completed, failed or aborted failback, from its state: the same document whichever
 * provider ran the steps (recorded as kind `failover`, operation `failback`).
 */
export function failbackEvidence(
  state: FailbackState,
  status: 'completed' | 'failed' | 'aborted',
  context: FailbackEvidenceContext,
  now: Date,
): EvidenceDocument {
  const recorded = now.toISOString();
  const started = state.execution.startTime ?? state.plan?.startedAt ?? recorded;
  const trail = new RunbookStepTrail();
  const add = trail.add.bind(trail);
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
  return buildEvidence({
    ...runbookEvidenceIdentity(state.execution.name, context),
    targets: { rtoSeconds: context.rtoSeconds, rpoSeconds: 0 },
    ...(state.plan
      ? {
          source: {
            id: state.plan.currentPrimary.arn,
            kind: 'replica',
            recoveryPointTime: state.catchUp?.caughtUpAt ?? recorded,
            sourceDatabase: state.plan.currentPrimary.identifier,
          },
        }
      : {}),
    ...(state.promotion?.endpoint
      ? {
          target: {
            identifier: state.plan?.replicaIdentifier ?? context.failbackTarget,
            engine: 'postgres',
            endpoint: `${state.promotion.endpoint.host}:${state.promotion.endpoint.port}`,
            ...context.target,
          },
        }
      : {}),
    timestamps: {
      started,
      ...(state.freeze ? { disaster: state.freeze.frozenAt } : {}),
      ...(state.promotion?.availableAt ? { available: state.promotion.availableAt } : {}),
      recorded,
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
    cleanup: context.cleanup ??
      (state.plan?.rebuild ? leftForOperator(state.plan.rebuild.leftForOperator) : undefined) ?? {
        status: 'not-needed',
        message:
          'the old recovery-region primary is kept until the DR replica is rebuilt (see docs/runbooks/failback.md)',
        resources: [],
      },
    startedBy: state.input.startedBy,
    toolVersion: context.toolVersion,
    metrics: { ...(freezeSeconds !== undefined ? { writeFreezeSeconds: freezeSeconds } : {}), ...context.metrics },
    runbook: {
      operation: 'failback',
      strategy: 'planned-switchover',
      reason: state.input.reason,
      dryRun: state.input.dryRun,
      executionArn: state.execution.id,
      ...(state.approval ? { approvedBy: state.approval.approvedBy, approvedAt: state.approval.approvedAt } : {}),
      status,
      steps: trail.steps,
      repointed: [
        ...repointedEntries(state.repoint?.changes ?? []),
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
}

/** A detached secondary's failback leaves the old primary cluster and its global database to the operator. */
function leftForOperator(resources: string[]) {
  return {
    status: 'kept' as const,
    message:
      'left for the operator, never changed or deleted by the runbook: the old primary cluster (the data it held ' +
      'at the detach) and its old global database; delete them once nothing needs that data',
    resources,
  };
}

export async function recordFailbackEvidence(
  state: FailbackState,
  status: 'completed' | 'failed' | 'aborted',
  deps: StepDeps,
): Promise<{ location: string; result: 'passed' | 'failed' }> {
  const db = databaseOf(deps.catalog, state.input.database);
  const doc = failbackEvidence(
    state,
    status,
    {
      ...awsEvidenceContext(db, deps),
      rtoSeconds: db.rtoSeconds,
      failbackTarget: db.failbackInstanceIdentifier,
      ...(db.cluster ? { target: { engine: 'aurora-postgresql' } } : {}),
    },
    deps.clock.now(),
  );
  const reason = doc.failureReason;
  // A step can die after setting the freeze but before its result reached the state: ask SSM, not the state.
  const stillFrozen =
    !state.unfreeze &&
    (state.freeze !== undefined ||
      (status !== 'completed' && isFrozen(await parameterValue(deps.clients.ssm, freezeParameter(state, deps)))));
  // Safe to retry: an earlier attempt of this step that wrote the document before it died counts as written.
  const location = await new S3EvidenceStore(deps.clients.s3, deps.catalog.evidenceBucket, 'failback').put(doc);
  await clearApproval(state.execution.name, deps);
  const frozenWarning = stillFrozen
    ? `\nThe write freeze ${freezeParameter(state, deps)} is STILL SET: lift it once clients point at a ` +
      'writable primary (or start the failback again to resume).'
    : '';
  await deps.clients.sns.send(
    new PublishCommand({
      TopicArn: deps.catalog.topicArn,
      Subject: `rxdr ${deps.catalog.environment}: failback of ${db.name} ${status}`,
      Message:
        `The failback of ${db.name} ` +
        `${status}.${reason ? ` ${reason}` : ''}` +
        `${frozenWarning}\nExecution: ` +
        `${state.execution.id}\nEvidence: ${location}`,
    }),
  );
  return { location, result: doc.result };
}
