/** Preflight (read-only): what the failover would do, how long it should take, and what stands in its way. */
import { ListRecoveryPointsByBackupVaultCommand } from '@aws-sdk/client-backup';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { DescribeAccountAttributesCommand, DescribeDBInstanceAutomatedBackupsCommand } from '@aws-sdk/client-rds';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { findInstance, latestMetric, messageOf, parameterValue } from '../aws-helpers';
import { databaseOf, Errors, StepError, Strategy, type CatalogDatabase } from '../catalog';
import { type SourceVault, vaultToRestoreFrom } from '../../drill/aws/recovery-source';
import type { StepDeps } from '../clients';
import { FailoverState, Plan } from './state';
import { throughGlobalWriterEndpoint } from '../cluster/global-writer-endpoint';

/** Typical AWS durations (DR whitepaper, RDS documentation), for the plan's expected duration. */
export const EXPECTED_SECONDS: Readonly<Record<Strategy, number>> = {
  'promote-replica': 300,
  'point-in-time': 2400,
  'latest-backup': 2700,
  'global-switchover': 120,
  'global-failover': 180,
  'detach-and-promote': 180,
};
export const VALIDATION_SECONDS = 120;
export const REPOINT_SECONDS = 60;

const RecoveryNetwork = z.object({
  subnetGroupName: z.string().min(1),
  securityGroupIds: z.array(z.string().min(1)).min(1),
});
type RecoveryNetwork = z.infer<typeof RecoveryNetwork>;

/**
 * Where a restored instance lands: the recovery database network the standby stack publishes
 * (`catalog.recoveryNetworkParameterName`), else the catalog's static subnet group/security groups.
 * Throws when the parameter is configured but missing or malformed.
 */
