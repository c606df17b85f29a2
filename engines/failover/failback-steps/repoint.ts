/** Repoint clients back at the primary region and verify every pointer. */
import { changeInSync, nextWaitSeconds, repointTargets } from '../aws-helpers';
import { databaseOf, Errors, StepError } from '../catalog';
import type { StepDeps } from '../clients';
import { required, verifyPointers } from '../failover-steps';
import { FailbackState } from './state';

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
