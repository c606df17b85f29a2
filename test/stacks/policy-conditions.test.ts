import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { shippedConfig } from '../helpers/config';
import { synthStage } from '../helpers/synth';

interface Statement {
  readonly Effect: string;
  readonly Principal?: { Service?: unknown };
  readonly Action?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** One policy statement found in a template: where it is (stack, resource, property path) and the statement. */
interface Found {
  readonly where: string;
  readonly trust: boolean;
  readonly statement: Statement;
}

/**
 * Services whose role trust policies need no source condition: each role is usable only when a principal of this
 * account passes it (`iam:PassRole`) to a function, state machine, flow log, RDS instance or trail of this
 * account, so another account cannot make the service assume it. Resource policies get no exception.
 */
const TRUST_WITHOUT_SOURCE = [
  'lambda.amazonaws.com',
  'states.amazonaws.com',
  'vpc-flow-logs.amazonaws.com',
  'monitoring.rds.amazonaws.com',
  'cloudtrail.amazonaws.com',
];

function statementsOf(template: Record<string, unknown>, stackName: string): Found[] {
  const found: Found[] = [];
  const walk = (value: unknown, where: string, trust: boolean): void => {
    if (value === null || typeof value !== 'object') return;
    const statements = (value as { Statement?: unknown }).Statement;
    if (Array.isArray(statements)) {
      for (const statement of statements as Statement[]) found.push({ where, trust, statement });
      return;
    }
    for (const [key, child] of Object.entries(value))
      walk(child, `${where}.${key}`, trust || key === 'AssumeRolePolicyDocument');
  };
  for (const [id, resource] of Object.entries(
    (template.Resources ?? {}) as Record<string, { Type: string; Properties?: unknown }>,
  )) {
    walk(resource.Properties, `${stackName}/${id} (${resource.Type})`, false);
  }
  return found;
}

const actionsOf = (s: Statement): string[] => [s.Action ?? []].flat().map(String);
const conditionKeys = (s: Statement): string[] => Object.values(s.Condition ?? {}).flatMap((c) => Object.keys(c));
const servicesOf = (s: Statement): string[] =>
  [s.Principal?.Service ?? []].flat().map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));

describe.each(shippedConfig().environments.map((env) => [env.name, env] as const))(
  'policy conditions in every template of the shipped %s environment',
  (_name, config) => {
    const { stage } = synthStage(config);
    const found = stage.node
      .findAll()
      .filter((c): c is Stack => Stack.isStack(c))
      .flatMap((stack) => statementsOf(Template.fromStack(stack).toJSON(), stack.stackName));
    const allowed = found.filter((f) => f.statement.Effect === 'Allow');

    test('the scan sees the policies (keys, topics, buckets, roles)', () => {
      expect(found.length).toBeGreaterThan(50);
      expect(found.some((f) => f.where.includes('AWS::KMS::Key'))).toBe(true);
      expect(found.some((f) => f.where.includes('AWS::SNS::TopicPolicy'))).toBe(true);
    });

    test('every statement for an AWS service principal names the source account or resource (aws:SourceAccount / aws:SourceArn)', () => {
      const unscoped = allowed
        .filter((f) => servicesOf(f.statement).length > 0)
        .filter((f) => !conditionKeys(f.statement).some((k) => k === 'aws:SourceAccount' || k === 'aws:SourceArn'))
        // CloudWatch Logs: scoped by the encryption context naming this account's log groups (the documented condition).
        .filter(
          (f) =>
            !(
              servicesOf(f.statement).every((s) => /^logs\.[a-z0-9-]+\.amazonaws\.com$/.test(s)) &&
              conditionKeys(f.statement).includes('kms:EncryptionContext:aws:logs:arn')
            ),
        )
        .filter((f) => !(f.trust && servicesOf(f.statement).every((s) => TRUST_WITHOUT_SOURCE.includes(s))))
        .map((f) => `${f.where}: ${servicesOf(f.statement).join(',')} ${actionsOf(f.statement).join(',')}`);
      expect(unscoped).toEqual([]);
    });

    test('every iam:PassRole names the service the role is passed to (iam:PassedToService)', () => {
      const passRole = allowed.filter((f) =>
        actionsOf(f.statement).some((a) => a === 'iam:PassRole' || a === 'iam:*' || a === '*'),
      );
      expect(
        passRole.filter((f) => !conditionKeys(f.statement).includes('iam:PassedToService')).map((f) => f.where),
      ).toEqual([]);
    });

    test('every kms:CreateGrant is limited to grants for AWS resources (kms:GrantIsForAWSResource)', () => {
      const grants = allowed.filter((f) =>
        actionsOf(f.statement).some((a) => a === 'kms:CreateGrant' || a === 'kms:*' || a === '*'),
      );
      expect(grants.length).toBeGreaterThan(0);
      expect(
        grants
          .filter((f) => f.statement.Condition?.Bool?.['kms:GrantIsForAWSResource'] !== 'true')
          .map((f) => `${f.where}: ${actionsOf(f.statement).join(',')}`),
      ).toEqual([]);
    });

    test('every key policy denies grants that are neither for an AWS resource nor by an AWS service (CT.KMS.PR.3)', () => {
      const keys = new Set(found.filter((f) => f.where.includes('(AWS::KMS::Key)')).map((f) => f.where));
      expect(keys.size).toBeGreaterThan(0);
      const denying = new Set(
        found
          .filter(
            (f) =>
              f.statement.Effect === 'Deny' &&
              actionsOf(f.statement).join() === 'kms:CreateGrant' &&
              JSON.stringify(f.statement.Condition) ===
                JSON.stringify({
                  BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
                }),
          )
          .map((f) => f.where),
      );
      expect([...keys].filter((where) => !denying.has(where))).toEqual([]);
    });
  },
);
