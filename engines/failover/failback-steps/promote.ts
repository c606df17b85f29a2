/** Promotion of the caught-up replica in the primary region. */
import { PromoteReadReplicaCommand } from '@aws-sdk/client-rds';
import { EVENT_WAIT_SAFETY_NET_SECONDS, findInstance } from '../aws-helpers';
import { Errors, StepError } from '../catalog';
import type { StepDeps } from '../clients';
import { required } from '../failover-steps';
import { lookAtReplica, waitStarted } from './replica-wait';
import { FailbackState } from './state';

export async function promote(state: FailbackState, deps: StepDeps): Promise<NonNullable<FailbackState['promotion']>> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const instance = await findInstance(deps.clients.rdsPrimary, plan.replicaIdentifier);
  if (!instance) throw new StepError(Errors.stepFailed, `${plan.replicaIdentifier} disappeared`);
  if (!instance.Endpoint?.Address)
    throw new StepError(Errors.stepFailed, `${plan.replicaIdentifier} reports no endpoint to repoint clients at`);
  const alreadyDone = !instance.ReadReplicaSourceDBInstanceIdentifier || instance.DBInstanceStatus !== 'available';
  if (!alreadyDone)
    await deps.clients.rdsPrimary.send(
      new PromoteReadReplicaCommand({ DBInstanceIdentifier: plan.replicaIdentifier, BackupRetentionPeriod: 7 }),
    );
  // A promoted replica keeps its endpoint: the repoint that follows at once names it.
  return {
    ...waitStarted(deps, startedAt, alreadyDone ? 'already-done' : 'done'),
    endpoint: { host: instance.Endpoint.Address, port: instance.Endpoint.Port ?? 5432 },
  };
}

export async function checkPromoted(
  state: FailbackState,
  deps: StepDeps,
): Promise<NonNullable<FailbackState['promotion']>> {
  const { record: promotion, instance, polls } = await lookAtReplica(state, deps, 'promotion');
  if (
    instance?.DBInstanceStatus !== 'available' ||
    instance.ReadReplicaSourceDBInstanceIdentifier ||
    !instance.Endpoint?.Address
  )
    return { ...promotion, polls, waitSeconds: EVENT_WAIT_SAFETY_NET_SECONDS };
  return {
    ...promotion,
    polls,
    status: 'available',
    availableAt: deps.clock.now().toISOString(),
    endpoint: { host: instance.Endpoint.Address, port: instance.Endpoint.Port ?? 5432 },
  };
}
