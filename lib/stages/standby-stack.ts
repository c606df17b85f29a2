import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config/environment-config';
import { DatabaseNetwork } from '../constructs/database/network';
import { RecoveredPlacement } from '../constructs/database/recovered-placement';
import { ServiceEndpoints } from '../constructs/database/service-endpoints';
import { StandbyDatabases } from '../constructs/database/standby-databases';
import { FailoverValidator } from '../constructs/failover/failover-validator';
import { runbookDatabases } from '../constructs/failover/runbook-config';
import {
  adopterNetworkManifestTargets,
  ManifestJob,
  replicaManifestTargets,
  secondaryManifestTargets,
} from '../constructs/validation/manifest-job';
import { names } from '../naming';
import { DEFAULT_CHUNK_PARALLELISM } from '../../engines/validation/chunks/plan';
import { conformanceTargets } from '../compliance/conformance-targets';
import { ConformanceCheck } from '../constructs/monitoring/conformance-check';

export interface StandbyStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** The recovery region's customer-managed key (from the recovery stack). */
  readonly key: kms.IKey;
  /** Recovery-region alerts (from the recovery stack). */
  readonly alertsTopic: sns.ITopic;
}

/**
 * The recovery region's databases: the recovery database network and the warm-standby read replicas of
 * tier-1 databases, and the functions that connect to them (manifest job, failover validator). A stack of its
 * own because a replica needs its source, so it deploys after the primary, while the recovery stack (vaults,
 * keys, runbooks) must deploy before it.
 */
export class StandbyStack extends Stack {
  readonly config: EnvironmentConfig;
  /** Isolated-subnet VPC for replicas, promoted replicas and point-in-time restores in the recovery region. */
  readonly network: DatabaseNetwork;
  /** Read replicas and their lag alarms, by database name (tiers with `crossRegionReadReplica`). */
  readonly standbys: StandbyDatabases;
  /** The scheduled manifest job reading the replicas, when there are any. */
  readonly manifestJob?: ManifestJob;
  /** One manifest job per adopted database without a replica that names its network (`manifestNetwork`). */
  readonly adopterManifestJobs: ManifestJob[] = [];
  /** Subnet group and security group failover restores land in, published for the runbooks. */
  readonly recoveredPlacement: RecoveredPlacement;
  /** The network's Secrets Manager and S3 endpoints, shared by the manifest job and the validator. */
  readonly endpoints: ServiceEndpoints;
  /**
   * The validation engine the failover runbook (recovery stack) calls before it repoints clients, named
   * `names.failoverValidatorFunction`, in the network's isolated subnets: PostgreSQL to the replicas and the
   * restored instances' security group, HTTPS to the endpoints.
   */
  readonly validator: FailoverValidator;
  /** The hourly check of the read replicas' actual settings, when there are replicas. */
  readonly conformance?: ConformanceCheck;

  constructor(scope: Construct, id: string, props: StandbyStackProps) {
    super(scope, id, props);
    this.config = props.config;
    const { config } = props;
    this.network = new DatabaseNetwork(this, 'DatabaseNetwork', {
      cidr: config.databaseProtection.recoveryVpcCidr,
      key: props.key,
      logRetention: config.databaseProtection.logRetentionDays as logs.RetentionDays,
    });
    this.standbys = new StandbyDatabases(this, 'Standbys', {
      config,
      key: props.key,
      network: this.network,
      alertsTopic: props.alertsTopic,
    });
    this.recoveredPlacement = new RecoveredPlacement(this, 'RecoveredPlacement', {
      network: this.network,
      subnetGroupName: names.recoveredSubnetGroup(config),
      parameterName: names.recoveryNetworkParameter(config),
      environmentName: config.name,
    });
    this.endpoints = new ServiceEndpoints(this, 'Endpoints', {
      vpc: this.network.vpc,
      subnets: this.network.subnets,
      evidenceBucketName: names.evidenceBucket(config),
      key: props.key,
      logRetention: config.databaseProtection.logRetentionDays as logs.RetentionDays,
    });
    // The manifest job created these endpoints before they were shared: keep their logical ids, or an update
    // would create a second private-DNS Secrets Manager endpoint (and a second S3 route) in the VPC before
    // deleting the first, which EC2 refuses.
    (this.endpoints.secretsManager.node.defaultChild as ec2.CfnVPCEndpoint).overrideLogicalId(
      'ManifestJobSecretsManager02EFCEF3',
    );
    (this.endpoints.s3.node.defaultChild as ec2.CfnVPCEndpoint).overrideLogicalId('ManifestJobS3140A14AD');
    const evidenceBucketName = names.evidenceBucket(config);
    this.validator = new FailoverValidator(this, 'FailoverValidator', {
      environmentName: config.name,
      functionName: names.failoverValidatorFunction(config),
      chunkFunctionName: names.failoverChunkValidatorFunction(config),
      // Every database may fail over at once (a regional outage), each validating at its parallelism.
      chunkConcurrency:
        config.databases.reduce((sum, db) => sum + (db.validation?.parallelism ?? DEFAULT_CHUNK_PARALLELISM), 0) + 2,
      key: props.key,
      evidenceBucket: s3.Bucket.fromBucketName(this, 'Evidence', evidenceBucketName),
      secretIds: runbookDatabases(config).map((d) => d.secretArn),
      checkSettings: Object.fromEntries(config.databases.map((db) => [db.name, db.validation])),
      logRetention: logs.RetentionDays.SIX_YEARS,
      network: {
        vpc: this.network.vpc,
        subnets: this.network.subnets,
        databaseSecurityGroups: [
          ...Object.entries(this.standbys.replicas).map(([name, replica]) => ({
            name: `${name} (read replica)`,
            securityGroup: replica.securityGroup,
          })),
          { name: 'restored instances', securityGroup: this.recoveredPlacement.securityGroup },
        ],
        endpoints: this.endpoints,
      },
    });
    const replicaTargets = conformanceTargets(config, config.recoveryRegion);
    if (replicaTargets.length > 0)
      this.conformance = new ConformanceCheck(this, 'Conformance', {
        environment: config.name,
        targets: replicaTargets,
        key: props.key,
        logRetention: config.databaseProtection.logRetentionDays as logs.RetentionDays,
        topic: props.alertsTopic,
      });
    const manifestTargets = [
      ...replicaManifestTargets(config, this.standbys.replicas),
      ...secondaryManifestTargets(config, this.standbys.secondaries),
    ];
    // Every manifest job of this environment: its evidence, key, alerts, schedule and limits.
    const manifestJobSettings = {
      evidenceBucketName,
      key: props.key,
      alertsTopic: props.alertsTopic,
      schedule: config.drill.manifestSchedule,
      statementTimeout: Duration.seconds(config.drill.manifestStatementTimeoutSeconds),
      logRetention: config.databaseProtection.logRetentionDays as logs.RetentionDays,
    };
    if (manifestTargets.length > 0) {
      this.manifestJob = new ManifestJob(this, 'ManifestJob', {
        vpc: this.network.vpc,
        endpoints: this.endpoints,
        targets: manifestTargets,
        ...manifestJobSettings,
      });
    }
    for (const { target, network } of adopterNetworkManifestTargets(config, this.standbys.replicas))
      this.adopterManifestJobs.push(
        new ManifestJob(this, `ManifestJob-${target.name}`, {
          adopterNetwork: network,
          targets: [target],
          ...manifestJobSettings,
        }),
      );
  }
}
