/** Repoint clients back at the primary region and verify every pointer. */
import { databaseOf } from '../catalog';
import type { StepDeps } from '../clients';
import { required, throwUnlessVerified, verifyPointers } from '../failover-steps';
import { FailbackState } from './state';
import { pollRepoint, startRepoint } from '../repoint-progress';

export async function repointBack(
  state: FailbackState,
  deps: StepDeps,
): Promise<NonNullable<FailbackState['repoint']>> {
  const endpoint = required(state.promotion?.endpoint, 'promotion.endpoint');
  const db = databaseOf(deps.catalog, state.input.database);
  return startRepoint(deps, db, endpoint, `rxdr failback ${state.execution.name}`);
}

export async function checkRepoint(
  state: FailbackState,
  deps: StepDeps,
): Promise<NonNullable<FailbackState['repoint']>> {
  return pollRepoint(required(state.repoint, 'repoint'), deps);
}

export async function verifyBack(state: FailbackState, deps: StepDeps): Promise<NonNullable<FailbackState['verify']>> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const endpoint = required(state.promotion?.endpoint, 'promotion.endpoint');
  const db = databaseOf(deps.catalog, plan.database);
  const checks = await verifyPointers(deps, db, plan.replicaIdentifier, endpoint, deps.clients.rdsPrimary);
  throwUnlessVerified(checks);
  return { startedAt, endedAt: deps.clock.now().toISOString(), checks };
}
