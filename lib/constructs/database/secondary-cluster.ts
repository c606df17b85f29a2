import { CfnDeletionPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { postgresMajor } from '../../../engines/common/engine-support';
import { standbyParameterGroup, standbyTelemetry } from './standby-setup';
import { DatabaseNetwork } from './network';
import { AURORA_LOG_EXPORTS } from './reference-cluster';
import { POSTGRES_PORT } from './postgres-port';
import { BACKUP_RETENTION_DAYS } from './reference-instance';
import { referenceSecurityGroup } from './reference-setup';

export interface SecondaryClusterProps {
  /** Identifier of the secondary cluster in this (the recovery) region; its instance adds "-1". */
  readonly clusterIdentifier: string;
  /** The global database the cluster joins (created in the primary region, deployed before this stack). */
  readonly globalClusterIdentifier: string;
  /** The primary cluster's Aurora PostgreSQL version, "major.minor" (every member runs the same one). */
  readonly engineVersion: string;
  readonly instanceClass: string;
  /** This region's customer-managed key (storage, Performance Insights, logs). */
  readonly key: kms.IKey;
  readonly network: DatabaseNetwork;
  readonly logRetention: logs.RetentionDays;
  /** Where the primary cluster lives, for the backup-plan acknowledgement. */
  readonly sourceDescription: string;
}

/**
 * The recovery region's member of an Aurora Global Database (tier 1's warm standby for clusters): a headless
 * secondary cluster made readable by one instance, encrypted with the recovery key, in the isolated subnets,
 * with the same TLS-only, pgaudit cluster parameters as the primary. It takes no credentials of its own (the
 * global database replicates the primary's users); `RETAIN`, because after a failover it is production.
 */
export class SecondaryCluster extends Construct {
  readonly cluster: rds.CfnDBCluster;
  readonly instance: rds.CfnDBInstance;
  readonly securityGroup: ec2.SecurityGroup;
  readonly parameterGroup: rds.CfnDBClusterParameterGroup;
  readonly clusterIdentifier: string;

  constructor(scope: Construct, id: string, props: SecondaryClusterProps) {
    super(scope, id);
    const problems: string[] = [];
    if (!/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,60}$/.test(props.clusterIdentifier))
      problems.push(
        `clusterIdentifier must be 1-61 letters, digits or "-" starting with a letter, got "${props.clusterIdentifier}"`,
      );
    if (!/^\d+\.\d+$/.test(props.engineVersion))
      problems.push(`engineVersion must be an Aurora PostgreSQL version "major.minor", got "${props.engineVersion}"`);
    if (!/^db\.[a-z0-9]+\.[a-z0-9]+$/.test(props.instanceClass))
      problems.push(`instanceClass must be an RDS instance class such as "db.r6g.large", got "${props.instanceClass}"`);
    if (problems.length > 0)
      throw new Error(`Invalid SecondaryCluster ${this.node.path}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.clusterIdentifier = props.clusterIdentifier;

    this.securityGroup = referenceSecurityGroup(this, props.network.vpc, props.clusterIdentifier);
    this.parameterGroup = standbyParameterGroup(
      this,
      rds.CfnDBClusterParameterGroup,
      `aurora-postgresql${postgresMajor(props.engineVersion)}`,
      props.clusterIdentifier,
    );
    const { logGroups, instanceMonitoring } = standbyTelemetry(this, {
      kind: 'cluster',
      identifier: props.clusterIdentifier,
      logTypes: AURORA_LOG_EXPORTS,
      key: props.key,
      retention: props.logRetention,
    });

    this.cluster = new rds.CfnDBCluster(this, 'Cluster', {
      dbClusterIdentifier: props.clusterIdentifier,
      globalClusterIdentifier: props.globalClusterIdentifier,
      engine: 'aurora-postgresql',
      engineVersion: props.engineVersion,
      storageEncrypted: true,
      kmsKeyId: props.key.keyArn,
      dbSubnetGroupName: props.network.subnetGroup.subnetGroupName,
      vpcSecurityGroupIds: [this.securityGroup.securityGroupId],
      port: POSTGRES_PORT,
      dbClusterParameterGroupName: this.parameterGroup.ref,
      deletionProtection: true,
      enableIamDatabaseAuthentication: true,
      backupRetentionPeriod: BACKUP_RETENTION_DAYS,
      enableCloudwatchLogsExports: [...AURORA_LOG_EXPORTS],
      copyTagsToSnapshot: true,
    });
    this.cluster.cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN;
    this.cluster.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
    this.cluster.node.addDependency(...logGroups);

    this.instance = new rds.CfnDBInstance(this, 'Instance', {
      dbInstanceIdentifier: `${props.clusterIdentifier}-1`,
      dbClusterIdentifier: this.cluster.ref,
      engine: 'aurora-postgresql',
      dbInstanceClass: props.instanceClass,
      publiclyAccessible: false,
      ...instanceMonitoring,
      autoMinorVersionUpgrade: true,
      caCertificateIdentifier: 'rds-ca-rsa2048-g1',
    });
    this.instance.cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN;
    this.instance.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;

    const inBackupPlan =
      `the global database's secondary of ${props.sourceDescription}: the primary cluster's tier backup plan ` +
      '(continuous, daily and monthly, copied to the recovery vault) protects the data the global database replicates';
    for (const target of [this.cluster, this.instance]) {
      const validations = Validations.of(target);
      for (const ruleId of ['HIPAA.Security-RDSInBackupPlan', 'NIST.800.53.R5-RDSInBackupPlan'])
        validations.acknowledge({ id: ruleId, reason: inBackupPlan });
    }
    Validations.of(this.cluster).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'PostgreSQL keeps its standard port 5432, like the primary cluster: reachable only from its security group ' +
        'inside isolated subnets, a non-standard port adds no protection',
    });
  }
}
