import { Match } from 'aws-cdk-lib/assertions';
import { environment, shippedEnvironment } from '../../helpers/config';
import { complianceFindings } from '../../helpers/compliance';
import { policyStatements, wildcardActionStatements } from '../../helpers/iam';
import { synthStage, type SynthesizedStage } from '../../helpers/synth';

type Resource = { Type: string; Properties: Record<string, unknown> };

let staging: SynthesizedStage;
beforeAll(() => {
  staging = synthStage(shippedEnvironment('staging'));
});

function rosterRule(stage: SynthesizedStage): Resource | undefined {
  return Object.values(stage.recovery.findResources('AWS::Events::Rule') as Record<string, Resource>).find((rule) =>
    String(rule.Properties.Description).includes("check the on-call roster's readiness"),
  );
}

/** The role's managed policy (ManagedPolicyRole keeps its statements in one). */
function isPolicyOf(resource: string, roleId: string): boolean {
  const policy = staging.recovery.toJSON().Resources[resource] as { Type: string; Properties: { Roles?: unknown[] } };
  return policy?.Type === 'AWS::IAM::ManagedPolicy' && JSON.stringify(policy.Properties.Roles ?? []).includes(roleId);
}

describe('the scheduled roster check', () => {
  test('runs every day with the roster and its rules as input, in the stack of the evidence bucket', () => {
    const rule = rosterRule(staging);
    expect(rule?.Properties.ScheduleExpression).toBe('cron(0 13 * * ? *)');
    const [target] = rule!.Properties.Targets as { Input: { 'Fn::Join': [string, unknown[]] } }[];
    // The topic ARN is a token: join the parts with a placeholder for it.
    const text = target!.Input['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOPIC')).join('');
    const input = JSON.parse(text) as { environment: string; rules: { engineers: { arn: string }[] } };
    expect(input.environment).toBe('staging');
    expect(input.rules.engineers.map((e) => e.arn)).toContain(
      'arn:aws:sts::222222222222:assumed-role/rxdr-staging-operator/engineer-a',
    );
    expect(input).toMatchObject({ rules: { readinessDays: 180, trainingValidDays: 365 } });
  });

  test('its role reads only this environment’s people records and publishes only to the alerts topic', () => {
    const roles = staging.recovery.findResources('AWS::IAM::Role', {
      Properties: { Description: Match.stringLikeRegexp('the roster check') },
    });
    expect(Object.keys(roles)).toHaveLength(1);
    const roleId = Object.keys(roles)[0]!;
    const statements = policyStatements(staging.recovery)
      .filter((found) => isPolicyOf(found.resource, roleId))
      .map((found) => found.statement);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.sort()).toEqual(
      [
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject',
        's3:ListBucket',
        'sns:Publish',
      ].sort(),
    );
    const read = statements.find((s) => s.Action === 's3:GetObject');
    expect(JSON.stringify(read?.Resource)).toMatch(/\/people\/staging\/\*/);
    expect(wildcardActionStatements(staging.recovery).filter((f) => isPolicyOf(f.resource, roleId))).toEqual([]);
  });

  test('no compliance finding', () => {
    expect(complianceFindings(staging.app).filter((f) => f.path.includes('RosterCheck'))).toEqual([]);
  });

  test('an environment without an on-call roster has no roster check', () => {
    const stage = synthStage(environment({ onCall: { engineers: [], approvers: [] } }, 'noroster'));
    expect(rosterRule(stage)).toBeUndefined();
  });
});
