/** Preflight (read-only): which instance is primary now, whether the primary region answers, what will be built. */
import { findInstance, messageOf, secretJson } from '../aws-helpers';
import { databaseOf, type Catalog, type CatalogDatabase } from '../catalog';
import type { StepDeps } from '../clients';
import { planChecks, planDecision } from '../plan-checks';
import { FailbackPlan, FailbackState } from './state';

export const ZERO_LAG_READINGS = 2;

/**
 * The steps a failback plan lists: approval, the replica's steps (what `own` says: how the instance or cluster
 * is built, caught up and promoted), then the freeze, repoint, verification, unfreeze and evidence all share.
 */
export function failbackPlanSteps(
  catalog: Pick<Catalog, 'writeFreezeParameterPrefix'>,
  db: Pick<CatalogDatabase, 'name'>,
  own: {
    readonly createReplica: string;
    readonly waitReplica: string;
    readonly catchUp: string;
    readonly promote: string;
    /** @default the record, parameter and secret pointed back at the primary region */
    readonly repoint?: string;
  },
): FailbackPlan['steps'] {
  return [
    { name: 'approval', description: 'wait for an operator to approve (rxdr failback approve) or abort' },
    { name: 'create-replica', description: own.createReplica },
    { name: 'wait-replica', description: own.waitReplica },
    {
      name: 'freeze-writes',
      description: `set the write freeze (${catalog.writeFreezeParameterPrefix}/${db.name}); applications stop writing`,
    },
    { name: 'catch-up', description: own.catchUp },
    { name: 'promote', description: own.promote },
    {
      name: 'repoint',
      description:
        own.repoint ??
        'as soon as the promotion has started (writes are frozen): point the record, parameter and secret back at the primary region',
    },
    { name: 'verify', description: 'once promoted and the record change is in sync: check every client pointer' },
    { name: 'unfreeze', description: 'lift the write freeze' },
    { name: 'evidence', description: 'write the evidence document' },
  ];
}

/** Read-only: which recovery-region instance is the primary now, whether the primary region answers, what will be built. */
export async function preflight(state: FailbackState, deps: StepDeps): Promise<FailbackPlan> {
  const startedAt = deps.clock.now().toISOString();
  const { catalog, clients } = deps;
  const db = databaseOf(catalog, state.input.database);
  const { checks, blockers, check } = planChecks();
  const secret = await secretJson(clients.secrets, db.repoint.secretArn);
  // The current primary is a recovery-region instance (after a failover), or, when an earlier failback got as
  // far as repointing before it died, the failback instance in the primary region (promoted, or still being
  // promoted: the repoint follows the promotion's start): look in both, so that run can resume. An unreachable
  // primary region just means "not there" here (checked below).
  const candidates = [db.replicaInstanceIdentifier, db.recoveredInstanceIdentifier].filter(
    (id): id is string => id !== undefined,
  );
  const found = [
    ...(await Promise.all(candidates.map((id) => findInstance(clients.rdsRecovery, id)))),
    await findInstance(clients.rdsPrimary, db.failbackInstanceIdentifier).catch(() => undefined),
  ];
  const promoting = (instance: (typeof found)[number]) =>
    instance?.DBInstanceIdentifier === db.failbackInstanceIdentifier &&
    instance.ReadReplicaSourceDBInstanceIdentifier !== undefined;
  const current = found.find(
    (instance) =>
      instance?.Endpoint?.Address === secret.host &&
      (!instance?.ReadReplicaSourceDBInstanceIdentifier || promoting(instance)),
  );
  const searched = `${candidates.join(', ')} in ${catalog.recoveryRegion} and ${db.failbackInstanceIdentifier} in ${catalog.primaryRegion}`;
  check(
    'current-primary',
    current !== undefined,
    current
      ? `${current.DBInstanceIdentifier} (${current.DBInstanceStatus}) serves ${String(secret.host)}`
      : `no standalone instance among ${searched} serves the secret's host ${String(secret.host)}: was there a failover?`,
  );
  if (current && promoting(current))
    checks.push({
      name: 'current-primary-backups',
      ok: true,
      detail: `${db.failbackInstanceIdentifier} is being promoted by an earlier run; the promotion turns on backups (7 days)`,
    });
  else if (current)
    check(
      'current-primary-backups',
      (current.BackupRetentionPeriod ?? 0) > 0,
      `backup retention ${current.BackupRetentionPeriod ?? 0} days (a cross-region replica needs automated backups)`,
    );

  let originalPrimary = { identifier: db.primaryInstanceIdentifier, status: 'unreachable' };
  let replicaExists = false;
  try {
    const original = await findInstance(clients.rdsPrimary, db.primaryInstanceIdentifier);
    originalPrimary = { identifier: db.primaryInstanceIdentifier, status: original?.DBInstanceStatus ?? 'not-found' };
    const replica = await findInstance(clients.rdsPrimary, db.failbackInstanceIdentifier);
    replicaExists = replica !== undefined;
    checks.push({
      name: 'primary-region',
      ok: true,
      detail: `RDS in ${catalog.primaryRegion} answers; old primary ${db.primaryInstanceIdentifier} is ${originalPrimary.status} (it is not reused: its data diverged)`,
    });
    if (replica)
      checks.push({
        name: 'failback-replica',
        ok: true,
        detail: `${db.failbackInstanceIdentifier} already exists (${replica.DBInstanceStatus}): a resumed run continues from there`,
      });
  } catch (error) {
    check(
      'primary-region',
      false,
      `RDS in ${catalog.primaryRegion} does not answer (${messageOf(error)}): fail back once the region has recovered`,
    );
  }
  return {
    startedAt,
    endedAt: deps.clock.now().toISOString(),
    database: db.name,
    currentPrimary: {
      identifier: current?.DBInstanceIdentifier ?? '(none)',
      arn: current?.DBInstanceArn ?? '(none)',
      status: current?.DBInstanceStatus ?? 'missing',
    },
    replicaIdentifier: db.failbackInstanceIdentifier,
    replicaExists,
    originalPrimary,
    expectedFreezeSeconds: 420,
    expectedDurationSeconds: (replicaExists ? 0 : 3600) + 420,
    checks,
    blockers,
    decision: planDecision(blockers, state.input.dryRun),
    steps: failbackPlanSteps(catalog, db, {
      createReplica: `create read replica ${db.failbackInstanceIdentifier} in ${catalog.primaryRegion} from ${current?.DBInstanceIdentifier ?? 'the current primary'}`,
      waitReplica: 'wait until it is available',
      catchUp: `wait for ${ZERO_LAG_READINGS} zero replica-lag readings (zero data loss)`,
      promote: `promote ${db.failbackInstanceIdentifier} to the primary`,
    }),
  };
}
