import { Match, Template } from 'aws-cdk-lib/assertions';
import { databaseSpec, drillStack } from './drill-stack';

describe('RestoreDrill template', () => {
  const { stack } = drillStack({
    schedules: [
      { name: 'critical', expression: 'rate(7 days)', tiers: ['critical'] },
      { name: 'monthly', expression: 'cron(0 6 1 * ? *)' },
    ],
  });
  const template = Template.fromStack(stack);
  const policies = () =>
    [
      ...Object.values(template.findResources('AWS::IAM::Policy')),
      ...Object.values(template.findResources('AWS::IAM::ManagedPolicy')),
    ].flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties.PolicyDocument
          .Statement,
    );

  test('one Standard state machine with a timeout, logging, tracing and a CMK', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'rxdr-test-drill',
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
      EncryptionConfiguration: Match.objectLike({ Type: 'CUSTOMER_MANAGED_KMS_KEY' }),
    });
    const definition = JSON.stringify(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(definition).toContain('\\"TimeoutSeconds\\":21600');
    expect(definition).toContain('\\"MaxConcurrency\\":5');
    expect(definition).toContain('\\"TimeoutSecondsPath\\":\\"$.wait.seconds\\"');
  });

  test('schedules: one per configured schedule, starting the state machine with the tier filter', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 3); // two drill schedules + the sweeper
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(7 days)',
      ScheduleExpressionTimezone: 'UTC',
      Target: Match.objectLike({
        Input: JSON.stringify({
          databases: 'all',
          tiers: ['critical'],
          selector: { kind: 'latest' },
          startedBy: 'schedule:critical',
        }),
      }),
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 1 * ? *)',
      Target: Match.objectLike({ Input: Match.stringLikeRegexp('"databases":"all"') }),
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 day)',
      Target: Match.objectLike({ Input: '{"mode":"sweep"}' }),
    });
  });

  test('IAM: instances are created only drill-named and with the drill tag of one of our executions', () => {
    const create = policies().filter(
      (s) =>
        JSON.stringify(s.Action).includes('rds:RestoreDBInstanceToPointInTime') &&
        s.Sid === 'CreateDrillInstancesOnlyWithDrillTag',
    );
    expect(create).toHaveLength(1);
    expect(JSON.stringify(create[0]!.Resource)).toContain(':db:rxdr-drill-*');
    expect(create[0]!.Condition).toEqual({
      StringLike: { 'aws:RequestTag/rxdr:drill': 'arn:aws:states:us-west-2:111111111111:execution:rxdr-test-drill:*' },
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['rxdr:drill'] },
    });
    expect(JSON.stringify((create[0]!.Condition as { StringLike: unknown }).StringLike)).toContain(
      ':execution:rxdr-test-drill:*',
    );
    const restoreRole = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).filter((p) =>
      JSON.stringify(p).includes('rds:RestoreDBInstanceFromDBSnapshot'),
    );
    expect(restoreRole).toHaveLength(1);
    expect(JSON.stringify(restoreRole[0])).toContain(':db:rxdr-drill-*');
    expect(JSON.stringify(restoreRole[0])).not.toMatch(/:db:\*"[^}]*RestoreDBInstanceFromDBSnapshot/);
  });

  test('IAM: deletion only of tagged instances, an explicit deny for untagged ones on every drill role', () => {
    const deletes = policies().filter(
      (s) => s.Effect === 'Allow' && JSON.stringify(s.Action).includes('rds:DeleteDBInstance'),
    );
    expect(deletes.length).toBe(3); // RequestCleanup, CheckCleanup, sweeper
    for (const statement of deletes)
      expect(Object.keys((statement.Condition as { StringLike: Record<string, unknown> }).StringLike)).toEqual([
        'rds:db-tag/rxdr:drill',
      ]);
    const denies = policies().filter((s) => s.Effect === 'Deny' && s.Sid === 'DenyTouchingInstancesWithoutDrillTag');
    expect(denies.length).toBe(13); // 11 step functions + sweeper + the Backup restore role
    for (const deny of denies) {
      expect(deny.Condition).toEqual({ Null: { 'rds:db-tag/rxdr:drill': 'true' } });
      expect(deny.Action).toEqual(expect.arrayContaining(['rds:DeleteDBInstance', 'rds:ModifyDBInstance']));
    }
    const tagging = policies().filter(
      (s) => s.Effect === 'Allow' && JSON.stringify(s.Action).includes('rds:AddTagsToResource'),
    );
    for (const statement of tagging)
      expect((statement.Condition as Record<string, unknown>)['ForAllValues:StringEquals']).toEqual({
        'aws:TagKeys': ['rxdr:drill'],
      });
    expect(policies().some((s) => s.Effect === 'Allow' && JSON.stringify(s.Action) === '"*"')).toBe(false);
  });

  test("IAM: Plan may read only the sizeless source instances' AllocatedStorage, in the source's region", () => {
    const allows = (t: Template, sid: string) =>
      Object.values(t.findResources('AWS::IAM::ManagedPolicy')).flatMap((p) => {
        const { Roles, PolicyDocument } = (
          p as { Properties: { Roles: unknown; PolicyDocument: { Statement: Record<string, unknown>[] } } }
        ).Properties;
        return PolicyDocument.Statement.filter((s) => s.Sid === sid).map((s) => ({ roles: Roles, statement: s }));
      });
    const [read, ...others] = allows(template, 'ReadSourceAllocatedStorage');
    expect(others).toEqual([]);
    // Exactly one action, on exactly the source instance's ARN (us-east-1), not the drill's region or db:*.
    expect(read!.statement).toEqual({
      Sid: 'ReadSourceAllocatedStorage',
      Effect: 'Allow',
      Action: 'rds:DescribeDBInstances',
      Resource: 'arn:aws:rds:us-east-1:111111111111:db:pharmacy-dispensing',
    });
    expect(read!.roles).toEqual([{ Ref: expect.stringMatching(/^DrillPlanFnRole/) }]);
    // A fleet whose instances have a configured size, or only clusters, grants nothing of the kind.
    const sized = drillStack({ databases: [databaseSpec('dispensing', { allocatedBytes: 100 * 1024 ** 3 })] });
    const clusters = drillStack({
      databases: [
        databaseSpec('dispensing', { kind: 'cluster', sourceArn: 'arn:aws:rds:us-east-1:111111111111:cluster:rx' }),
      ],
    });
    for (const other of [sized, clusters])
      expect(allows(Template.fromStack(other.stack), 'ReadSourceAllocatedStorage')).toEqual([]);
  });

  test('drill network: isolated subnets only, no internet gateway, instance SG admits only the validator', () => {
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    const ingress = template.findResources('AWS::EC2::SecurityGroupIngress');
    for (const rule of Object.values(ingress)) {
      const props = (rule as { Properties: Record<string, unknown> }).Properties;
      expect(props.CidrIp).toBeUndefined();
      expect(props.SourceSecurityGroupId).toBeDefined();
    }
    const groups = template.findResources('AWS::EC2::SecurityGroup');
    for (const group of Object.values(groups))
      expect(
        (group as { Properties: { SecurityGroupIngress?: unknown } }).Properties.SecurityGroupIngress,
      ).toBeUndefined();
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      DBSubnetGroupDescription: Match.stringLikeRegexp('isolated'),
    });
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 3);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
  });

  test('Lambdas: nodejs24.x on arm64, validator in the drill VPC', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (f) => (f as { Properties: Record<string, unknown> }).Properties,
    );
    const drillFns = functions.filter((f) => String(f.Description ?? '').startsWith('rxdr drill'));
    expect(drillFns).toHaveLength(12);
    for (const f of drillFns) {
      expect(f.Runtime).toBe('nodejs24.x');
      expect(f.Architectures).toEqual(['arm64']);
    }
    // The three that connect to the restored copy: PlanChunks, ValidateChunk, Validate.
    const inVpc = drillFns.filter((f) => f.VpcConfig).map((f) => String(f.Description));
    expect(inVpc).toHaveLength(3);
    for (const description of inVpc) expect(description).toMatch(/validat/);
  });

  test('alarms: drill failed, missed schedule, RTO and RPO per database against the tier target', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('failed, timed out or was aborted'),
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'HoursSinceLastDrill',
      Threshold: 32 * 24,
      TreatMissingData: 'breaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'AchievedRtoSeconds',
      Threshold: 3600,
      Dimensions: Match.arrayWith([{ Name: 'Database', Value: 'dispensing' }]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'AchievedRpoSeconds', Threshold: 300 });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: Match.objectLike({ status: ['FAILED', 'TIMED_OUT', 'ABORTED'] }) }),
    });
  });

  test('props are validated, every problem in one message', () => {
    expect(() => drillStack({ maxConcurrency: 41, databases: [databaseSpec('a'), databaseSpec('a')] })).toThrow(
      /maxConcurrency must be 1-40 .*got 41.*duplicate names a/,
    );
  });
});
