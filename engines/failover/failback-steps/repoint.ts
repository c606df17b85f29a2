/** Repoint clients back at the primary region and verify every pointer. */
import { databaseOf } from '../catalog';
import type { StepDeps } from '../clients';
import { required, throwUnlessVerified, verifyPointers } from '../failover-steps';
import { FailbackState } from './state';
import { pollRepoint, startRepoint } from '../repoint-progress';
import {
  repointThroughGlobalWriterEndpoint,
  throughGlobalWriterEndpoint,
  verifyThroughGlobalWriterEndpoint,
} from '../cluster/global-writer-endpoint';

export async function repointBack(
  state: FailbackState,
  deps: StepDeps,
): Promise<NonNullable<FailbackState['repoint']>> {
  const endpoint = required(state.promotion?.endpoint, 'promotion.endpoint');
  const db = databaseOf(deps.catalog, state.input.database);
  const comment = `rxdr failback ${state.execution.name}`;
  // A cluster fails back by switching its global database over: its writer endpoint follows.
  if (throughGlobalWriterEndpoint(db, 'global-switchover'))
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
  const id = plan.replicaIdentifier;
  const rds = deps.clients.rdsPrimary;
  const checks = throughGlobalWriterEndpoint(db, 'global-switchover')
    ? await verifyThroughGlobalWriterEndpoint(
        deps,
        db,
        { identifier: id, region: deps.catalog.primaryRegion, port: endpoint.port },
        (host) => verifyPointers(deps, db, id, { host, port: endpoint.port }, rds),
      )
    : await verifyPointers(deps, db, id, endpoint, rds);
  throwUnlessVerified(checks);
  return { startedAt, endedAt: deps.clock.now().toISOString(), checks };
}
