import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { POSTGRES_PARAMETERS } from '../../../engines/database/postgres-parameters';

/**
 * The parts a reference instance and a reference cluster set up alike, named by the database's identifier:
 * the parameter group (TLS only, pgaudit), the credentials replicated to the recovery region and the security
 * group without outbound rules.
 */

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
