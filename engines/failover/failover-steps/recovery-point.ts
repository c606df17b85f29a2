/** The latest-backup strategy's source: the newest completed recovery point, and where it comes from. */
import { listRecoveryPoints } from '../../common/recovery-points';
import { type SourceVault, vaultToRestoreFrom } from '../../drill/aws/recovery-source';
import type { CatalogDatabase } from '../catalog';
import type { StepDeps } from '../clients';
import type { CheckRecorder } from '../plan-checks';
import type { Plan } from './state';

/** A resource's recovery points: AWS Backup's resource type and the end of the resource's ARN. */
export interface BackedUpResource {
  readonly type: 'RDS' | 'Aurora';
  readonly arnSuffix: string;
}

/**
 * The newest completed recovery point of the resource `<type>:<identifier>` (db or cluster) in the recovery vault,
 * or in the isolated vault while the recovery vault is declared lost (the drill's rule: `vaultToRestoreFrom`).
 */
export async function newestRecoveryPoint(
  deps: StepDeps,
  db: Pick<CatalogDatabase, 'primaryInstanceIdentifier'>,
  resource: BackedUpResource = { type: 'RDS', arnSuffix: `:db:${db.primaryInstanceIdentifier}` },
): Promise<{ arn: string; created: Date; vault: SourceVault } | undefined> {
  const { catalog } = deps;
  const vault = await vaultToRestoreFrom(deps.clients, {
    vaultName: catalog.recoveryVaultName,
    isolatedVaultName: catalog.isolatedVaultName,
    vaultLostParameterName: catalog.vaultLostParameterName,
  });
  const points = await listRecoveryPoints(deps.clients.backup, { vault: vault.name, resourceType: resource.type });
  let newest: { arn: string; created: Date } | undefined;
  for (const point of points) {
    if (point.Status !== 'COMPLETED' || !point.RecoveryPointArn || !point.CreationDate) continue;
    if (!point.ResourceArn?.endsWith(resource.arnSuffix)) continue;
    if (!newest || point.CreationDate > newest.created)
      newest = { arn: point.RecoveryPointArn, created: point.CreationDate };
  }
  return newest && { ...newest, vault };
}

/**
 * The preflight of a latest-backup run: the newest recovery point is its source, and how old it is the expected
 * data loss. Checked only while the target does not exist yet (a resumed run waits for it instead).
 */
export async function latestBackupSource(
  deps: StepDeps,
  db: Pick<CatalogDatabase, 'primaryInstanceIdentifier'>,
  options: {
    readonly resource?: BackedUpResource;
    readonly targetExists: boolean;
    /** The check's detail when there is no recovery point. */
    readonly missing: string;
    readonly now: Date;
  },
  check: CheckRecorder,
): Promise<{ source?: Plan['source']; expectedDataLossSeconds: number | null }> {
  const newest = await newestRecoveryPoint(deps, db, options.resource);
  if (!newest) {
    if (!options.targetExists) check('recovery-point', false, options.missing);
    return { expectedDataLossSeconds: null };
  }
  if (!options.targetExists)
    check(
      'recovery-point',
      true,
      `${newest.arn} created ${newest.created.toISOString()} in ${vaultDetail(newest.vault)}`,
    );
  return {
    source: recoveryPointSource(newest),
    expectedDataLossSeconds: Math.max(0, Math.round((options.now.getTime() - newest.created.getTime()) / 1000)),
  };
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
