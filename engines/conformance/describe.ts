import type { KMSClient } from '@aws-sdk/client-kms';
import {
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  type DBInstance,
  RDSClient,
} from '@aws-sdk/client-rds';
import { readParameterValues } from './parameter-values';
import type { InstanceSettings } from './settings';
import { readStorageKeys } from './storage-key';
import { ConformanceTarget } from './target';

/** Clients per region: the check reads instances in their region and replicated backups in another. */
export interface ConformanceClients {
  readonly rds: (region: string) => RDSClient;
  readonly kms: (region: string) => KMSClient;
}

/** The configured instance does not exist (deleted, renamed, or the configuration names the wrong one). */
export class InstanceNotFoundError extends Error {
  constructor(target: ConformanceTarget) {
    super(
      `DB instance ${target.instanceIdentifier} (${target.database}, ${target.role}) not found in ${target.region}`,
    );
    this.name = 'InstanceNotFoundError';
  }
}

/** The target's instance or cluster; RDS's not-found fault, or an empty answer, becomes `notFound()`. */
export async function describeTarget<Out, Found>(
  send: () => Promise<Out>,
  pick: (out: Out) => Found | undefined,
  fault: string,
  notFound: () => Error,
): Promise<Found> {
  let found: Found | undefined;
  try {
    found = pick(await send());
  } catch (error) {
    if ((error as Error).name !== fault) throw error;
  }
  if (!found) throw notFound();
  return found;
}

/** Read everything the rules judge about one instance (read-only calls only). */
export async function describeInstance(
  target: ConformanceTarget,
  clients: ConformanceClients,
): Promise<InstanceSettings> {
  const rds = clients.rds(target.region);
  const instance = await describeTarget(
    () => rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: target.instanceIdentifier })),
    (out) => out.DBInstances?.[0],
    'DBInstanceNotFoundFault',
    () => new InstanceNotFoundError(target),
  );

  const group = instance.DBParameterGroups?.[0];
  const groupName = group?.DBParameterGroupName;
  const [parameters, keys, replicatedBackups] = await Promise.all([
    groupName
      ? readParameterValues((Marker) =>
          rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: groupName, Marker })),
        )
      : Promise.resolve({}),
    readStorageKeys(target, clients, instance),
    target.backupReplicationRegion && instance.DbiResourceId
      ? readReplicatedBackups(clients.rds(target.backupReplicationRegion), target.backupReplicationRegion, instance)
      : undefined,
  ]);
  return {
    engine: instance.Engine ?? '',
    engineVersion: instance.EngineVersion ?? '',
    storageEncrypted: instance.StorageEncrypted === true,
    ...keys,
    backupRetentionDays: instance.BackupRetentionPeriod ?? 0,
    deletionProtection: instance.DeletionProtection === true,
    publiclyAccessible: instance.PubliclyAccessible === true,
    autoMinorVersionUpgrade: instance.AutoMinorVersionUpgrade === true,
    multiAz: instance.MultiAZ === true,
    ...(groupName
      ? { parameterGroup: { name: groupName, applyStatus: group?.ParameterApplyStatus ?? 'unknown' } }
      : {}),
    parameters,
    ...(replicatedBackups ? { replicatedBackups } : {}),
  };
}

/** The instance's replicated automated backups in `region` (they keep the source's DbiResourceId). */
async function readReplicatedBackups(
  rds: RDSClient,
  region: string,
  instance: DBInstance,
): Promise<{ region: string; status: string }[]> {
  const found: { region: string; status: string }[] = [];
  let marker: string | undefined;
  do {
    const page = await rds.send(
      new DescribeDBInstanceAutomatedBackupsCommand({ DbiResourceId: instance.DbiResourceId, Marker: marker }),
    );
    for (const backup of page.DBInstanceAutomatedBackups ?? [])
      found.push({ region, status: backup.Status ?? 'unknown' });
    marker = page.Marker;
  } while (marker);
  return found;
}
