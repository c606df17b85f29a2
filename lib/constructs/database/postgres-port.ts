import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';

/** PostgreSQL's port on every database rxdr creates or reaches. */
export const POSTGRES_PORT = 5432;

/**
 * The L2 opens the instance's port as `Fn::GetAtt Endpoint.Port`, a token rule checkers cannot read (and so
 * report as "maybe SSH/RDP"). The port is fixed, so write it as the number it is.
 */
export function pinIngressPorts(securityGroup: ec2.SecurityGroup, port: number): void {
  for (const child of securityGroup.node.children) {
    if (
      child instanceof ec2.CfnSecurityGroupIngress &&
      (Token.isUnresolved(child.fromPort) || Token.isUnresolved(child.toPort))
    ) {
      child.fromPort = port;
      child.toPort = port;
    }
  }
}
