import { RemovalPolicy, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { POSTGRES_PARAMETERS } from '../../../engines/database/postgres-parameters';
import { acknowledgeHipaaAndNist } from '../../compliance/acknowledgements';
import { TagKeys } from '../../tags';
import { acknowledgeMonitoringPolicy } from './enhanced-monitoring';
import { addIsolatedRotation } from './isolated-rotation';
import type { DatabaseNetwork } from './network';
import { pinIngressPorts, POSTGRES_PORT } from './postgres-port';

/**
 * The parts a reference instance and a reference cluster set up alike, named by the database's identifier:
 * the parameter group (TLS only, pgaudit), the credentials replicated to the recovery region, the security
 * group without outbound rules, and the protection around the database once it exists.
 */

/** What a reference instance and a reference cluster are given alike. */
export interface ReferenceSharedProps {
  /** The tier name, tagged as `rxdr:tier` (the tier's backup plan selects the database by ARN, not by this tag). */
  readonly tier: string;
  readonly network: DatabaseNetwork;
  /** Customer-managed key for storage, Performance Insights, logs and the credentials secret. */
  readonly key: kms.IKey;
  /** Region the credentials secret is replicated to. */
  readonly recoveryRegion: string;
  /**
   * The recovery region's key, by ARN (an alias ARN works: Secrets Manager accepts "ARN, key ID or alias"),
   * for the secret's replica. Built with `formatArn`, so no cross-region reference is needed.
   */
  readonly recoveryKeyArn: string;
  /** Secrets Manager name of the credentials (the replica in the recovery region has the same name). */
  readonly secretName: string;
  readonly logRetention: logs.RetentionDays;
  /** @default "sun:06:00-sun:06:30" */
  readonly preferredMaintenanceWindow?: string;
  /** @default "04:00-04:30" */
  readonly preferredBackupWindow?: string;
  /**
   * Days between credential rotations.
   * @default 30
   */
  readonly rotationDays?: number;
}

/** The backup and maintenance windows, with their defaults. */
export function referenceWindows(props: ReferenceSharedProps): { backup: string; maintenance: string } {
  return {
    backup: props.preferredBackupWindow ?? '04:00-04:30',
    maintenance: props.preferredMaintenanceWindow ?? 'sun:06:00-sun:06:30',
  };
}

/** The parameter group `Parameters`: TLS only and pgaudit (cluster-level parameters on a cluster). */
export function referenceParameterGroup(scope: Construct, engine: rds.IEngine, identifier: string): rds.ParameterGroup {
  return new rds.ParameterGroup(scope, 'Parameters', {
    engine,
    description: `rxdr ${identifier}: TLS only, pgaudit`,
    parameters: { ...POSTGRES_PARAMETERS },
  });
}

export interface ReferenceCredentialsProps {
  readonly username: string;
  readonly secretName: string;
  readonly key: kms.IKey;
  readonly recoveryRegion: string;
  readonly recoveryKeyArn: string;
}

/** The secret `Credentials`, retained and replicated to the recovery region under that region's key. */
export function referenceCredentials(scope: Construct, props: ReferenceCredentialsProps): rds.DatabaseSecret {
  const secret = new rds.DatabaseSecret(scope, 'Credentials', {
    username: props.username,
    secretName: props.secretName,
    encryptionKey: props.key,
    replicaRegions: [{ region: props.recoveryRegion }],
  });
  // The replica's key is the recovery region's CMK, named by ARN: the L2 only takes an IKey of this stack.
  (secret.node.defaultChild as secretsmanager.CfnSecret).replicaRegions = [
    { region: props.recoveryRegion, kmsKeyId: props.recoveryKeyArn },
  ];
  secret.applyRemovalPolicy(RemovalPolicy.RETAIN);
  return secret;
}

/** The security group `SecurityGroup`: PostgreSQL from allowed peers only, no outbound rules. */
export function referenceSecurityGroup(scope: Construct, vpc: ec2.IVpc, identifier: string): ec2.SecurityGroup {
  return new ec2.SecurityGroup(scope, 'SecurityGroup', {
    vpc,
    description: `rxdr ${identifier}: PostgreSQL from allowed peers only`,
    allowAllOutbound: false,
  });
}

export interface ReferenceProtectionProps extends ReferenceSharedProps {
  readonly database: rds.DatabaseInstance | rds.DatabaseCluster;
  /** "instance" or "cluster", as the acknowledgements name it. */
  readonly kind: 'instance' | 'cluster';
  readonly identifier: string;
  readonly securityGroup: ec2.SecurityGroup;
}

/**
 * What surrounds a reference database once it exists: the `rxdr:tier` tag, credentials rotation from the
 * isolated subnets, PostgreSQL's port written as a number in its ingress rules, and the acknowledgements of
 * findings that do not apply to it (selected by ARN, standard port, the enhanced-monitoring managed policy).
 */
export function protectReference(scope: Construct, props: ReferenceProtectionProps): void {
  Tags.of(props.database).add(TagKeys.tier, props.tier);
  addIsolatedRotation(scope, {
    database: props.database,
    databaseSecurityGroup: props.securityGroup,
    network: props.network,
    identifier: props.identifier,
    rotationDays: props.rotationDays,
  });
  pinIngressPorts(props.securityGroup, POSTGRES_PORT);

  const inBackupPlan =
    `selected by its ${props.kind} ARN in the "${props.tier}" tier's backup plan (continuous, daily and monthly ` +
    'rules copying to the recovery vault); cdk-nag only recognises selections listing the logical ID, so the ' +
    'Rxdr-DatabasesSelectedWithCrossRegionCopy rule and the stack tests check the ARN selection instead';
  acknowledgeHipaaAndNist(props.database, 'RDSInBackupPlan', inBackupPlan);
  Validations.of(props.database).acknowledge({
    id: 'AwsSolutions-RDS11',
    reason:
      `PostgreSQL keeps its standard port 5432: the ${props.kind} is reachable only from its security group ` +
      'inside isolated subnets, so a non-standard port adds no protection and breaks drill and client defaults',
  });
  // RDS creates the enhanced-monitoring role with the AWS managed policy made for exactly this purpose.
  const monitoringRole = props.database.node.tryFindChild('MonitoringRole');
  if (monitoringRole) acknowledgeMonitoringPolicy(monitoringRole);
}
