/** The outcome: the notification and the evidence document. */
import { secondsBetween } from '../../common/clock';
import { PublishCommand } from '@aws-sdk/client-sns';
import { buildEvidence, type EvidenceDocument, type RunbookStep } from '../../evidence/schema';
import { decideOutcome } from '../../evidence/outcome';
import { S3EvidenceStore } from '../../evidence/store';
import { databaseOf } from '../catalog';
import type { StepDeps } from '../clients';
import { awsEvidenceContext, repointedEntries, runbookEvidenceIdentity, RunbookStepTrail } from '../runbook-evidence';
import type { RunbookEvidenceContext } from '../runbook-evidence';
import { FailoverState } from './state';
import { clearApproval } from './approval';
import { required } from './required';

export async function notifyResult(
  state: FailoverState,
  deps: StepDeps,
): Promise<{ startedAt: string; endedAt: string }> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const endpoint = required(state.recovery?.endpoint, 'recovery.endpoint');
  // A cluster's point-in-time restore lands in its own (primary) region, which its source names.
  const region = plan.source?.details?.region ?? deps.catalog.recoveryRegion;
  await deps.clients.sns.send(
    new PublishCommand({
      TopicArn: deps.catalog.topicArn,
      Subject: `rxdr ${deps.catalog.environment}: ${plan.database} failed over to ${region}`,
      Message:
        `${plan.database} now runs on ${state.recovery?.instanceIdentifier} ` +
        `(${endpoint.host}:${endpoint.port}) in ${region}; clients are ` +
        `repointed and verified.\nExecution: ${state.execution.id}\nFail back later with: rxdr ` +
        `failback plan --env ${deps.catalog.environment} --database ${plan.database}`,
    }),
  );
  return { startedAt, endedAt: deps.clock.now().toISOString() };
}

/** What the evidence says about where a failover ran, besides what its state holds. */
export interface FailoverEvidenceContext extends RunbookEvidenceContext {
  readonly targets: { readonly rtoSeconds: number; readonly rpoSeconds: number };
  /** The protected primary (evidence `source.sourceDatabase`). */
  readonly sourceDatabase: string;
  readonly defaultStrategy: string;
  /** When the disaster struck, if known (a game day's injected fault); else the run's start. */
  readonly disasterAt?: string;
  readonly target?: Partial<EvidenceDocument['target']>;
}

/**
 * The evidence document of a completed, failed or aborted failover, from its state: the same document whichever
 * provider ran the steps (built by `buildEvidence`, the one evidence builder).
 */
export function failoverEvidence(
  state: FailoverState,
  status: 'completed' | 'failed' | 'aborted',
  context: FailoverEvidenceContext,
  now: Date,
): EvidenceDocument {
  const plan = state.plan;
  const started = state.execution.startTime ?? plan?.startedAt ?? now.toISOString();
  const disaster = context.disasterAt ?? started;
  const steps = failoverSteps(state, status);
  const verifiedAt = state.verify?.endedAt;
  // A failed validation explains itself through its checks; other failures through the caught error.
  const failure =
    status === 'completed' || (!state.failure && status === 'failed')
      ? undefined
      : { step: state.failedStep ?? 'unknown', reason: failureReason(state, status) };
  const achievedRpoSeconds = state.validation?.achievedRpoSeconds ?? plan?.expectedDataLossSeconds ?? undefined;
  const achievedRtoSeconds = verifiedAt ? secondsBetween(disaster, verifiedAt) : undefined;
  const outcome = decideOutcome({
    targets: context.targets,
    ...(achievedRtoSeconds !== undefined ? { achievedRtoSeconds } : {}),
    ...(achievedRpoSeconds !== undefined && achievedRpoSeconds !== null ? { achievedRpoSeconds } : {}),
    ...(state.validation ? { validation: { passed: state.validation.passed, checks: state.validation.checks } } : {}),
    ...(failure ? { failure } : {}),
  });
  const endpoint = state.recovery?.endpoint;
  return buildEvidence({
    ...runbookEvidenceIdentity(state.execution.name, context),
    targets: context.targets,
    ...(plan?.source
      ? {
          source: {
            id: plan.source.id,
            kind: plan.source.kind,
            recoveryPointTime: plan.source.recoveryPointTime,
            sourceDatabase: context.sourceDatabase,
            ...(plan.source.details ? { details: plan.source.details } : {}),
          },
        }
      : {}),
    ...(state.recovery
      ? {
          target: {
            identifier: state.recovery.instanceIdentifier,
            engine: 'postgres',
            ...(endpoint ? { endpoint: `${endpoint.host}:${endpoint.port}` } : {}),
            ...context.target,
          },
        }
      : {}),
    timestamps: {
      started,
      disaster,
      ...(state.recovery ? { restoreStarted: state.recovery.startedAt } : {}),
      ...(state.recovery?.availableAt ? { available: state.recovery.availableAt } : {}),
      ...(state.validation ? { validated: state.validation.endedAt } : {}),
      recorded: now.toISOString(),
    },
    ...(achievedRtoSeconds !== undefined ? { achievedRtoSeconds } : {}),
    ...(achievedRpoSeconds !== undefined && achievedRpoSeconds !== null ? { achievedRpoSeconds } : {}),
    result: status === 'completed' ? outcome.result : 'failed',
    ...(outcome.failureReason ? { failureReason: outcome.failureReason } : {}),
    ...(outcome.failedStep ? { failedStep: outcome.failedStep } : {}),
    checks: outcome.checks,
    cleanup: context.cleanup ?? { status: 'not-needed', message: 'a failover keeps what it recovered', resources: [] },
    startedBy: state.input.startedBy,
    toolVersion: context.toolVersion,
    ...(context.metrics ? { metrics: context.metrics } : {}),
    runbook: {
      operation: 'failover',
      strategy: plan?.strategy ?? state.input.strategy ?? context.defaultStrategy,
      reason: state.input.reason,
      ...(state.input.force ? { forcedReason: state.input.force.reason } : {}),
      dryRun: state.input.dryRun,
      executionArn: state.execution.id,
      ...(state.approval ? { approvedBy: state.approval.approvedBy, approvedAt: state.approval.approvedAt } : {}),
      ...(state.activation ? { contingencyPlanActivatedAt: state.activation.activatedAt } : {}),
      status,
      steps,
      repointed: repointedEntries(state.repoint?.changes ?? []),
    },
  });
}

