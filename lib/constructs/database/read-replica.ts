import { CfnDeletionPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { DatabaseNetwork } from './network';
import { POSTGRES_PORT } from './postgres-port';
import { POSTGRES_LOG_EXPORTS } from './reference-instance';
import { standbyParameterGroup, standbyTelemetry } from './standby-setup';

export interface CrossRegionReadReplicaProps {
  /** DB instance identifier of the replica (see `names.replicaInstance`). */
  readonly replicaIdentifier: string;
  /** ARN of the source instance in the primary region (created or adopted). */
  readonly sourceInstanceArn: string;
  /** Region of the source instance (the ARN usually holds a partition token, so it is not parsed from it). */
  readonly sourceRegion: string;
  /** RDS instance class of the replica; a warm standby should match the source. */
  readonly instanceClass: string;
  readonly multiAz: boolean;
  /** The recovery region's customer-managed key (storage, Performance Insights, logs). */
  readonly key: kms.IKey;
  /** The recovery-region network (isolated subnets, subnet group). */
  readonly network: DatabaseNetwork;
  readonly logRetention: logs.RetentionDays;
  /**
   * PostgreSQL major version of the source: the replica's parameter group (the reference instance's parameters:
   * TLS only, pgaudit) must be of the source's family. Always set: the replica becomes production on promotion.
   */
  readonly engineMajorVersion: string;
  /** Where the replica's source lives and what protects it, for the backup-plan acknowledgement. */
  readonly sourceDescription: string;
}

/**
 * An encrypted cross-region read replica in the recovery region: the warm standby of a tier-1 database
 * (the tier table in docs/domain.md). Storage and Performance Insights on the recovery CMK, isolated subnets, no public
 * access, deletion protection and `RETAIN` (after a promotion it is the database), IAM authentication, log
 * exports to CMK-encrypted groups with explicit retention and enhanced monitoring. Built on
 * `CfnDBInstance` because the L2 read replica resolves its source's ARN in the replica's own region.
 *
 * The source must be encrypted (RDS cannot create an encrypted replica of an unencrypted instance) and must
 * have automated backups on.
 */
export class CrossRegionReadReplica extends Construct {
  readonly replica: rds.CfnDBInstance;
  readonly securityGroup: ec2.SecurityGroup;
  readonly replicaIdentifier: string;
  readonly parameterGroup: rds.CfnDBParameterGroup;

  constructor(scope: Construct, id: string, props: CrossRegionReadReplicaProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { sourceRegion } = props;
    const problems: string[] = [];
    if (
      !Token.isUnresolved(props.sourceInstanceArn) &&
      !/^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:db:[a-zA-Z][a-zA-Z0-9-]*$/.test(props.sourceInstanceArn)
    ) {
      problems.push(
        `sourceInstanceArn must be an RDS DB instance ARN (arn:<partition>:rds:<region>:<account>:db:<identifier>), got "${props.sourceInstanceArn}"`,
      );
    }
    if (!Token.isUnresolved(stack.region) && sourceRegion === stack.region) {
      problems.push(`a cross-region replica must live in another region than its source, got ${sourceRegion} for both`);
    }
    if (!/^\d+$/.test(props.engineMajorVersion))
      problems.push(
        `engineMajorVersion must be a PostgreSQL major version such as "17", got "${props.engineMajorVersion}"`,
      );
    if (!/^db\.[a-z0-9]+\.[a-z0-9]+$/.test(props.instanceClass))
      problems.push(`instanceClass must be an RDS instance class such as "db.m7g.large", got "${props.instanceClass}"`);
    if (props.replicaIdentifier.length > 63)
      problems.push(`replicaIdentifier must be at most 63 characters, got ${props.replicaIdentifier.length}`);
    if (problems.length > 0)
      throw new Error(
        `Invalid CrossRegionReadReplica ${this.node.path}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      );

    this.replicaIdentifier = props.replicaIdentifier;
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.network.vpc,
      description: `rxdr ${props.replicaIdentifier}: PostgreSQL from allowed peers only (the failover runbook opens application access)`,
      allowAllOutbound: false,
    });

    this.parameterGroup = standbyParameterGroup(
      this,
      rds.CfnDBParameterGroup,
      `postgres${props.engineMajorVersion}`,
      props.replicaIdentifier,
    );
    const { logGroups, instanceMonitoring } = standbyTelemetry(this, {
      kind: 'instance',
      identifier: props.replicaIdentifier,
      logTypes: POSTGRES_LOG_EXPORTS,
      key: props.key,
      retention: props.logRetention,
    });

    this.replica = new rds.CfnDBInstance(this, 'Replica', {
      dbInstanceIdentifier: props.replicaIdentifier,
      sourceDbInstanceIdentifier: props.sourceInstanceArn,
      sourceRegion,
      dbInstanceClass: props.instanceClass,
      // Encrypted with this region's key. StorageEncrypted must not be set with SourceDBInstanceIdentifier
      // (CloudFormation; cfn-lint E3020): a replica of an encrypted source is always encrypted.
      kmsKeyId: props.key.keyArn,
      dbSubnetGroupName: props.network.subnetGroup.subnetGroupName,
      vpcSecurityGroups: [this.securityGroup.securityGroupId],
      port: String(POSTGRES_PORT),
      publiclyAccessible: false,
      multiAz: props.multiAz,
      deletionProtection: true,
      enableIamDatabaseAuthentication: true,
      dbParameterGroupName: this.parameterGroup.ref,
      enableCloudwatchLogsExports: [...POSTGRES_LOG_EXPORTS],
      ...instanceMonitoring,
      autoMinorVersionUpgrade: true,
      copyTagsToSnapshot: true,
      caCertificateIdentifier: 'rds-ca-rsa2048-g1',
    });
    // After a promotion the replica is the production database: never delete or replace it with the stack.
    this.replica.cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN;
    this.replica.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
    this.replica.node.addDependency(...logGroups);

    this.acknowledgeFindings(props);
  }

  private acknowledgeFindings(props: CrossRegionReadReplicaProps): void {
    const replica = Validations.of(this.replica);
    const inBackupPlan =
      `a read replica of ${props.sourceDescription}: the source's automated backups (replicated ` +
      `to this region), its tier's backup plan and copies to the recovery vault protect the ` +
      `data; RDS for PostgreSQL replicas take no backups of their own, and the failover runbook ` +
      `enables them on promotion`;
    replica.acknowledge({ id: 'HIPAA.Security-RDSInBackupPlan', reason: inBackupPlan });
    replica.acknowledge({ id: 'NIST.800.53.R5-RDSInBackupPlan', reason: inBackupPlan });
    replica.acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'PostgreSQL keeps its standard port 5432, like its source: reachable only from its ' +
        'security group inside isolated subnets, a non-standard port adds no protection and breaks ' +
        'failover client defaults',
    });
    const encrypted =
      "encrypted with the recovery region's customer-managed key (KmsKeyId); CloudFormation does " +
      'not accept StorageEncrypted on a read replica (SourceDBInstanceIdentifier), which ' +
      'inherits encryption from its encrypted source';
    for (const id of ['AwsSolutions-RDS2', 'HIPAA.Security-RDSStorageEncrypted', 'NIST.800.53.R5-RDSStorageEncrypted'])
      replica.acknowledge({ id, reason: encrypted });
    if (!props.multiAz) {
      const reason = `multiAz is false for this warm standby (non-production environment, synthetic data); production replicas are Multi-AZ, enforced by the config default and tests`;
      replica.acknowledge({ id: 'AwsSolutions-RDS3', reason });
      replica.acknowledge({ id: 'HIPAA.Security-RDSMultiAZSupport', reason });
      replica.acknowledge({ id: 'NIST.800.53.R5-RDSMultiAZSupport', reason });
    }
  }
}
