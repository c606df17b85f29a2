import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EnvironmentConfig, ProtectedDatabase } from '../../config/environment-config';
import { names } from '../../naming';
import { isCluster, isInstance } from '../../config/database-kind';
import { postgresMajor } from '../../../engines/common/engine-support';
import { dbInstanceArn } from './arns';
import { DatabaseNetwork } from './network';
import { CrossRegionReadReplica } from './read-replica';
import { SecondaryCluster } from './secondary-cluster';
import { StandbyLagAlarm } from './standby-lag-alarm';

export interface StandbyDatabasesProps {
  readonly config: EnvironmentConfig;
  /** The recovery region's customer-managed key. */
  readonly key: kms.IKey;
  /** The recovery-region database network. */
  readonly network: DatabaseNetwork;
  /** Recovery-region alerts (replica lag). */
  readonly alertsTopic: sns.ITopic;
}

/** The RDS instances of tiers with `crossRegionReadReplica` (warm standby; clusters use a global database). */
export function standbyDatabases(
  config: EnvironmentConfig,
): Exclude<ProtectedDatabase, { engine: 'aurora-postgresql' }>[] {
  return config.databases.filter(isInstance).filter((db) => db.tierPreset.crossRegionReadReplica);
}

/**
 * Warm standby in the recovery region: a cross-region read replica of every instance whose tier asks for
 * one, created or adopted, each with a replica-lag alarm at the tier's RPO; for Aurora clusters of such
 * tiers, the global database's secondary cluster (created clusters) and a replication-lag alarm at the RPO. Lives in a stack deployed after
 * the primary (the replica needs its source to exist).
 */
export class StandbyDatabases extends Construct {
  /** Replicas by database name. */
  readonly replicas: Readonly<Record<string, CrossRegionReadReplica>>;
  readonly lagAlarms: Readonly<Record<string, StandbyLagAlarm>>;
  /** Global database secondaries rxdr creates (created tier-1 clusters), by database name. */
  readonly secondaries: Readonly<Record<string, SecondaryCluster>>;
  /** Replication-lag alarms of every tier-1 cluster's secondary, created or adopted, by database name. */
  readonly globalLagAlarms: Readonly<Record<string, StandbyLagAlarm>>;

  constructor(scope: Construct, id: string, props: StandbyDatabasesProps) {
    super(scope, id);
    const { config } = props;
    const replicas: Record<string, CrossRegionReadReplica> = {};
    const alarms: Record<string, StandbyLagAlarm> = {};
    for (const db of standbyDatabases(config)) {
      const sourceIdentifier = names.primaryInstance(config, db);
      const instanceClass = db.replicaInstanceClass ?? (db.mode === 'create' ? db.instanceClass : undefined);
      if (!instanceClass)
        throw new Error(
          `database "${db.name}" (adopted, tier ${db.tier}) needs replicaInstanceClass for its read replica`,
        );
      // The config requires engineVersion for an adopted database with a replica; created ones default it.
      if (!db.engineVersion)
        throw new Error(
          `database "${db.name}" (adopted, tier ${db.tier}) needs engineVersion for its read replica's parameter group`,
        );
      const replica = new CrossRegionReadReplica(this, `Replica-${db.name}`, {
        replicaIdentifier: names.replicaInstance(config, db),
        sourceInstanceArn: dbInstanceArn(this, config.primaryRegion, sourceIdentifier),
        sourceRegion: config.primaryRegion,
        instanceClass,
        multiAz: db.mode === 'create' ? (db.multiAz ?? config.production) : config.production,
        key: props.key,
        network: props.network,
        logRetention: config.databaseProtection.logRetentionDays as logs.RetentionDays,
        engineMajorVersion: postgresMajor(db.engineVersion),
        sourceDescription: `${sourceIdentifier} in ${config.primaryRegion} (tier ${db.tier})`,
      });
      replicas[db.name] = replica;
      alarms[db.name] = new StandbyLagAlarm(this, `LagAlarm-${db.name}`, {
        kind: 'read-replica',
        standbyIdentifier: replica.replicaIdentifier,
        rpoMinutes: db.tierPreset.rpoMinutes,
        topic: props.alertsTopic,
      });
    }
    this.replicas = replicas;
    this.lagAlarms = alarms;

    const secondaries: Record<string, SecondaryCluster> = {};
    const globalAlarms: Record<string, StandbyLagAlarm> = {};
    for (const db of config.databases.filter(isCluster).filter((c) => c.tierPreset.crossRegionReadReplica)) {
      const secondaryClusterIdentifier = names.secondaryCluster(config, db);
      if (db.mode === 'create')
        secondaries[db.name] = new SecondaryCluster(this, `Secondary-${db.name}`, {
          clusterIdentifier: secondaryClusterIdentifier,
          globalClusterIdentifier: names.globalCluster(config, db),
          engineVersion: db.engineVersion,
          instanceClass: db.secondaryInstanceClass ?? db.instanceClass,
          key: props.key,
          network: props.network,
          logRetention: config.databaseProtection.logRetentionDays as logs.RetentionDays,
          sourceDescription: `${names.primaryCluster(config, db)} in ${config.primaryRegion} (tier ${db.tier})`,
        });
      globalAlarms[db.name] = new StandbyLagAlarm(this, `GlobalLagAlarm-${db.name}`, {
        kind: 'global-secondary',
        standbyIdentifier: secondaryClusterIdentifier,
        rpoMinutes: db.tierPreset.rpoMinutes,
        topic: props.alertsTopic,
      });
    }
    this.secondaries = secondaries;
    this.globalLagAlarms = globalAlarms;
  }
}
