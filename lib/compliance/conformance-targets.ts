import type { ConformanceTarget } from '../../engines/conformance/target';
import type { EnvironmentConfig } from '../config/environment-config';
import { CONTINUOUS_BACKUP_MAX_DAYS } from '../config/retention';
import { names } from '../naming';
import { isCluster, isInstance } from '../config/database-kind';

/**
 * Every instance and Aurora cluster of an environment the conformance check reads, with the rules each is held to: the same as
 * the instances rxdr creates (`ReferenceDatabase`, `CrossRegionReadReplica`), whether created or adopted.
 * - every source instance: automated backups replicated to the recovery region (`AutomatedBackupReplication`
 *   replicates every protected database's), kept at least the configured continuous-backup days when the
 *   tier has continuous backup (its PITR window), otherwise at least 1 day (backups on); Multi-AZ as created
 *   instances get it (`multiAz`, default the environment's `production`); created ones on the primary key;
 * - every warm-standby read replica: the recovery key, Multi-AZ like its source; RDS keeps no backups on
 *   PostgreSQL replicas, so retention and replication apply from promotion (the failover runbook).
 * `region` limits the list to one region's instances (each region's function reads its own).
 */
export function conformanceTargets(config: EnvironmentConfig, region?: string): ConformanceTarget[] {
  const targets: ConformanceTarget[] = [];
  for (const db of config.databases.filter(isInstance)) {
    const created = db.mode === 'create';
    const multiAz = created ? (db.multiAz ?? config.production) : config.production;
    targets.push({
      database: db.name,
      role: 'primary',
      mode: db.mode,
      instanceIdentifier: created ? names.databaseInstance(config, db) : db.instanceIdentifier,
      region: config.primaryRegion,
      tier: db.tier,
      minBackupRetentionDays: db.tierPreset.continuousBackup
        ? Math.min(config.retention.continuousDays, CONTINUOUS_BACKUP_MAX_DAYS)
        : 1,
      multiAz,
      ...(created ? { expectedKey: names.keyAlias(config, 'primary') } : {}),
      backupReplicationRegion: config.recoveryRegion,
    });
    if (db.tierPreset.crossRegionReadReplica)
      targets.push({
        database: db.name,
        role: 'replica',
        mode: 'create',
        instanceIdentifier: names.replicaInstance(config, db),
        region: config.recoveryRegion,
        tier: db.tier,
        multiAz,
        expectedKey: names.keyAlias(config, 'recovery'),
      });
  }
  targets.push(...clusterTargets(config));
  return region === undefined ? targets : targets.filter((t) => t.region === region);
}

/**
 * Every Aurora cluster: held to the rules of the reference cluster (`ReferenceCluster`), created or adopted:
 * CMK storage (the primary key for created ones), backups kept as for an instance of the tier, deletion protection,
 * TLS and pgaudit in the cluster parameter group, IAM authentication, members private and taking minor upgrades,
 * Multi-AZ when it has readers. Aurora replicates no automated backups; a tier-1 cluster's global secondary is read
 * in the recovery region (the recovery key, like a replica: its backups apply from promotion).
 */
function clusterTargets(config: EnvironmentConfig): ConformanceTarget[] {
  return config.databases.filter(isCluster).flatMap((db): ConformanceTarget[] => {
    const created = db.mode === 'create';
    const primary: ConformanceTarget = {
      database: db.name,
      role: 'primary',
      resource: 'cluster',
      mode: db.mode,
      instanceIdentifier: names.primaryCluster(config, db),
      region: config.primaryRegion,
      tier: db.tier,
      minBackupRetentionDays: db.tierPreset.continuousBackup
        ? Math.min(config.retention.continuousDays, CONTINUOUS_BACKUP_MAX_DAYS)
        : 1,
      multiAz: created && db.readers > 0,
      iamAuthentication: true,
      ...(created ? { expectedKey: names.keyAlias(config, 'primary') } : {}),
    };
    if (!db.tierPreset.crossRegionReadReplica) return [primary];
    return [
      primary,
      {
        database: db.name,
        role: 'replica',
        resource: 'cluster',
        mode: db.mode,
        instanceIdentifier: names.secondaryCluster(config, db),
        region: config.recoveryRegion,
        tier: db.tier,
        multiAz: false,
        ...(created ? { expectedKey: names.keyAlias(config, 'recovery') } : {}),
      },
    ];
  });
}
