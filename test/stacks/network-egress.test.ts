import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { shippedConfig } from '../helpers/config';
import { synthStage } from '../helpers/synth';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

interface Egress {
  readonly where: string;
  readonly rule: Record<string, unknown>;
}

function egressRules(resources: Resources, stackName: string): Egress[] {
  return Object.entries(resources).flatMap(([id, r]) => {
    if (r.Type === 'AWS::EC2::SecurityGroupEgress') return [{ where: `${stackName}/${id}`, rule: r.Properties ?? {} }];
    if (r.Type !== 'AWS::EC2::SecurityGroup') return [];
    const inline = (r.Properties?.SecurityGroupEgress ?? []) as Record<string, unknown>[];
    return inline.map((rule) => ({ where: `${stackName}/${id}`, rule }));
  });
}

describe.each(shippedConfig().environments.map((env) => [env.name, env] as const))(
  'network egress in every template of the shipped %s environment',
  (_name, config) => {
    const { stage } = synthStage(config);
    const stacks = stage.node
      .findAll()
      .filter((c): c is Stack => Stack.isStack(c))
      .map((stack) => ({
        name: stack.stackName,
        resources: Template.fromStack(stack).toJSON().Resources as Resources,
      }));
    const rules = stacks.flatMap((s) => egressRules(s.resources, s.name));

    test('no security group may send anywhere: no egress to 0.0.0.0/0 or ::/0', () => {
      expect(rules.length).toBeGreaterThan(10);
      expect(rules.filter((e) => e.rule.CidrIp === '0.0.0.0/0' || e.rule.CidrIpv6 === '::/0')).toEqual([]);
    });

    test('every security group lists an egress rule of its own, so EC2 adds no allow-all rule when it creates it', () => {
      const groups = stacks.flatMap((s) =>
        Object.entries(s.resources)
          .filter(([, r]) => r.Type === 'AWS::EC2::SecurityGroup')
          .map(([id, r]) => ({ where: `${s.name}/${id}`, inline: r.Properties?.SecurityGroupEgress as unknown[] })),
      );
      expect(groups.length).toBeGreaterThan(5);
      expect(groups.filter((g) => !g.inline || g.inline.length === 0).map((g) => g.where)).toEqual([]);
    });

    test("HTTPS to S3 goes to the region's S3 prefix list, looked up by the stack's own custom resource", () => {
      const toPrefixLists = rules.filter((e) => e.rule.DestinationPrefixListId !== undefined);
      // The drill validator (recovery stack) and the functions of the recovery database network (standby stack).
      expect(toPrefixLists.length).toBeGreaterThanOrEqual(2);
      for (const { where, rule } of toPrefixLists) {
        expect(rule).toMatchObject({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 });
        const [attribute] = Object.values(rule.DestinationPrefixListId as Record<string, [string, string]>);
        const stack = stacks.find((s) => where.startsWith(`${s.name}/`))!;
        expect(stack.resources[attribute![0]]?.Type).toBe('Custom::RxdrS3PrefixList');
        expect(attribute![1]).toBe('PrefixListId');
      }
    });

    test('the lookup function may describe prefix lists and write its own logs, nothing else', () => {
      const lookups = stacks.flatMap((s) =>
        Object.values(s.resources)
          .filter((r) => r.Type === 'AWS::IAM::ManagedPolicy')
          .filter((r) => r.Properties?.Description === 'rxdr: look up the S3 prefix list of the region'),
      );
      expect(lookups.length).toBeGreaterThanOrEqual(2);
      for (const policy of lookups) {
        const statements = (policy.Properties!.PolicyDocument as { Statement: { Action: unknown }[] }).Statement;
        expect(statements.flatMap((s) => [s.Action].flat()).sort()).toEqual([
          'ec2:DescribeManagedPrefixLists',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
        ]);
      }
    });
  },
);
