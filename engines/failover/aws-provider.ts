import { S3EvidenceStore } from '../evidence/store';
import type { StepDeps } from './clients';
import { databaseOf } from './catalog';
import * as failback from './failback-steps';
import * as steps from './failover-steps';
import type { FailbackProvider, FailoverProvider } from './provider';
import type { FailoverState } from './failover-steps/state';
import type { FailbackState } from './failback-steps';
import { isClusterDatabase } from './cluster/aws-clusters';
import { clusterFailbackSteps } from './cluster/failback';
import { checkClusterRecovery, clusterPreflight, startClusterRecovery } from './cluster/failover';
import * as clusterPointInTime from './cluster/point-in-time';

/**
 * The failover provider the state machine's tasks run against: each method is one AWS step of
 * `failover-steps/` over the runbook's clients and catalog. No `freeze`: AWS clients follow the repointed
 * names, and the old primary is unreachable or refused by preflight. An Aurora cluster's preflight and recovery
 * are `cluster/failover.ts`'s (its point-in-time restore, in the primary region, `cluster/point-in-time.ts`'s, which
 * also verifies there); validation, repoint and evidence are the same for every database.
 */
export function awsFailoverProvider(deps: StepDeps): FailoverProvider {
  const cluster = (state: FailoverState) => isClusterDatabase(deps.catalog, state.input.database);
  const pointInTime = (state: FailoverState) =>
    cluster(state) &&
    clusterPointInTime.isClusterPointInTime(state, databaseOf(deps.catalog, state.input.database).defaultStrategy);
  return {
    name: 'aws',
    preflight: (state) =>
      (pointInTime(state)
        ? clusterPointInTime.clusterPointInTimePreflight
        : cluster(state)
          ? clusterPreflight
          : steps.preflight)(state, deps),
    startRecovery: (state) =>
      (pointInTime(state)
        ? clusterPointInTime.startClusterPointInTime
        : cluster(state)
          ? startClusterRecovery
          : steps.startRecovery)(state, deps),
    checkRecovery: (state) =>
      (pointInTime(state)
        ? clusterPointInTime.checkClusterPointInTime
        : cluster(state)
          ? checkClusterRecovery
          : steps.checkRecovery)(state, deps),
    validate: (state) => steps.recordValidation(state, deps),
    repoint: (state) => steps.repoint(state, deps),
    checkRepoint: (state) => steps.checkRepoint(state, deps),
    verify: (state) => (pointInTime(state) ? clusterPointInTime.verifyClusterPointInTime : steps.verify)(state, deps),
    storeEvidence: (doc) => new S3EvidenceStore(deps.clients.s3, deps.catalog.evidenceBucket, 'failover').put(doc),
  };
}

/**
 * The failback provider the failback state machine's tasks run against: each method one step of `failback-steps/`.
 * An Aurora cluster's preflight, switch back and its checks are `cluster/failback.ts`'s; the freeze, repoint,
 * verification and unfreeze are the same for both.
 */
export function awsFailbackProvider(deps: StepDeps): FailbackProvider {
  const steps = (state: FailbackState) =>
    isClusterDatabase(deps.catalog, state.input.database) ? { ...failback, ...clusterFailbackSteps } : failback;
  return {
    name: 'aws',
    preflight: (state) => steps(state).preflight(state, deps),
    createReplica: (state) => steps(state).createReplica(state, deps),
    checkReplica: (state) => steps(state).checkReplica(state, deps),
    freeze: (state) => failback.freezeWrites(state, deps),
    checkCaughtUp: (state) => steps(state).checkCaughtUp(state, deps),
    promote: (state) => steps(state).promote(state, deps),
    checkPromoted: (state) => steps(state).checkPromoted(state, deps),
    repoint: (state) => failback.repointBack(state, deps),
    checkRepoint: (state) => failback.checkRepoint(state, deps),
    verify: (state) => failback.verifyBack(state, deps),
    unfreeze: (state) => failback.unfreeze(state, deps),
    storeEvidence: (doc) => new S3EvidenceStore(deps.clients.s3, deps.catalog.evidenceBucket, 'failback').put(doc),
  };
}