export async function recoveryNetwork(deps: StepDeps, db: CatalogDatabase): Promise<RecoveryNetwork | undefined> {
  const name = deps.catalog.recoveryNetworkParameterName;
  if (!name)
    return db.subnetGroupName
      ? { subnetGroupName: db.subnetGroupName, securityGroupIds: db.securityGroupIds }
      : undefined;
  const text = await parameterValue(deps.clients.ssm, name);
  if (text === undefined)
    throw new StepError(
      Errors.stepFailed,
      `the recovery database network is not published at ${name}: deploy the standby stack first`,
    );
  const parsed = RecoveryNetwork.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new StepError(
      Errors.stepFailed,
      `${name} is not a recovery network description: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

export const STATUSES_HEALTHY = new Set([
  'available',
  'backing-up',
  'modifying',
  'configuring-log-exports',
  'storage-optimization',
]);

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
  const checks: Plan['checks'] = [];
  const blockers: string[] = [];
  const warnings: string[] = [];
  const check = (name: string, ok: boolean, detail: string, blocking = true) => {
    checks.push({ name, ok, detail });
    if (!ok && blocking) blockers.push(`${name}: ${detail}`);
  };

  // Primary: status as RDS reports it from the primary region; an unreachable API counts as unhealthy.
  let primary: Plan['primary'];
  try {
    const instance = await withTimeout(findInstance(clients.rdsPrimary, db.primaryInstanceIdentifier), 10_000);
    const status = instance?.DBInstanceStatus ?? 'not-found';
    const healthy = instance !== undefined && STATUSES_HEALTHY.has(status);
    primary = {
      identifier: db.primaryInstanceIdentifier,
      status,
      healthy,
      detail: `primary ${db.primaryInstanceIdentifier} is ${status} in ${catalog.primaryRegion}`,
    };
  } catch (error) {
    primary = {
      identifier: db.primaryInstanceIdentifier,
      status: 'unreachable',
      healthy: false,
      detail: `RDS in ${catalog.primaryRegion} did not answer: ${messageOf(error)}`,
    };
  }
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
      const newest = await newestRecoveryPoint(deps, db);
      if (!newest) {
        if (!existing)
          check(
            'recovery-point',
            false,
            `no completed recovery point of ${db.primaryInstanceIdentifier} in vault ${catalog.recoveryVaultName}`,
          );
      } else {
        if (!existing)
          check(
            'recovery-point',
            true,
            `${newest.arn} created ${newest.created.toISOString()} in ${vaultDetail(newest.vault)}`,
          );
        source = recoveryPointSource(newest);
        expectedDataLossSeconds = Math.max(0, Math.round((now.getTime() - newest.created.getTime()) / 1000));
      }
    }
    if (!existing) {
      try {
        const network = await recoveryNetwork(deps, db);
        check(
          'network',
          network !== undefined || !catalog.recoveryNetworkParameterName,
          network
            ? `restores land in subnet group ${network.subnetGroupName} with ${network.securityGroupIds.join(', ')}`
            : 'no recovery network configured: the restore lands in the default VPC',
        );
      } catch (error) {
        check('network', false, messageOf(error));
      }
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
  if (expectedDataLossSeconds !== null && expectedDataLossSeconds > db.rpoSeconds) {
    warnings.push(`expected data loss ${expectedDataLossSeconds} s exceeds the RPO of ${db.rpoSeconds} s`);
  }

  await accessChecks(deps, db, check);

  const refused = primary.healthy && !input.force;
  const decision: Plan['decision'] =
    blockers.length > 0 ? 'blocked' : input.dryRun ? 'dry-run' : refused ? 'refused' : 'proceed';
  const executeSeconds = recoveryAlreadyStarted ? 0 : EXPECTED_SECONDS[strategy];
  return {
    startedAt: startedAt.toISOString(),
    endedAt: deps.clock.now().toISOString(),
    database: db.name,
    strategy,
    tier: db.tier,
    rtoSeconds: db.rtoSeconds,
    rpoSeconds: db.rpoSeconds,
    primary,
    ...(source ? { source } : {}),
    targetInstanceIdentifier,
    recoveryAlreadyStarted,
    expectedDataLossSeconds,
    expectedDurationSeconds: executeSeconds + VALIDATION_SECONDS + REPOINT_SECONDS,
    checks,
    blockers,
    warnings,
    refused,
    decision,
    steps: planSteps(strategy, db, targetInstanceIdentifier, recoveryAlreadyStarted),
  };
}

/** The recovery key is enabled and the credentials secret readable (both strategies' and kinds' last checks). */
export async function accessChecks(
  deps: StepDeps,
  db: CatalogDatabase,
  check: (name: string, ok: boolean, detail: string) => void,
): Promise<void> {
  const { catalog, clients } = deps;
  try {
    const key = await clients.kms.send(new DescribeKeyCommand({ KeyId: catalog.recoveryKeyArn }));
    const enabled = key.KeyMetadata?.Enabled === true;
    check('recovery-key', enabled, `${catalog.recoveryKeyArn} is ${key.KeyMetadata?.KeyState ?? 'unknown'}`);
  } catch (error) {
    check('recovery-key', false, `cannot describe ${catalog.recoveryKeyArn}: ${messageOf(error)}`);
  }
  try {
    const secret = await clients.secrets.send(new DescribeSecretCommand({ SecretId: db.repoint.secretArn }));
    const ok = secret.DeletedDate === undefined;
    check(
      'secret',
      ok,
      ok
        ? `${db.repoint.secretArn} is readable${secret.PrimaryRegion && secret.PrimaryRegion !== catalog.recoveryRegion ? ` (replica of ${secret.PrimaryRegion}: repoint promotes it)` : ''}`
        : `${db.repoint.secretArn} is scheduled for deletion`,
    );
  } catch (error) {
    check('secret', false, `cannot describe ${db.repoint.secretArn}: ${messageOf(error)}`);
  }
}

export function planSteps(strategy: Strategy, db: CatalogDatabase, target: string, started: boolean): Plan['steps'] {
  const execute: Record<Strategy, string> = {
    'promote-replica': `promote read replica ${target} to a standalone primary`,
    'point-in-time': `restore ${target} from the replicated automated backups to the target time`,
    'latest-backup': `restore ${target} from the newest recovery point in the recovery vault`,
    'global-switchover': `switch the global database over to ${target} (planned, no data loss)`,
    'global-failover': `fail the global database over to ${target} (primary region down, data loss allowed)`,
    'detach-and-promote': `detach ${target} from the global database: standalone and writable (data loss allowed)`,
  };
  const repoint = [
    db.repoint.route53 ? `record ${db.repoint.route53.recordName}` : undefined,
    db.repoint.parameterName ? `parameter ${db.repoint.parameterName}` : undefined,
    'the secret host',
  ]
    .filter(Boolean)
    .join(', ');
  return [
    {
      name: 'approval',
      description: 'wait for an operator to approve (rxdr failover approve) or abort',
      status: 'pending',
    },
    {
      name: 'activate-contingency-plan',
      description: 'record and announce that the contingency plan is active (N3)',
      status: 'pending',
    },
    { name: 'recover', description: execute[strategy], status: started ? 'already-done' : 'pending' },
    { name: 'wait-available', description: `wait until ${target} is available`, status: 'pending' },
    { name: 'validate', description: 'run the validation engine against the recovered database', status: 'pending' },
    {
      name: 'repoint',
      description: throughGlobalWriterEndpoint(db, strategy)
        ? `none: ${repoint} name the global writer endpoint, which AWS moves to ${target}`
        : `point ${repoint} at the new endpoint`,
      status: 'pending',
    },
    {
      name: 'verify',
      description: 'check every client pointer and that the endpoint accepts connections',
      status: 'pending',
    },
    { name: 'notify', description: 'announce the result', status: 'pending' },
    { name: 'evidence', description: 'write the evidence document', status: 'pending' },
  ];
}

/**
 * The newest completed recovery point of the resource `<type>:<identifier>` (db or cluster) in the recovery vault,
 * or in the isolated vault while the recovery vault is declared lost (the drill's rule: `vaultToRestoreFrom`).
 */
export async function newestRecoveryPoint(
  deps: StepDeps,
  db: Pick<CatalogDatabase, 'primaryInstanceIdentifier'>,
  resource: { readonly type: 'RDS' | 'Aurora'; readonly arnSuffix: string } = {
    type: 'RDS',
    arnSuffix: `:db:${db.primaryInstanceIdentifier}`,
  },
): Promise<{ arn: string; created: Date; vault: SourceVault } | undefined> {
  const { catalog } = deps;
  const vault = await vaultToRestoreFrom(deps.clients, {
    vaultName: catalog.recoveryVaultName,
    isolatedVaultName: catalog.isolatedVaultName,
    vaultLostParameterName: catalog.vaultLostParameterName,
  });
  let token: string | undefined;
  let newest: { arn: string; created: Date } | undefined;
  do {
    const page = await deps.clients.backup.send(
      new ListRecoveryPointsByBackupVaultCommand({
        BackupVaultName: vault.name,
        ByResourceType: resource.type,
        NextToken: token,
      }),
    );
    for (const point of page.RecoveryPoints ?? []) {
      if (point.Status !== 'COMPLETED' || !point.RecoveryPointArn || !point.CreationDate) continue;
      if (!point.ResourceArn?.endsWith(resource.arnSuffix)) continue;
      if (!newest || point.CreationDate > newest.created)
        newest = { arn: point.RecoveryPointArn, created: point.CreationDate };
    }
    token = page.NextToken;
  } while (token);
  return newest && { ...newest, vault };
}

/** A latest-backup run's source, naming the vault (and the declaration that moved it) as a drill's does. */
export function recoveryPointSource(point: { arn: string; created: Date; vault: SourceVault }): Plan['source'] {
  return {
    kind: 'snapshot',
    id: point.arn,
    recoveryPointTime: point.created.toISOString(),
    details: {
      via: 'aws-backup',
      vault: point.vault.name,
      ...(point.vault.declaredLost ? { recoveryVaultDeclaredLost: point.vault.declaredLost } : {}),
    },
  };
}

/** Where a latest-backup recovery point comes from, for a preflight check's detail. */
export function vaultDetail(vault: SourceVault): string {
  return vault.declaredLost
    ? `the isolated vault ${vault.name} (the recovery vault is declared lost: ${vault.declaredLost})`
    : `the recovery vault ${vault.name}`;
}

export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
