import { S3EvidenceStore } from '../evidence/store';
import type { StepDeps } from './clients';
import * as steps from './failover-steps';
import type { FailoverProvider } from './provider';
import type { FailoverState } from './failover-steps/state';
import { isClusterDatabase } from './cluster/aws-clusters';
import { checkClusterRecovery, clusterPreflight, startClusterRecovery } from './cluster/failover';

/**
 * The failover provider the state machine's tasks run against: each method is one AWS step of
 * `failover-steps/` over the runbook's clients and catalog. No `freeze`: AWS clients follow the repointed
 * names, and the old primary is unreachable or refused by preflight. An Aurora cluster's preflight and recovery
 * are `cluster/failover.ts`'s; validation, repoint, verification and evidence are the same for both.
 */
export function awsFailoverProvider(deps: StepDeps): FailoverProvider {
  const cluster = (state: FailoverState) => isClusterDatabase(deps.catalog, state.input.database);
  return {
    name: 'aws',
    preflight: (state) => (cluster(state) ? clusterPreflight : steps.preflight)(state, deps),
    startRecovery: (state) => (cluster(state) ? startClusterRecovery : steps.startRecovery)(state, deps),
    checkRecovery: (state) => (cluster(state) ? checkClusterRecovery : steps.checkRecovery)(state, deps),
    validate: (state) => steps.validateRecovered(state, deps),
    repoint: (state) => steps.repoint(state, deps),
    checkRepoint: (state) => steps.checkRepoint(state, deps),
    verify: (state) => steps.verify(state, deps),
    storeEvidence: (doc) => new S3EvidenceStore(deps.clients.s3, deps.catalog.evidenceBucket, 'failover').put(doc),
  };
}
