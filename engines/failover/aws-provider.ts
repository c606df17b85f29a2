import { S3EvidenceStore } from '../evidence/store';
import type { StepDeps } from './clients';
import * as steps from './failover-steps';
import type { FailoverProvider } from './provider';

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
