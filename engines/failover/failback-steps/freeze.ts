/** The write freeze applications honour while the replica catches up, and its release. */
import { PublishCommand } from '@aws-sdk/client-sns';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { findInstance, latestMetric, nextWaitSeconds, nextWholeMinute, parameterValue } from '../aws-helpers';
import type { StepDeps } from '../clients';
import { required } from '../failover-steps';
import { FailbackState } from './state';
import { ZERO_LAG_READINGS } from './preflight';

export function freezeParameter(state: FailbackState, deps: StepDeps): string {
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
  // Resumed after the repoint (the failback instance is the primary clients use), or after a promotion this
  // failback started once the replica had caught up (a standalone instance): it reports no ReplicaLag any more,
  // so waiting for a reading would never end, and nothing is left to catch up.
  const promoted =
    plan.currentPrimary.identifier === plan.replicaIdentifier ||
    (await findInstance(deps.clients.rdsPrimary, plan.replicaIdentifier).then(
      (instance) => instance !== undefined && !instance.ReadReplicaSourceDBInstanceIdentifier,
    ));
  if (promoted)
    return {
      polls: previous.polls,
      waitSeconds: previous.waitSeconds,
      lagSeconds: 0,
      zeroLagPolls: ZERO_LAG_READINGS,
      caughtUp: true,
      caughtUpAt: deps.clock.now().toISOString(),
    };
  // Only readings of minutes wholly after the freeze count: a zero from before it says nothing about the writes
  // made just before the freeze, and a promotion before they arrive would lose them.
  const since = nextWholeMinute(new Date(required(state.freeze, 'freeze').frozenAt));
  const now = deps.clock.now();
  const lag =
    since < now
      ? ((await latestMetric(
          deps.clients.cloudwatchPrimary,
          'ReplicaLag',
          plan.replicaIdentifier,
          now,
          'DBInstanceIdentifier',
          since,
        )) ?? null)
      : null;
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

export function isFrozen(value: string | undefined): boolean {
  try {
    return value !== undefined && (JSON.parse(value) as { frozen?: unknown }).frozen === true;
  } catch {
    return false;
  }
}
