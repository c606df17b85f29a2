import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config/environment-config';
import { DatabaseNetwork } from '../constructs/database/network';
import { RecoveredPlacement } from '../constructs/database/recovered-placement';
import { StandbyDatabases } from '../constructs/database/standby-databases';
import { ManifestJob, replicaManifestTargets } from '../constructs/validation/manifest-job';
import { names } from '../naming';

export interface StandbyStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** The recovery region's customer-managed key (from the recovery stack). */
  readonly key: kms.IKey;
  /** Recovery-region alerts (from the recovery stack). */
  readonly alertsTopic: sns.ITopic;
}

/**
 * The recovery region's databases: the recovery database network and the warm-standby read replicas of
 * tier-1 databases. A stack of its own because a replica needs its source, so it deploys after the primary,
 * while the recovery stack (vaults, keys) must deploy before it.
 */
export class StandbyStack extends Stack {
  readonly config: EnvironmentConfig;
  /** Isolated-subnet VPC for replicas, promoted replicas and point-in-time restores in the recovery region. */
  readonly network: DatabaseNetwork;
  /** Read replicas and their lag alarms, by database name (tiers with `crossRegionReadReplica`). */
  readonly standbys: StandbyDatabases;
  /** The scheduled manifest job reading the replicas (issue 4), when there are any. */
  readonly manifestJob?: ManifestJob;
  /** Subnet group and security group failover restores land in, published for the runbooks (issue 6). */
  readonly recoveredPlacement: RecoveredPlacement;

  constructor(scope: Construct, id: string, props: StandbyStackProps) {
    super(scope, id, props);
    this.config = props.config;
    const { config } = props;
    this.network = new DatabaseNetwork(this, 'DatabaseNetwork', {
      cidr: config.databaseProtection.recoveryVpcCidr,
      key: props.key,
      logRetention: config.databaseProtection.logRetentionDays as logs.RetentionDays,
    });
    this.standbys = new StandbyDatabases(this, 'Standbys', { config, key: props.key, network: this.network, alertsTopic: props.alertsTopic });
    this.recoveredPlacement = new RecoveredPlacement(this, 'RecoveredPlacement', {
      network: this.network,
      subnetGroupName: names.recoveredSubnetGroup(config),
      parameterName: names.recoveryNetworkParameter(config),
      environmentName: config.name,
    });
    const manifestTargets = replicaManifestTargets(config, this.standbys.replicas);
    if (manifestTargets.length > 0) {
      this.manifestJob = new ManifestJob(this, 'ManifestJob', {
        vpc: this.network.vpc,
        targets: manifestTargets,
        evidenceBucketName: names.evidenceBucket(config),
        key: props.key,
        alertsTopic: props.alertsTopic,
        schedule: config.drill.manifestSchedule,
        statementTimeout: Duration.seconds(config.drill.manifestStatementTimeoutSeconds),
        logRetention: config.databaseProtection.logRetentionDays as logs.RetentionDays,
      });
    }
  }
}
