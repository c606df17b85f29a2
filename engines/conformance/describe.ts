import { DescribeKeyCommand, KMSClient, NotFoundException } from '@aws-sdk/client-kms';
import {
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  type DBInstance,
  RDSClient,
} from '@aws-sdk/client-rds';
import { InstanceSettings, READ_PARAMETERS } from './settings';
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

/** Read everything the rules judge about one instance (read-only calls only). */
export async function describeInstance(
  target: ConformanceTarget,
  clients: ConformanceClients,
): Promise<InstanceSettings> {
  const rds = clients.rds(target.region);
  let instance: DBInstance | undefined;
  try {
    const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: target.instanceIdentifier }));
    instance = out.DBInstances?.[0];
  } catch (error) {
    if ((error as Error).name !== 'DBInstanceNotFoundFault') throw error;
  }
  if (!instance) throw new InstanceNotFoundError(target);

  const group = instance.DBParameterGroups?.[0];
  const [parameters, key, expectedKeyArn, replicatedBackups] = await Promise.all([
    group?.DBParameterGroupName ? readParameters(rds, group.DBParameterGroupName) : Promise.resolve({}),
    instance.StorageEncrypted && instance.KmsKeyId
      ? describeKey(clients.kms(target.region), instance.KmsKeyId)
      : undefined,
    target.expectedKey ? describeKey(clients.kms(target.region), target.expectedKey).then((k) => k?.arn) : undefined,
    target.backupReplicationRegion && instance.DbiResourceId
      ? readReplicatedBackups(clients.rds(target.backupReplicationRegion), target.backupReplicationRegion, instance)
      : undefined,
  ]);
  return {
    engine: instance.Engine ?? '',
    engineVersion: instance.EngineVersion ?? '',
    storageEncrypted: instance.StorageEncrypted === true,
    ...(instance.KmsKeyId ? { kmsKeyArn: key?.arn ?? instance.KmsKeyId } : {}),
    ...(key ? { keyManager: key.manager } : {}),
    ...(expectedKeyArn ? { expectedKeyArn } : {}),
    backupRetentionDays: instance.BackupRetentionPeriod ?? 0,
    deletionProtection: instance.DeletionProtection === true,
    publiclyAccessible: instance.PubliclyAccessible === true,
    autoMinorVersionUpgrade: instance.AutoMinorVersionUpgrade === true,
    multiAz: instance.MultiAZ === true,
    ...(group?.DBParameterGroupName
      ? { parameterGroup: { name: group.DBParameterGroupName, applyStatus: group.ParameterApplyStatus ?? 'unknown' } }
      : {}),
    parameters,
    ...(replicatedBackups ? { replicatedBackups } : {}),
  };
}

async function readParameters(rds: RDSClient, group: string): Promise<Record<string, string>> {
  const wanted = new Set<string>(READ_PARAMETERS);
  const values: Record<string, string> = {};
  let marker: string | undefined;
  do {
    const page = await rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: group, Marker: marker }));
    for (const p of page.Parameters ?? [])
      if (p.ParameterName && wanted.has(p.ParameterName) && p.ParameterValue !== undefined)
        values[p.ParameterName] = p.ParameterValue;
    marker = page.Marker;
  } while (marker);
  return values;
}

export async function describeKey(
  kms: KMSClient,
  keyId: string,
): Promise<{ arn: string; manager: string } | undefined> {
  try {
    const out = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    const metadata = out.KeyMetadata;
    return metadata?.Arn ? { arn: metadata.Arn, manager: metadata.KeyManager ?? 'unknown' } : undefined;
  } catch (error) {
    if (error instanceof NotFoundException || (error as Error).name === 'NotFoundException') return undefined;
    throw error;
  }
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
