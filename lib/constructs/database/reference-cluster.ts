import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { databaseLogGroups } from './database-log-group';
import { Construct } from 'constructs';
import { postgresMajor } from '../../../engines/common/engine-support';
import { pinIngressPorts, POSTGRES_PORT } from './postgres-port';
import {
  protectReference,
  referenceCredentials,
  referenceParameterGroup,
  referenceSecurityGroup,
  ReferenceSharedProps,
  referenceWindows,
} from './reference-setup';
import { BACKUP_RETENTION_DAYS } from './reference-instance';

/** Log types an Aurora PostgreSQL cluster exports to CloudWatch Logs. */
export const AURORA_LOG_EXPORTS = ['postgresql'] as const;

export interface ReferenceClusterProps extends ReferenceSharedProps {
  /** Aurora DB cluster identifier (see `names.databaseCluster`); instances add "-writer" and "-reader-<n>". */
  readonly clusterIdentifier: string;
  /** Aurora PostgreSQL version, "major.minor" ("17.6"). */
  readonly engineVersion: string;
  /** Instance class of the writer and the readers, e.g. "db.r6g.large". */
  readonly instanceClass: string;
  /** Readers besides the writer. */
  readonly readers: number;
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

    this.logGroup = databaseLogGroups(this, {
      kind: 'cluster',
      identifier: props.clusterIdentifier,
      logTypes: AURORA_LOG_EXPORTS,
      key: props.key,
      retention: props.logRetention,
    }).postgresql;

    this.securityGroup = referenceSecurityGroup(this, props.network.vpc, props.clusterIdentifier);

    const windows = referenceWindows(props);
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
        preferredWindow: windows.backup,
      },
      preferredMaintenanceWindow: windows.maintenance,
      copyTagsToSnapshot: true,
      iamAuthentication: true,
      cloudwatchLogsExports: [...AURORA_LOG_EXPORTS],
      monitoringInterval: Duration.seconds(60),
    });
    this.cluster.node.addDependency(this.logGroup);
    protectReference(this, {
      ...props,
      database: this.cluster,
      kind: 'cluster',
      identifier: props.clusterIdentifier,
      securityGroup: this.securityGroup,
    });
  }

  /** Let `peer` connect to PostgreSQL. */
  allowFrom(peer: ec2.IConnectable, description: string): void {
    this.cluster.connections.allowDefaultPortFrom(peer, description);
    pinIngressPorts(this.securityGroup, POSTGRES_PORT);
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
