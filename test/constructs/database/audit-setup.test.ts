import { isCluster } from '../../../lib/config/database-kind';
import { REFERENCE_PHI_TABLES } from '../../../engines/database/audit-setup';
import { environment, parsing, shippedConfig } from '../../helpers/config';
import { type Json } from '../../helpers/intrinsics';
import { synthStage } from '../../helpers/synth';

/*
 * The deploy-time pgaudit setup: on every created instance of every shipped environment, a custom resource
 * whose function runs in the database network and reaches only PostgreSQL on that instance and the Secrets
 * Manager endpoint. (That the function verifies the server certificate: test/validation/database-tls-template.test.ts.)
 */

type Resource = { Type: string; Properties: Record<string, Json>; DependsOn?: string[] };

describe.each(shippedConfig().environments.map((env) => [env.name, env] as const))('audit setup in %s', (_, config) => {
  const { primary } = synthStage(config);
  const all = primary.toJSON().Resources as Record<string, Resource>;
  const setups = Object.entries(all).filter(([, r]) => r.Type === 'Custom::RxdrAuditSetup');
  const created = config.databases.filter((db) => db.mode === 'create');

  /** The instance or cluster a setup connects to, and that resource's security group. */
  const targetOf = (setup: Resource) => {
    const id = setup.Properties.Host['Fn::GetAtt'][0] as string;
    const target = all[id]!;
    const groups = target.Properties.VPCSecurityGroups ?? target.Properties.VpcSecurityGroupIds;
    return { id, target, group: groups[0]['Fn::GetAtt'][0] as string };
  };

  test('one per created instance or cluster, on its endpoint and secret, auditing the configured PHI tables', () => {
    expect(setups).toHaveLength(created.length);
    for (const db of created) {
      const [, setup] = setups.find(([, r]) => {
        const { target } = targetOf(r);
        const name = target.Properties.DBInstanceIdentifier ?? target.Properties.DBClusterIdentifier;
        return name === `rxdr-${config.name}-${db.name}`;
      })!;
      const { id, target } = targetOf(setup);
      expect(target.Type).toBe(isCluster(db) ? 'AWS::RDS::DBCluster' : 'AWS::RDS::DBInstance');
      expect(setup.Properties).toMatchObject({
        Host: { 'Fn::GetAtt': [id, 'Endpoint.Address'] },
        Port: '5432',
        Database: 'postgres',
        Tables: [...REFERENCE_PHI_TABLES],
      });
      expect(all[setup.Properties.SecretArn.Ref]?.Type).toBe('AWS::SecretsManager::Secret');
    }
  });

  test('its function runs in the isolated subnets and reaches only PostgreSQL on the database and Secrets Manager', () => {
    const functionGroups = Object.values(all)
      .filter(
        (r) =>
          r.Type === 'AWS::Lambda::Function' &&
          r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'rxdr-audit-setup',
      )
      .map((fn) => fn.Properties.VpcConfig.SecurityGroupIds[0]['Fn::GetAtt'][0] as string);
    const egressOf = (group: string) =>
      Object.values(all)
        .filter((r) => r.Type === 'AWS::EC2::SecurityGroupEgress' && r.Properties.GroupId['Fn::GetAtt']?.[0] === group)
        .map((r) => [r.Properties.FromPort, r.Properties.DestinationSecurityGroupId['Fn::GetAtt'][0]]);
    const endpointGroups = Object.values(all)
      .filter((r) => r.Type === 'AWS::EC2::VPCEndpoint' && r.Properties.VpcEndpointType === 'Interface')
      .flatMap((r) => r.Properties.SecurityGroupIds.map((g: Json) => g['Fn::GetAtt'][0]));
    for (const group of functionGroups) {
      const egress = egressOf(group);
      expect(egress).toHaveLength(2);
      expect(endpointGroups).toContainEqual(egress.find(([port]) => port === 443)?.[1]);
      // Inline, only the rule that matches nothing: it keeps EC2 from giving the group its allow-all rule.
      expect(all[group]!.Properties.SecurityGroupEgress).toEqual([
        expect.objectContaining({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' }),
      ]);
    }
    for (const [, setup] of setups) {
      const { group } = targetOf(setup);
      expect(functionGroups.some((g) => egressOf(g).some(([port, to]) => port === 5432 && to === group))).toBe(true);
    }
  });

  test('adopted databases get none (rxdr does not know their network)', () => {
    expect(setups.length).toBe(created.length);
  });
});

describe('audit configuration', () => {
  test('defaults: the reference schema PHI tables in "postgres"; tables can be named', () => {
    expect(environment().databases[0]).toMatchObject({
      audit: { database: 'postgres', tables: [...REFERENCE_PHI_TABLES] },
    });
    const configured = environment({
      databases: [{ name: 'rx', tier: 'critical', mode: 'create', audit: { database: 'rx', tables: ['rx.patients'] } }],
    });
    expect(configured.databases[0]).toMatchObject({ audit: { database: 'rx', tables: ['rx.patients'] } });
  });

  test('a malformed table or database name is a config error naming the value', () => {
    expect(
      parsing({
        databases: [
          { name: 'rx', tier: 'critical', mode: 'create', audit: { database: 'rx db', tables: ['Patients'] } },
        ],
      }),
    ).toThrow(
      /databases\[0\]\.audit\.database: must be a PostgreSQL database name[\s\S]*databases\[0\]\.audit\.tables\[0\]: must be schema\.table/,
    );
  });
});
