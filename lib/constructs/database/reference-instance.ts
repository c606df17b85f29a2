import { ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { databaseLogGroups } from './database-log-group';
import { Construct } from 'constructs';
import { postgresVersionProblem } from '../../../engines/common/engine-support';
import { pinIngressPorts, POSTGRES_PORT } from './postgres-port';
import {
  protectReference,
  referenceCredentials,
  referenceParameterGroup,
  referenceSecurityGroup,
  ReferenceSharedProps,
  referenceWindows,
} from './reference-setup';

/** Log types a PostgreSQL instance exports to CloudWatch Logs. */
export const POSTGRES_LOG_EXPORTS = ['postgresql', 'upgrade'] as const;
/** Automated-backup retention of every instance rxdr creates: the RDS maximum (PITR window). */
export const BACKUP_RETENTION_DAYS = 35;

export interface ReferenceDatabaseProps extends ReferenceSharedProps {
  /** RDS DB instance identifier (see `names.databaseInstance`). */
  readonly instanceIdentifier: string;
  /** PostgreSQL version, major ("17") or major.minor ("17.6"). */
  readonly engineVersion: string;
  /** RDS instance class, e.g. "db.m7g.large". */
  readonly instanceClass: string;
  readonly allocatedStorageGb: number;
  readonly multiAz: boolean;
  /** @default "rxdr_admin" */
  readonly masterUsername?: string;
}

/**
 * A reference RDS for PostgreSQL instance, protected the way docs/domain.md asks (H4, H5 and the tier table):
 * CMK storage encryption, Multi-AZ when configured, deletion protection and `RETAIN`, 35-day automated
 * backups (PITR), IAM database authentication, `rds.force_ssl=1`, log exports to CMK-encrypted log groups
 * with explicit retention, enhanced monitoring, Performance Insights on the CMK, credentials in Secrets
 * Manager on the CMK with rotation, replicated to the recovery region on the recovery key, and the
 * `rxdr:tier` tag. It sits in the isolated subnets of `network`; nothing may connect until a security group
 * rule says so (the credentials rotation function is the only one this construct adds).
 */
export class ReferenceDatabase extends Construct {
  readonly instance: rds.DatabaseInstance;
  readonly secret: rds.DatabaseSecret;
  readonly securityGroup: ec2.SecurityGroup;
  readonly parameterGroup: rds.ParameterGroup;
  readonly instanceIdentifier: string;
  /** The instance's ARN, built from its identifier (stable across deployments). */
  readonly instanceArn: string;
  readonly logGroups: Readonly<Record<(typeof POSTGRES_LOG_EXPORTS)[number], logs.LogGroup>>;

  constructor(scope: Construct, id: string, props: ReferenceDatabaseProps) {
    super(scope, id);
    const problems = validate(props, Stack.of(this).region);
    if (problems.length > 0)
      throw new Error(`Invalid ReferenceDatabase ${this.node.path}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);

    const stack = Stack.of(this);
    this.instanceIdentifier = props.instanceIdentifier;
    this.instanceArn = stack.formatArn({
      service: 'rds',
      resource: 'db',
      resourceName: props.instanceIdentifier,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const major = props.engineVersion.split('.')[0] ?? props.engineVersion;
    const engine = rds.DatabaseInstanceEngine.postgres({
      version: rds.PostgresEngineVersion.of(props.engineVersion, major),
    });

    this.parameterGroup = referenceParameterGroup(this, engine, props.instanceIdentifier);
    this.secret = referenceCredentials(this, { ...props, username: props.masterUsername ?? 'rxdr_admin' });

    // Created before the instance so that RDS writes into encrypted groups with a retention, not its own.
    this.logGroups = databaseLogGroups(this, {
      kind: 'instance',
      identifier: props.instanceIdentifier,
      logTypes: POSTGRES_LOG_EXPORTS,
      key: props.key,
      retention: props.logRetention,
    });

    this.securityGroup = referenceSecurityGroup(this, props.network.vpc, props.instanceIdentifier);

    const windows = referenceWindows(props);
    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      instanceIdentifier: props.instanceIdentifier,
      engine,
      instanceType: new ec2.InstanceType(props.instanceClass.replace(/^db\./, '')),
      vpc: props.network.vpc,
      subnetGroup: props.network.subnetGroup,
      securityGroups: [this.securityGroup],
      port: POSTGRES_PORT,
      publiclyAccessible: false,
      credentials: rds.Credentials.fromSecret(this.secret),
      parameterGroup: this.parameterGroup,
      allocatedStorage: props.allocatedStorageGb,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      storageEncryptionKey: props.key,
      multiAz: props.multiAz,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      backupRetention: Duration.days(BACKUP_RETENTION_DAYS),
      preferredBackupWindow: windows.backup,
      preferredMaintenanceWindow: windows.maintenance,
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      iamAuthentication: true,
      cloudwatchLogsExports: [...POSTGRES_LOG_EXPORTS],
      monitoringInterval: Duration.seconds(60),
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: props.key,
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
    });
    for (const group of Object.values(this.logGroups)) this.instance.node.addDependency(group);
    protectReference(this, {
      ...props,
      database: this.instance,
      kind: 'instance',
      identifier: props.instanceIdentifier,
      securityGroup: this.securityGroup,
    });
    if (!props.multiAz) {
      const reason = `multiAz is false in this environment's configuration (non-production, synthetic data); production instances are Multi-AZ, enforced by the config default and tests`;
      for (const id of ['AwsSolutions-RDS3', 'HIPAA.Security-RDSMultiAZSupport', 'NIST.800.53.R5-RDSMultiAZSupport'])
        Validations.of(this.instance).acknowledge({ id, reason });
    }
  }

  /** Let `peer` connect to PostgreSQL (e.g. an application or the drill validator's security group). */
  allowFrom(peer: ec2.IConnectable, description: string): void {
    this.instance.connections.allowDefaultPortFrom(peer, description);
    pinIngressPorts(this.securityGroup, POSTGRES_PORT);
  }
}

function validate(props: ReferenceDatabaseProps, region: string): string[] {
  const problems: string[] = [];
  if (
    !Token.isUnresolved(props.instanceIdentifier) &&
    !/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}$/.test(props.instanceIdentifier)
  ) {
    problems.push(
      `instanceIdentifier must be 1-63 letters, digits or "-" starting with a letter, got "${props.instanceIdentifier}"`,
    );
  }
  const versionProblem = postgresVersionProblem(props.engineVersion);
  if (versionProblem) problems.push(`engineVersion: ${versionProblem} (got "${props.engineVersion}")`);
  if (props.rotationDays !== undefined && (props.rotationDays < 1 || props.rotationDays > 365)) {
    problems.push(`rotationDays must be 1-365, got ${props.rotationDays}`);
  }
  if (!Token.isUnresolved(region) && props.recoveryRegion === region) {
    problems.push(`recoveryRegion must differ from the instance's region, got "${props.recoveryRegion}" for both`);
  }
  return problems;
}
