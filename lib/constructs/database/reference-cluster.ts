import { ArnFormat, Duration, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { databaseLogGroup } from './database-log-group';
import { acknowledgeMonitoringPolicy } from './enhanced-monitoring';
import { Construct } from 'constructs';
import { addIsolatedRotation } from './isolated-rotation';
import { postgresMajor } from '../../../engines/common/engine-support';
import { TagKeys } from '../../tags';
import { DatabaseNetwork } from './network';
import { referenceCredentials, referenceParameterGroup, referenceSecurityGroup } from './reference-setup';
import { BACKUP_RETENTION_DAYS, pinIngressPorts, POSTGRES_PORT } from './reference-instance';

/** Log types an Aurora PostgreSQL cluster exports to CloudWatch Logs. */
export const AURORA_LOG_EXPORTS = ['postgresql'] as const;

export interface ReferenceClusterProps {
  /** Aurora DB cluster identifier (see `names.databaseCluster`); instances add "-writer" and "-reader-<n>". */
  readonly clusterIdentifier: string;
  /** Aurora PostgreSQL version, "major.minor" ("17.6"). */
  readonly engineVersion: string;
  /** Instance class of the writer and the readers, e.g. "db.r6g.large". */
  readonly instanceClass: string;
  /** Readers besides the writer. */
  readonly readers: number;
  /** The tier name, tagged as `rxdr:tier` (the tier's backup plan selects the cluster by ARN, not by this tag). */
  readonly tier: string;
  readonly network: DatabaseNetwork;
  /** Customer-managed key for storage, Performance Insights, logs and the credentials secret. */
  readonly key: kms.IKey;
  /** Region the credentials secret is replicated to. */
  readonly recoveryRegion: string;
  /** The recovery region's key by (alias) ARN, for the secret's replica. */
  readonly recoveryKeyArn: string;
  /** Secrets Manager name of the credentials (the replica in the recovery region has the same name). */
  readonly secretName: string;
  readonly logRetention: logs.RetentionDays;
  /** @default "sun:06:00-sun:06:30" */
  readonly preferredMaintenanceWindow?: string;
  /** @default "04:00-04:30" */
  readonly preferredBackupWindow?: string;
  /** @default 30 */
  readonly rotationDays?: number;
}

/**
 * A reference Aurora PostgreSQL cluster, protected like `ReferenceDatabase`: a writer and readers in the
 * isolated subnets, CMK storage encryption, deletion protection and `RETAIN`, 35-day backups (PITR), IAM
 * database authentication, a cluster parameter group with `rds.force_ssl=1` and pgaudit, log exports to a
 * CMK-encrypted log group with explicit retention, enhanced monitoring, Performance Insights on the CMK, and
 * credentials in Secrets Manager with rotation, replicated to the recovery region on the recovery key.
 */
export class ReferenceCluster extends Construct {
  readonly cluster: rds.DatabaseCluster;
  readonly secret: rds.DatabaseSecret;
  readonly securityGroup: ec2.SecurityGroup;
  readonly parameterGroup: rds.ParameterGroup;
  readonly clusterIdentifier: string;
  /** The cluster's ARN, built from its identifier (stable across deployments). */
  readonly clusterArn: string;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ReferenceClusterProps) {
    super(scope, id);
    const problems = validate(props);
    if (problems.length > 0)
      throw new Error(`Invalid ReferenceCluster ${this.node.path}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);

    this.clusterIdentifier = props.clusterIdentifier;
    this.clusterArn = Stack.of(this).formatArn({
      service: 'rds',
      resource: 'cluster',
      resourceName: props.clusterIdentifier,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const engine = rds.DatabaseClusterEngine.auroraPostgres({
      version: rds.AuroraPostgresEngineVersion.of(props.engineVersion, postgresMajor(props.engineVersion)),
    });
    // On a cluster these are cluster-level parameters (rds.force_ssl, the preloaded pgaudit and its settings).
    this.parameterGroup = referenceParameterGroup(this, engine, props.clusterIdentifier);
    this.secret = referenceCredentials(this, { ...props, username: 'rxdr_admin' });

    this.logGroup = databaseLogGroup(this, {
      kind: 'cluster',
      identifier: props.clusterIdentifier,
      logType: 'postgresql',
      key: props.key,
      retention: props.logRetention,
    });

    this.securityGroup = referenceSecurityGroup(this, props.network.vpc, props.clusterIdentifier);

    const instance = (name: string) =>
      rds.ClusterInstance.provisioned(name, {
        instanceIdentifier: `${props.clusterIdentifier}-${name}`,
        instanceType: new ec2.InstanceType(props.instanceClass.replace(/^db\./, '')),
        publiclyAccessible: false,
        enablePerformanceInsights: true,
        performanceInsightEncryptionKey: props.key,
        autoMinorVersionUpgrade: true,
        caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
      });
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      clusterIdentifier: props.clusterIdentifier,
      engine,
      credentials: rds.Credentials.fromSecret(this.secret),
      writer: instance('writer'),
      readers: Array.from({ length: props.readers }, (_, index) => instance(`reader-${index + 1}`)),
      vpc: props.network.vpc,
      subnetGroup: props.network.subnetGroup,
      securityGroups: [this.securityGroup],
      port: POSTGRES_PORT,
      parameterGroup: this.parameterGroup,
      storageEncrypted: true,
      storageEncryptionKey: props.key,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      backup: {
        retention: Duration.days(BACKUP_RETENTION_DAYS),
        preferredWindow: props.preferredBackupWindow ?? '04:00-04:30',
      },
      preferredMaintenanceWindow: props.preferredMaintenanceWindow ?? 'sun:06:00-sun:06:30',
      copyTagsToSnapshot: true,
      iamAuthentication: true,
      cloudwatchLogsExports: [...AURORA_LOG_EXPORTS],
      monitoringInterval: Duration.seconds(60),
    });
    this.cluster.node.addDependency(this.logGroup);
    Tags.of(this.cluster).add(TagKeys.tier, props.tier);

    addIsolatedRotation(this, {
      database: this.cluster,
      databaseSecurityGroup: this.securityGroup,
      network: props.network,
      identifier: props.clusterIdentifier,
      rotationDays: props.rotationDays,
    });
    pinIngressPorts(this.securityGroup, POSTGRES_PORT);

    this.acknowledgeFindings(props);
  }

  /** Let `peer` connect to PostgreSQL. */
  allowFrom(peer: ec2.IConnectable, description: string): void {
    this.cluster.connections.allowDefaultPortFrom(peer, description);
    pinIngressPorts(this.securityGroup, POSTGRES_PORT);
  }

  private acknowledgeFindings(props: ReferenceClusterProps): void {
    const cluster = Validations.of(this.cluster);
    const inBackupPlan =
      `selected by its cluster ARN in the "${props.tier}" tier's backup plan (continuous, daily and monthly rules ` +
      'copying to the recovery vault); cdk-nag only recognises selections listing the logical ID, so the ' +
      'Rxdr-DatabasesSelectedWithCrossRegionCopy rule and the stack tests check the ARN selection instead';
    for (const id of ['HIPAA.Security-RDSInBackupPlan', 'NIST.800.53.R5-RDSInBackupPlan'])
      cluster.acknowledge({ id, reason: inBackupPlan });
    cluster.acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'PostgreSQL keeps its standard port 5432: the cluster is reachable only from its security group ' +
        'inside isolated subnets, so a non-standard port adds no protection and breaks drill and client defaults',
    });
    const monitoringRole = this.cluster.node.tryFindChild('MonitoringRole');
    if (monitoringRole) acknowledgeMonitoringPolicy(monitoringRole);
  }
}

function validate(props: ReferenceClusterProps): string[] {
  const problems: string[] = [];
  if (!/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}$/.test(props.clusterIdentifier))
    problems.push(
      `clusterIdentifier must be 1-63 letters, digits or "-" starting with a letter, got "${props.clusterIdentifier}"`,
    );
  if (`${props.clusterIdentifier}-reader-${props.readers}`.length > 63)
    problems.push(
      `clusterIdentifier leaves no room for instance identifiers (63 characters), got "${props.clusterIdentifier}"`,
    );
  if (!/^\d+\.\d+$/.test(props.engineVersion))
    problems.push(`engineVersion must be an Aurora PostgreSQL version "major.minor", got "${props.engineVersion}"`);
  if (!Number.isInteger(props.readers) || props.readers < 0 || props.readers > 15)
    problems.push(`readers must be 0-15, got ${props.readers}`);
  return problems;
}
