import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';
import { names } from '../../lib/naming';
import { shippedConfig } from '../helpers/config';
import { testAppProps } from '../helpers/synth';

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };

const environments = shippedConfig().environments;
const { stages } = buildApp(environments, { compliance: false, ...testAppProps() });

function statements(template: Template, sid: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::ManagedPolicy')).flatMap((p) =>
    (p.Properties.PolicyDocument.Statement as Statement[]).filter((s) => s.Sid === sid),
  );
}

describe.each(environments.map((env, i) => [env.name, env, i] as const))(
  'failover restores land in the recovery database network (%s)',
  (_name, config, index) => {
    const standby = Template.fromStack(stages[index]!.standby);
    const recovery = Template.fromStack(stages[index]!.recovery);

    test('the standby stack publishes a named subnet group over the isolated subnets and a closed security group', () => {
      standby.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
        DBSubnetGroupName: names.recoveredSubnetGroup(config),
      });
      const groups = Object.values(standby.findResources('AWS::EC2::SecurityGroup')).filter((g) =>
        /restored by a failover/.test(String(g.Properties.GroupDescription)),
      );
      expect(groups).toHaveLength(1);
      expect(groups[0]!.Properties.SecurityGroupIngress).toBeUndefined();
      standby.hasResourceProperties('AWS::SSM::Parameter', {
        Name: names.recoveryNetworkParameter(config),
        Value: Match.objectLike({
          'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('subnetGroupName')])]),
        }),
      });
    });

    test('the failover function is told where to read it and may read only that parameter and restore only into that subnet group', () => {
      const catalogs = Object.values(recovery.findResources('AWS::Lambda::Function'))
        .map((f) => JSON.stringify(f.Properties.Environment?.Variables ?? {}))
        .filter((v) => v.includes('RUNBOOK_CATALOG'));
      expect(
        catalogs.some(
          (c) => c.includes('recoveryNetworkParameterName') && c.includes(names.recoveryNetworkParameter(config)),
        ),
      ).toBe(true);
      const [read] = statements(recovery, 'RecoveryNetwork');
      expect(read!.Action).toBe('ssm:GetParameter');
      expect(JSON.stringify(read!.Resource)).toContain(`parameter${names.recoveryNetworkParameter(config)}`);
      const [restore] = statements(recovery, 'RestoreIntoTheRecoveredIdentifiers');
      expect(JSON.stringify(restore!.Resource)).toContain(`:subgrp:${names.recoveredSubnetGroup(config)}`);
      expect(JSON.stringify(restore!.Resource)).not.toContain(':subgrp:*');
    });
  },
);
