/** Repoint clients back at the primary region and verify every pointer. */
import { databaseOf } from '../catalog';
import type { StepDeps } from '../clients';
import { required, throwUnlessVerified, verifiedPointers } from '../failover-steps';
import { FailbackState } from './state';
import { pollRepoint, startRepoint } from '../repoint-progress';
import { repointThroughGlobalWriterEndpoint, throughGlobalWriterEndpoint } from '../cluster/global-writer-endpoint';

export async function repointBack(
  state: FailbackState,
  deps: StepDeps,
): Promise<NonNullable<FailbackState['repoint']>> {
  const endpoint = required(state.promotion?.endpoint, 'promotion.endpoint');
  const db = databaseOf(deps.catalog, state.input.database);
  const comment = `rxdr failback ${state.execution.name}`;
  // A cluster fails back by switching its global database over: its writer endpoint follows. A detached
  // secondary's failback switches a new global database whose endpoint no pointer names: repointed directly.
  if (!state.plan?.rebuild && throughGlobalWriterEndpoint(db, 'global-switchover'))
    return repointThroughGlobalWriterEndpoint(deps, db, endpoint, comment);
  return startRepoint(deps, db, endpoint, comment);
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
  // A cluster fails back by switching its global database over; the option never applies to an instance. After
  // a detached secondary's failback the pointers name the new primary's cluster endpoint, as after a detach.
  const checks = await verifiedPointers(deps, db, plan.rebuild ? 'detach-and-promote' : 'global-switchover', {
    identifier: plan.replicaIdentifier,
    region: deps.catalog.primaryRegion,
    endpoint,
    rds: deps.clients.rdsPrimary,
  });
  throwUnlessVerified(checks);
  return { startedAt, endedAt: deps.clock.now().toISOString(), checks };
}
