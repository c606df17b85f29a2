import { findInstance } from '../../../engines/failover/aws-helpers';
import {
  EXPERIMENT_DONE,
  type BaselineObservation,
  type ExperimentObservation,
  type RunbookRunObservation,
} from '../../../engines/gameday/observations';
import { completedFailback } from '../../../engines/gameday/timeline';
import { names } from '../../naming';
import type { AwsTarget } from '../aws';
import { isCluster, isInstance } from '../../config/database-kind';
import { clusterBaselineProblems } from './cluster-baseline';
import type { VaultDeclaration } from './aws-vault-declaration';

/**
 * Is the environment back where it was before the game day? The fault has ended, no runbook run is still going,
 * a failover that moved a database was followed by a failback that succeeded, every database's primary in the
 * primary region is available and writable (not a read replica) — the failback's new primary where it made one; an
 * Aurora cluster available with a writer and, with a global database, its writer again (`cluster-baseline.ts`) —
 * and, for the isolated-copy scenario, the recovery vault is no longer declared lost (`vaultDeclaration`: what a
 * second withdrawal after the first found).
 */
export async function checkBaseline(
  primary: AwsTarget,
  experiment: ExperimentObservation | undefined,
  runs: readonly RunbookRunObservation[],
  now: Date,
  vaultDeclaration?: VaultDeclaration,
): Promise<BaselineObservation> {
  const problems: string[] = [];
  const env = primary.env.name;
  if (experiment && !EXPERIMENT_DONE.includes(experiment.state))
    problems.push(`the experiment ${experiment.id} is ${experiment.state}: wait for it to end, or end the game day`);
  for (const run of new Set(runs.filter((r) => r.status === 'RUNNING').map((r) => `${r.operation}:${r.name}`))) {
    const [operation, name] = run.split(':') as [string, string];
    problems.push(
      operation === 'drill'
        ? `drill ${name} is still running: let it finish its cleanup (rxdr drill show ${name} --env ${env})`
        : `${operation} ${name} is still running: approve or abort it (rxdr ${operation} status --env ${env} --execution ${name})`,
    );
  }
  if (vaultDeclaration?.found)
    problems.push(
      `the recovery vault was declared lost again after the withdrawal (${vaultDeclaration.parameter}): ` +
        'is the automation still running? run rxdr gameday end again once the experiment has ended',
    );
  const failedOver = runs.filter((r) => r.operation === 'failover' && !r.dryRun && r.status === 'SUCCEEDED');
  const failback = completedFailback(runs);
  for (const run of failedOver) {
    const back = runs.find(
      (r) =>
        r.operation === 'failback' &&
        !r.dryRun &&
        r.status === 'SUCCEEDED' &&
        r.database === run.database &&
        r.startedAt > run.startedAt,
    );
    if (!back)
      problems.push(
        `${run.database ?? 'a database'} runs in the recovery region since ${run.name}: fail back (rxdr gameday end starts it)`,
      );
  }
  for (const db of primary.env.databases.filter(isInstance)) {
    const identifier = names.primaryInstance(primary.env, db);
    const instance = await findInstance(primary.clients.rds, identifier);
    if (!instance) {
      if (!failedOver.some((r) => r.database === db.name))
        problems.push(`${db.name}: the primary instance ${identifier} is gone in ${primary.region}`);
      continue;
    }
    if (instance.DBInstanceStatus !== 'available')
      problems.push(
        `${db.name}: ${identifier} is ${instance.DBInstanceStatus ?? 'in an unknown state'}, not available`,
      );
    if (instance.ReadReplicaSourceDBInstanceIdentifier && !failedOver.some((r) => r.database === db.name))
      problems.push(`${db.name}: ${identifier} is a read replica of ${instance.ReadReplicaSourceDBInstanceIdentifier}`);
  }
  for (const db of primary.env.databases.filter(isCluster))
    problems.push(
      ...(await clusterBaselineProblems(
        primary,
        db,
        failedOver.some((r) => r.database === db.name),
      )),
    );
  return {
    at: now.toISOString(),
    ok: problems.length === 0,
    problems,
    how: failedOver.length > 0 && failback ? 'failback' : 'original-topology',
  };
}
