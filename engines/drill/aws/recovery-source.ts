import { DescribeRecoveryPointCommand } from '@aws-sdk/client-backup';
import { DescribeDBInstanceAutomatedBackupsCommand } from '@aws-sdk/client-rds';
import { listRecoveryPoints } from '../../common/recovery-points';
import { parameterValue } from '../../common/ssm-parameter';
import type { RecoverySource, SourceSelector } from '../provider';
import { RefusedError } from './errors';
import type { AwsClients, AwsDrillSettings } from './restore-provider-base';
import type { FleetDatabase } from './types';

/**
 * The recovery point a drill restores: a named or the newest completed recovery point of the database in the recovery
 * vault, or its replicated automated backups for point-in-time sources. While the recovery vault is declared lost,
 * the newest (or named) recovery point in the isolated vault instead, whatever the database's usual source.
 */
export async function findRecoverySource(
  clients: AwsClients,
  settings: AwsDrillSettings,
  fleetDatabase: FleetDatabase,
  database: string,
  selector: SourceSelector,
): Promise<RecoverySource> {
  if (selector.kind === 'point-in-time') {
    if (fleetDatabase.kind === 'cluster')
      throw new RefusedError(
        `${database} is an Aurora cluster: it is drilled from the recovery vault's recovery points (Aurora replicates no automated backups to the recovery region), so a point-in-time selector cannot be served; use "latest" or a recovery point`,
      );
    return findAutomatedBackup(clients, fleetDatabase, database, selector);
  }
  const vault = await vaultToRestoreFrom(clients, settings);
  if (selector.kind === 'latest' && fleetDatabase.source === 'point-in-time' && !vault.declaredLost)
    return findAutomatedBackup(clients, fleetDatabase, database, selector);
  return findInVault(clients, vault, fleetDatabase, database, selector);
}

/** Where recovery points come from, and the declaration that moved them, if one did. */
export interface SourceVault {
  readonly name: string;
  /** The declaration (its JSON text) that the recovery vault is lost: the isolated vault is used instead. */
  readonly declaredLost?: string;
}

/**
 * The recovery vault, or the isolated vault while a declaration that the recovery vault is lost exists (the SSM
 * parameter a game day, or a person in a real incident, writes). Without an isolated vault the declaration leaves
 * nothing to restore from, and the caller (a drill, a latest-backup failover) says so.
 */
export async function vaultToRestoreFrom(
  clients: Pick<AwsClients, 'ssm'>,
  settings: Pick<AwsDrillSettings, 'vaultName' | 'isolatedVaultName' | 'vaultLostParameterName'>,
): Promise<SourceVault> {
  if (!settings.vaultLostParameterName) return { name: settings.vaultName };
  const declaration = await parameterValue(clients.ssm, settings.vaultLostParameterName);
  if (declaration === undefined) return { name: settings.vaultName };
  if (!settings.isolatedVaultName)
    throw new Error(
      `the recovery vault ${settings.vaultName} is declared lost (${settings.vaultLostParameterName}) and this ` +
        'environment has no isolated vault in this account to restore from',
    );
  return { name: settings.isolatedVaultName, declaredLost: declaration };
}

async function findInVault(
  clients: AwsClients,
  sourceVault: SourceVault,
  fleetDatabase: FleetDatabase,
  database: string,
  selector: SourceSelector,
): Promise<RecoverySource> {
  const vault = sourceVault.name;
  if (selector.kind === 'recovery-point') {
    const point = await clients.backup.send(
      new DescribeRecoveryPointCommand({ BackupVaultName: vault, RecoveryPointArn: selector.id }),
    );
    if (point.ResourceArn !== fleetDatabase.sourceArn) {
      throw new RefusedError(
        `recovery point ${selector.id} belongs to ${point.ResourceArn ?? 'an unknown resource'}, not to ${database} (${fleetDatabase.sourceArn})`,
      );
    }
    if (point.Status !== 'COMPLETED' || !point.CreationDate)
      throw new Error(`recovery point ${selector.id} is ${point.Status ?? 'in an unknown state'}, not COMPLETED`);
    return backupSource(sourceVault, fleetDatabase, selector.id, point.CreationDate, point.CompletionDate);
  }
  const points = await listRecoveryPoints(clients.backup, {
    vault,
    resourceArn: fleetDatabase.sourceArn,
    resourceType: fleetDatabase.kind === 'cluster' ? 'Aurora' : 'RDS',
  });
  const newest = points
    .filter(
      (p) =>
        p.Status === 'COMPLETED' && p.RecoveryPointArn && p.CreationDate && p.ResourceArn === fleetDatabase.sourceArn,
    )
    .sort((a, b) => (b.CreationDate?.getTime() ?? 0) - (a.CreationDate?.getTime() ?? 0))[0];
  if (!newest?.RecoveryPointArn || !newest.CreationDate) {
    throw new Error(
      `the ${sourceVault.declaredLost ? 'isolated' : 'recovery'} vault ${vault} holds no completed recovery point of ${fleetDatabase.sourceArn} (${points.length} listed)`,
    );
  }
  return backupSource(sourceVault, fleetDatabase, newest.RecoveryPointArn, newest.CreationDate, newest.CompletionDate);
}

function backupSource(
  vault: SourceVault,
  fleetDatabase: FleetDatabase,
  id: string,
  created: Date,
  completed: Date | undefined,
): RecoverySource {
  return {
    id,
    kind: 'snapshot',
    recoveryPointTime: created.toISOString(),
    sourceDatabase: fleetDatabase.sourceArn,
    details: {
      via: 'aws-backup',
      vault: vault.name,
      ...(vault.declaredLost ? { recoveryVaultDeclaredLost: vault.declaredLost } : {}),
      ...(completed ? { completed: completed.toISOString() } : {}),
    },
  };
}

async function findAutomatedBackup(
  clients: AwsClients,
  fleetDatabase: FleetDatabase,
  database: string,
  selector: SourceSelector,
): Promise<RecoverySource> {
  let marker: string | undefined;
  const found = [];
  do {
    const page = await clients.rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ Marker: marker }));
    found.push(...(page.DBInstanceAutomatedBackups ?? []).filter((b) => b.DBInstanceArn === fleetDatabase.sourceArn));
    marker = page.Marker;
  } while (marker);
  const backup = found.find((b) => b.DBInstanceAutomatedBackupsArn && b.RestoreWindow?.LatestTime);
  if (!backup?.DBInstanceAutomatedBackupsArn || !backup.RestoreWindow?.LatestTime) {
    throw new Error(
      `no replicated automated backups of ${fleetDatabase.sourceArn} in this region (is backup replication on for ${database}?)`,
    );
  }
  const { EarliestTime: earliest, LatestTime: latest } = backup.RestoreWindow;
  let time = latest;
  if (selector.kind === 'point-in-time') {
    time = new Date(selector.time);
    if (time > latest || (earliest && time < earliest)) {
      throw new Error(
        `${selector.time} is outside the restorable window ${earliest?.toISOString() ?? '?'} – ${latest.toISOString()} of ${database}`,
      );
    }
  }
  return {
    id: backup.DBInstanceAutomatedBackupsArn,
    kind: 'point-in-time',
    recoveryPointTime: time.toISOString(),
    sourceDatabase: fleetDatabase.sourceArn,
    details: {
      via: 'replicated-automated-backups',
      restoreTo: selector.kind === 'point-in-time' ? selector.time : 'latest-restorable-time',
    },
  };
}
