/** Preflight (read-only): what the failover would do, how long it should take, and what stands in its way. */
import { DescribeAccountAttributesCommand, DescribeDBInstanceAutomatedBackupsCommand } from '@aws-sdk/client-rds';
import { findInstance, latestMetric } from '../aws-helpers';
import { databaseOf } from '../catalog';
import type { StepDeps } from '../clients';
import { planChecks } from '../plan-checks';
import { failoverPlan, primaryHealth } from './failover-plan';
import { networkCheck } from './recovery-network';
import { latestBackupSource } from './recovery-point';
import { FailoverState, Plan } from './state';

/**
 * Read-only: primary status, the recovery source and its data-loss window, access to the key and the
 * secret, instance quota headroom. Never calls a mutating API (the dry-run test asserts it).
 */
export async function preflight(state: FailoverState, deps: StepDeps): Promise<Plan> {
  const startedAt = deps.clock.now();
  const { catalog, clients } = deps;
  const { input } = state;
  const db = databaseOf(catalog, input.database);
  const strategy = input.strategy ?? db.defaultStrategy;
  const { checks, blockers, check } = planChecks();
  const warnings: string[] = [];
  const primaryId = db.primaryInstanceIdentifier;
  const primary = await primaryHealth(
    primaryId,
    catalog.primaryRegion,
    async () => (await findInstance(clients.rdsPrimary, primaryId))?.DBInstanceStatus,
  );
  checks.push({ name: 'primary', ok: !primary.healthy, detail: primary.detail });

  const now = deps.clock.now();
  let source: Plan['source'];
  let expectedDataLossSeconds: number | null = null;
  let targetInstanceIdentifier = db.recoveredInstanceIdentifier;
  let recoveryAlreadyStarted = false;

  if (strategy === 'promote-replica') {
    if (!db.replicaInstanceIdentifier) {
      check(
        'replica',
        false,
        `${db.name} has no cross-region read replica (tier ${db.tier}); use --strategy point-in-time or latest-backup`,
      );
    } else {
      targetInstanceIdentifier = db.replicaInstanceIdentifier;
      const replica = await findInstance(clients.rdsRecovery, db.replicaInstanceIdentifier);
      if (!replica) {
        check('replica', false, `read replica ${db.replicaInstanceIdentifier} not found in ${catalog.recoveryRegion}`);
      } else if (
        !replica.ReadReplicaSourceDBInstanceIdentifier ||
        ['modifying', 'rebooting', 'backing-up'].includes(replica.DBInstanceStatus ?? '')
      ) {
        recoveryAlreadyStarted = true;
        check(
          'replica',
          true,
          `${db.replicaInstanceIdentifier} is ` +
            `${replica.ReadReplicaSourceDBInstanceIdentifier ? 'being promoted' : 'already promoted'} ` +
            `(${replica.DBInstanceStatus}): a resumed run continues from there`,
        );
        source = { kind: 'replica', id: db.replicaInstanceIdentifier, recoveryPointTime: now.toISOString() };
      } else {
        const lag = await latestMetric(clients.cloudwatch, 'ReplicaLag', db.replicaInstanceIdentifier, now);
        expectedDataLossSeconds = lag ?? null;
        const ok = replica.DBInstanceStatus === 'available';
        check(
          'replica',
          ok,
          `${db.replicaInstanceIdentifier} is ${replica.DBInstanceStatus}, replica lag ${lag === undefined ? 'unknown (no datapoint in 10 min)' : `${lag} s`}`,
        );
        source = {
          kind: 'replica',
          id: db.replicaInstanceIdentifier,
          recoveryPointTime: new Date(now.getTime() - (lag ?? 0) * 1000).toISOString(),
        };
      }
    }
  } else {
    const existing = await findInstance(clients.rdsRecovery, db.recoveredInstanceIdentifier);
    if (existing) {
      recoveryAlreadyStarted = true;
      check(
        'target',
        true,
        `${db.recoveredInstanceIdentifier} already exists (${existing.DBInstanceStatus}): a resumed run waits for it instead of restoring again`,
      );
    }
    if (strategy === 'point-in-time') {
      const out = await clients.rdsRecovery.send(
        new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: db.primaryInstanceIdentifier }),
      );
      const backup =
        out.DBInstanceAutomatedBackups?.find(
          (b) => b.Status === 'replicating' || b.Status === 'active' || b.Status === 'retained',
        ) ?? out.DBInstanceAutomatedBackups?.[0];
      const latest = backup?.RestoreWindow?.LatestTime;
      const earliest = backup?.RestoreWindow?.EarliestTime;
      if (!backup?.DBInstanceAutomatedBackupsArn || !latest) {
        if (!existing)
          check(
            'automated-backups',
            false,
            `no replicated automated backups of ${db.primaryInstanceIdentifier} in ${catalog.recoveryRegion}; use --strategy latest-backup`,
          );
      } else {
        const target = input.targetTime ? new Date(input.targetTime) : latest;
        const inWindow = (!earliest || target >= earliest) && target <= latest;
        if (!existing)
          check(
            'automated-backups',
            inWindow,
            inWindow
              ? `restorable ${earliest?.toISOString() ?? '?'} … ${latest.toISOString()}`
              : `target time ${target.toISOString()} is outside the restorable window ${earliest?.toISOString() ?? '?'} … ${latest.toISOString()}`,
          );
        source = {
          kind: 'point-in-time',
          id: backup.DBInstanceAutomatedBackupsArn,
          recoveryPointTime: target.toISOString(),
        };
        expectedDataLossSeconds = Math.max(0, Math.round((now.getTime() - target.getTime()) / 1000));
      }
    } else {
      ({ source, expectedDataLossSeconds } = await latestBackupSource(
        deps,
        db,
        {
          targetExists: existing !== undefined,
          missing: `no completed recovery point of ${primaryId} in vault ${catalog.recoveryVaultName}`,
          now,
        },
        check,
      ));
    }
    if (!existing) {
      await networkCheck(deps, db, check);
      const attributes = await clients.rdsRecovery.send(new DescribeAccountAttributesCommand({}));
      const quota = attributes.AccountQuotas?.find((q) => q.AccountQuotaName === 'DBInstances');
      const headroom = quota?.Max !== undefined && quota.Used !== undefined ? quota.Max - quota.Used : undefined;
      check(
        'quota',
        headroom === undefined || headroom >= 1,
        headroom === undefined
          ? 'DB instance quota unknown'
          : `${headroom} DB instance(s) of headroom (${quota?.Used}/${quota?.Max})`,
      );
    }
  }
  const refused = primary.healthy && !input.force;
  const found = { startedAt, input, strategy, primary, source, recoveryAlreadyStarted, expectedDataLossSeconds };
  return failoverPlan(
    deps,
    db,
    { ...found, target: targetInstanceIdentifier, checks, blockers, warnings, refused },
    check,
  );
}
