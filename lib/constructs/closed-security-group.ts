import { Lazy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

/** The rule CDK itself writes into a group that may send nothing: no address can match it. */
const MATCHES_NO_TRAFFIC = {
  cidrIp: '255.255.255.255/32',
  description: 'Disallow all traffic',
  ipProtocol: 'icmp',
  fromPort: 252,
  toPort: 86,
};

/**
 * A security group that sends only where its egress rules say, also when every rule names another security group.
 * CDK writes such rules as separate resources and drops its placeholder from the group, so the group is created
 * with no egress rule of its own, and EC2 then gives it the allow-all rule. The placeholder stays in that case.
 */
export function closedSecurityGroup(
  scope: Construct,
  id: string,
  props: Omit<ec2.SecurityGroupProps, 'allowAllOutbound'>,
): ec2.SecurityGroup {
  const group = new ec2.SecurityGroup(scope, id, { ...props, allowAllOutbound: false });
  const resource = group.node.defaultChild as ec2.CfnSecurityGroup;
  const inline = resource.securityGroupEgress;
  resource.securityGroupEgress = Lazy.any({
    produce: () => {
      const rules = Stack.of(group).resolve(inline) as unknown[] | undefined;
      return rules && rules.length > 0 ? inline : [MATCHES_NO_TRAFFIC];
    },
  });
  return group;
}
