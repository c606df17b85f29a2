import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LAMBDA_RUNTIME_CA_BUNDLE, RDS_CA_BUNDLE_VARIABLE } from '../../engines/common/database-tls';
import { shippedConfig } from '../helpers/config';
import { synthStage } from '../helpers/synth';

/**
 * Every Lambda function that can reach PostgreSQL gets the CA bundle its connections verify the server with.
 * The functions are found from the synthesized templates, not from a list: a function whose security groups
 * allow egress to port 5432 (or to a port only known at deploy time, or to all traffic) connects to a database.
 */

const POSTGRES_PORT = 5432;
type Resource = { Type: string; Properties?: Record<string, unknown> };
type GetAtt = { 'Fn::GetAtt'?: [string, string] };
type Rule = { IpProtocol?: unknown; FromPort?: unknown; ToPort?: unknown };

function allowsPostgres(rule: Rule): boolean {
  if (rule.IpProtocol === '-1') return true;
  if (rule.IpProtocol !== 'tcp') return false;
  // A port from a token (an instance's Endpoint.Port) is a database port.
  if (typeof rule.FromPort !== 'number' || typeof rule.ToPort !== 'number') return true;
  return rule.FromPort <= POSTGRES_PORT && POSTGRES_PORT <= rule.ToPort;
}

/** Logical ids of the security groups in `resources` with an egress rule that allows PostgreSQL. */
function securityGroupsReachingPostgres(resources: Record<string, Resource>): Set<string> {
  const groups = new Set<string>();
  for (const [id, resource] of Object.entries(resources)) {
    const props = resource.Properties ?? {};
    const inline = (props.SecurityGroupEgress as Rule[] | undefined) ?? [];
    if (resource.Type === 'AWS::EC2::SecurityGroup' && inline.some(allowsPostgres)) groups.add(id);
    if (resource.Type === 'AWS::EC2::SecurityGroupEgress' && allowsPostgres(props as Rule)) {
      const group = (props.GroupId as GetAtt | undefined)?.['Fn::GetAtt']?.[0];
      if (group) groups.add(group);
    }
  }
  return groups;
}

interface DatabaseFunction {
  readonly stack: string;
  readonly id: string;
  readonly environment: Record<string, unknown>;
}

function functionsReachingPostgres(stack: Stack): DatabaseFunction[] {
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
  const groups = securityGroupsReachingPostgres(resources);
  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .filter(([, r]) => {
      const vpc = r.Properties?.VpcConfig as { SecurityGroupIds?: GetAtt[] } | undefined;
      return (vpc?.SecurityGroupIds ?? []).some((ref) => groups.has(ref['Fn::GetAtt']?.[0] ?? ''));
    })
    .map(([id, r]) => {
      const environment = (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
      return { stack: stack.stackName, id, environment: environment ?? {} };
    });
}

describe.each(shippedConfig().environments.map((e) => [e.name, e] as const))('environment %s', (_name, config) => {
  const { stage } = synthStage(config);
  const found = stage.node.findAll().filter(Stack.isStack).flatMap(functionsReachingPostgres);

  test('finds the functions that connect to databases (drill validation, failover validator, …)', () => {
    expect(found.length).toBeGreaterThanOrEqual(2);
  });

  test(`each of them verifies the server with ${RDS_CA_BUNDLE_VARIABLE}=${LAMBDA_RUNTIME_CA_BUNDLE}`, () => {
    const missing = found
      .filter((fn) => fn.environment[RDS_CA_BUNDLE_VARIABLE] !== LAMBDA_RUNTIME_CA_BUNDLE)
      .map((fn) => `${fn.stack}/${fn.id}`);
    expect(missing).toEqual([]);
  });
});
