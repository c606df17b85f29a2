import { S3EvidenceStore } from '../evidence/store';
import type { StepDeps } from './clients';
import * as failback from './failback-steps';
import * as steps from './failover-steps';
import type { FailbackProvider, FailoverProvider } from './provider';

/**
 * The failover provider the state machine's tasks run against: each method is one AWS step of
 * `failover-steps/` over the runbook's clients and catalog. No `freeze`: AWS clients follow the repointed
 * names, and the old primary is unreachable or refused by preflight.
 */
export function awsFailoverProvider(deps: StepDeps): FailoverProvider {
  return {
    name: 'aws',
    preflight: (state) => steps.preflight(state, deps),
    startRecovery: (state) => steps.startRecovery(state, deps),
    checkRecovery: (state) => steps.checkRecovery(state, deps),
    validate: (state) => steps.validateRecovered(state, deps),
    repoint: (state) => steps.repoint(state, deps),
    checkRepoint: (state) => steps.checkRepoint(state, deps),
    verify: (state) => steps.verify(state, deps),
    storeEvidence: (doc) => new S3EvidenceStore(deps.clients.s3, deps.catalog.evidenceBucket, 'failover').put(doc),
  };
}

/** The failback provider the failback state machine's tasks run against: each method one step of `failback-steps/`. */
export function awsFailbackProvider(deps: StepDeps): FailbackProvider {
  return {
    name: 'aws',
    preflight: (state) => failback.preflight(state, deps),
    createReplica: (state) => failback.createReplica(state, deps),
    checkReplica: (state) => failback.checkReplica(state, deps),
    freeze: (state) => failback.freezeWrites(state, deps),
    checkCaughtUp: (state) => failback.checkCaughtUp(state, deps),
    promote: (state) => failback.promote(state, deps),
    checkPromoted: (state) => failback.checkPromoted(state, deps),
    repoint: (state) => failback.repointBack(state, deps),
    checkRepoint: (state) => failback.checkRepoint(state, deps),
    verify: (state) => failback.verifyBack(state, deps),
    unfreeze: (state) => failback.unfreeze(state, deps),
    storeEvidence: (doc) => new S3EvidenceStore(deps.clients.s3, deps.catalog.evidenceBucket, 'failback').put(doc),
  };
}