/** Build the evidence document of a completed, failed or aborted failover and write it (never overwriting). */
export async function recordFailoverEvidence(
  state: FailoverState,
  status: 'completed' | 'failed' | 'aborted',
  deps: StepDeps,
): Promise<{ location: string; result: 'passed' | 'failed'; failureReason?: string }> {
  const db = databaseOf(deps.catalog, state.input.database);
  const doc = failoverEvidence(
    state,
    status,
    {
      ...awsEvidenceContext(db, deps),
      targets: { rtoSeconds: db.rtoSeconds, rpoSeconds: db.rpoSeconds },
      sourceDatabase: db.primaryInstanceIdentifier,
      defaultStrategy: db.defaultStrategy,
      ...(db.cluster ? { target: { engine: 'aurora-postgresql' } } : {}),
    },
    deps.clock.now(),
  );
  const failure =
    status === 'completed' || (!state.failure && status === 'failed')
      ? undefined
      : { reason: failureReason(state, status) };
  // Safe to retry: an earlier attempt of this step that wrote the document before it died counts as written.
  const location = await new S3EvidenceStore(deps.clients.s3, deps.catalog.evidenceBucket, 'failover').put(doc);
  if (status !== 'completed') {
    await clearApproval(state.execution.name, deps);
    await deps.clients.sns.send(
      new PublishCommand({
        TopicArn: deps.catalog.topicArn,
        Subject: `rxdr ${deps.catalog.environment}: failover of ${db.name} ${status}`,
        Message:
          `The failover of ${db.name} ${status}${state.failedStep ? ` at ${state.failedStep}` : ''}: ` +
          `${failure?.reason ?? ''}\nStart it again to resume: steps already done are found and not ` +
          `repeated.\nExecution: ${state.execution.id}\nEvidence: ${location}`,
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
  const trail = new RunbookStepTrail();
  const add = trail.add.bind(trail);
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
  add('freeze', state.freeze?.startedAt, state.freeze?.endedAt, 'done', state.freeze?.detail);
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
  add('unfreeze', state.unfreeze?.startedAt, state.unfreeze?.endedAt, 'done', state.unfreeze?.detail);
  if (status !== 'completed' && state.failedStep) {
    const at = lastStepTime(state);
    trail.steps.push({
      name: state.failedStep,
      startedAt: at,
      outcome: 'failed',
      detail: state.failure?.Error ?? status,
    });
  }
  return trail.steps;
}

function lastStepTime(state: FailoverState): string {
  const times = [
    state.plan?.endedAt,
    state.approval?.approvedAt,
    state.activation?.endedAt,
    state.freeze?.endedAt,
    state.recovery?.endedAt,
    state.validation?.endedAt,
    state.repoint?.endedAt,
    state.verify?.endedAt,
  ].filter((t): t is string => t !== undefined);
  return times.sort().at(-1) ?? state.execution.startTime ?? new Date(0).toISOString();
}
