import type { EnvironmentConfig } from '../../config/environment-config';
import type { DatabaseConfig } from '../../config/database-schema';
import { names } from '../../naming';
import type { CrossRegionReadReplica } from '../database/read-replica';
import type { SecondaryCluster } from '../database/secondary-cluster';
import type { TableSelection } from '../../../engines/validation/discovery';
import type { AdopterNetwork, ManifestTarget } from './manifest-job';

/**
 * The manifest targets of an environment: every database with a warm-standby read replica, read through the
 * replica with the credentials secret the drill uses (`names.recoverySecret`).
 */
export function replicaManifestTargets(
  config: EnvironmentConfig,
  replicas: Readonly<Record<string, CrossRegionReadReplica>>,
): ManifestTarget[] {
  return config.databases.flatMap((db) => {
    const replica = replicas[db.name];
    return replica
      ? [
          {
            name: db.name,
            secretId: names.recoverySecret(config, db),
            host: replica.replica.attrEndpointAddress,
            securityGroup: replica.securityGroup,
            ...manifestSettings(db),
          },
        ]
      : [];
  });
}

/** What a database's configuration asks of its manifest: the table selection, and pgaudit for an adopted one. */
export function manifestSettings(
  db: DatabaseConfig,
): Pick<ManifestTarget, 'selection' | 'requirePgaudit' | 'pharmacyTables' | 'parallelism' | 'chunkBytes'> {
  const v = db.validation;
  const selection: TableSelection = {
    ...(v?.schemas ? { schemas: v.schemas } : {}),
    ...(v?.include ? { include: v.include } : {}),
    ...(v?.exclude ? { exclude: v.exclude } : {}),
    ...(v?.cutoffColumns ? { cutoffColumns: v.cutoffColumns } : {}),
  };
  return {
    ...(Object.keys(selection).length ? { selection } : {}),
    ...(db.mode === 'adopt' ? { requirePgaudit: true } : {}),
    ...(v?.pharmacyTables ? { pharmacyTables: v.pharmacyTables } : {}),
    ...(v?.parallelism ? { parallelism: v.parallelism } : {}),
    ...(v?.chunkSizeMb ? { chunkBytes: v.chunkSizeMb * 1024 ** 2 } : {}),
  };
}

/**
 * The adopted databases without a replica that name a network for their manifest job (`manifestNetwork`):
 * each gets a job of its own there, reading the database itself with the replicated credentials secret.
 */
export function adopterNetworkManifestTargets(
  config: EnvironmentConfig,
  replicas: Readonly<Record<string, CrossRegionReadReplica>>,
): Array<{ target: ManifestTarget; network: AdopterNetwork }> {
  return config.databases.flatMap((db) => {
    const network = 'manifestNetwork' in db ? db.manifestNetwork : undefined;
    return db.mode === 'adopt' && network && !replicas[db.name]
      ? [{ target: { name: db.name, secretId: names.recoverySecret(config, db), ...manifestSettings(db) }, network }]
      : [];
  });
}

/**
 * Manifest targets of the global database secondaries rxdr creates: the job reads the secondary's reader
 * endpoint with the replicated credentials secret (the global database replicates the primary's users).
 */
export function secondaryManifestTargets(
  config: EnvironmentConfig,
  secondaries: Readonly<Record<string, SecondaryCluster>>,
): ManifestTarget[] {
  return config.databases.flatMap((db) => {
    const secondary = secondaries[db.name];
    return secondary
      ? [
          {
            name: db.name,
            secretId: names.recoverySecret(config, db),
            host: secondary.cluster.attrReadEndpointAddress,
            securityGroup: secondary.securityGroup,
          },
        ]
      : [];
  });
}
