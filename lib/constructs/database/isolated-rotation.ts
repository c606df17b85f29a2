import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { closedSecurityGroup } from '../closed-security-group';
import type { DatabaseNetwork } from './network';
import { POSTGRES_PORT } from './postgres-port';

export interface IsolatedRotationProps {
  /** The instance or cluster whose single-user credentials rotate. */
  readonly database: rds.DatabaseInstance | rds.DatabaseCluster;
  /** The database's security group: the rotation function may reach PostgreSQL on it and nothing else. */
  readonly databaseSecurityGroup: ec2.SecurityGroup;
  readonly network: DatabaseNetwork;
  /** What the rotation function's security group description names. */
  readonly identifier: string;
  /** @default 30 */
  readonly rotationDays?: number;
}

/**
 * Rotate a database's credentials from its isolated subnets: the rotation function reaches only PostgreSQL on the
 * database and Secrets Manager through the network's interface endpoint (there is no other way out).
 */
export function addIsolatedRotation(scope: Construct, props: IsolatedRotationProps): secretsmanager.SecretRotation {
  const endpoint = props.network.endpoints.secretsManager;
  if (!endpoint)
    throw new Error(
      `${scope.node.path} rotates its credentials from isolated subnets: its network needs an interface endpoint ` +
        'named "secretsManager"',
    );
  const securityGroup = closedSecurityGroup(scope, 'RotationSecurityGroup', {
    vpc: props.network.vpc,
    description: `rxdr ${props.identifier}: credentials rotation function`,
  });
  securityGroup.addEgressRule(
    props.databaseSecurityGroup,
    ec2.Port.tcp(POSTGRES_PORT),
    'rotation function to PostgreSQL',
  );
  endpoint.connections.allowDefaultPortFrom(securityGroup, 'rotation function to Secrets Manager');
  securityGroup.connections.allowTo(endpoint, ec2.Port.tcp(443), 'rotation function to Secrets Manager');
  return props.database.addRotationSingleUser({
    automaticallyAfter: Duration.days(props.rotationDays ?? 30),
    vpcSubnets: props.network.subnets,
    endpoint,
    securityGroup,
  });
}
