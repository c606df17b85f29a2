import { Match, Template } from 'aws-cdk-lib/assertions';
import { EnvironmentConfig } from '../../../lib/config/environment-config';
import { names } from '../../../lib/naming';
import { environment, shippedConfig } from '../../helpers/config';
import { synthStage } from '../../helpers/synth';
import { isInstance } from '../../../lib/config/database-kind';

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

function statements(template: Template): Statement[] {
  return ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].flatMap((type) =>
    Object.values(template.findResources(type)).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
    ),
  );
}

describe.each(shippedConfig().environments.map((config) => [config.name, config] as [string, EnvironmentConfig]))(
  'restore drill deployed in %s',
  (_name, config) => {
    const { stage, recovery } = synthStage(config);
    const standby = Template.fromStack(stage.standby);
    const definition = JSON.stringify(
      recovery.findResources('AWS::StepFunctions::StateMachine', {
        Properties: { StateMachineName: names.drillStateMachine(config) },
      }),
    );

    test('the drill state machine has the deterministic name the CLI starts, with the configured limits', () => {
      recovery.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: names.drillStateMachine(config),
        StateMachineType: 'STANDARD',
      });
      expect(definition).toContain(`\\"MaxConcurrency\\":${config.drill.maxConcurrency}`);
      expect(definition).toContain(`\\"TimeoutSeconds\\":${config.drill.timeoutMinutes * 60}`);
    });

    test('every configured database is in the fleet with its real instance identifier, replicated secret and tier targets', () => {
      for (const db of config.databases.filter(isInstance)) {
        const identifier = db.mode === 'create' ? names.databaseInstance(config, db) : db.instanceIdentifier;
        expect(definition).toContain(`:rds:${config.primaryRegion}:${config.account}:db:${identifier}`);
        if (db.mode === 'create')
          expect(definition).toContain(`\\"secretId\\":\\"${names.databaseSecret(config, db)}\\"`);
        expect(definition).toContain(
          `\\"rtoSeconds\\":${db.tierPreset.rtoMinutes * 60},\\"rpoSeconds\\":${db.tierPreset.rpoMinutes * 60}`,
        );
      }
    });

    test('the schedule comes from config and starts a drill of every database', () => {
      recovery.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: config.drill.schedule,
        ScheduleExpressionTimezone: config.drill.timezone,
        Target: Match.objectLike({
          Input: JSON.stringify({ databases: 'all', selector: { kind: 'latest' }, startedBy: 'schedule:default' }),
        }),
      });
    });

    test('scheduled drills run as the named scheduler role that the out-of-schedule alarm exempts', () => {
      const roles = Object.values(
        recovery.findResources('AWS::IAM::Role', { Properties: { RoleName: names.drillSchedulerRole(config) } }),
      );
      expect(roles).toHaveLength(1);
      expect(JSON.stringify(roles[0])).toContain('scheduler.amazonaws.com');
      const scheduleRoles = Object.values(recovery.findResources('AWS::Scheduler::Schedule')).map((s) =>
        JSON.stringify((s as { Properties: { Target: { RoleArn: unknown } } }).Properties.Target.RoleArn),
      );
      const schedulerRoleId = Object.keys(
        recovery.findResources('AWS::IAM::Role', { Properties: { RoleName: names.drillSchedulerRole(config) } }),
      )[0]!;
      expect(scheduleRoles.filter((arn) => arn.includes(schedulerRoleId)).length).toBeGreaterThan(0);
      expect(JSON.stringify(recovery.toJSON())).toContain(`:role/${names.drillSchedulerRole(config)}`);
    });

    test('IAM: create only with the drill tag of this state machine’s executions, delete only what carries it, deny on untagged', () => {
      const all = statements(recovery);
      const create = all.filter((s) => s.Sid === 'CreateDrillInstancesOnlyWithDrillTag');
      expect(create.length).toBeGreaterThan(0);
      for (const s of create) {
        expect(JSON.stringify(s.Resource)).toContain(':db:rxdr-drill-*');
        expect(JSON.stringify(s.Condition?.StringLike)).toContain(`:execution:${names.drillStateMachine(config)}:*`);
        expect(s.Condition?.['ForAllValues:StringEquals']).toEqual({ 'aws:TagKeys': ['rxdr:drill'] });
      }
      const deletes = all.filter((s) => s.Effect === 'Allow' && [s.Action].flat().includes('rds:DeleteDBInstance'));
      expect(deletes).toHaveLength(3);
      for (const s of deletes) expect(Object.keys(s.Condition?.StringLike ?? {})).toEqual(['rds:db-tag/rxdr:drill']);
      // Every role of the drill: 11 step functions (the chunk planner and chunk validator included), the sweeper
      // and the Backup restore role.
      expect(all.filter((s) => s.Sid === 'DenyTouchingInstancesWithoutDrillTag' && s.Effect === 'Deny')).toHaveLength(
        13,
      );
    });

    test('drill network: the configured CIDR, isolated subnets, no ingress but PostgreSQL/HTTPS from security groups', () => {
      recovery.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: config.drill.vpcCidr });
      recovery.resourceCountIs('AWS::EC2::InternetGateway', 0);
      recovery.resourceCountIs('AWS::EC2::NatGateway', 0);
      const ingress = Object.entries(recovery.findResources('AWS::EC2::SecurityGroupIngress')).filter(([id]) =>
        id.startsWith('DrillNetwork'),
      );
      expect(ingress.length).toBeGreaterThan(0);
      for (const [, rule] of ingress) {
        const props = (rule as { Properties: Record<string, unknown> }).Properties;
        expect(props.CidrIp).toBeUndefined();
        expect(props.SourceSecurityGroupId).toBeDefined();
      }
      const groups = Object.entries(recovery.findResources('AWS::EC2::SecurityGroup')).filter(([id]) =>
        id.startsWith('DrillNetwork'),
      );
      for (const [, group] of groups)
        expect(
          (group as { Properties: { SecurityGroupIngress?: unknown } }).Properties.SecurityGroupIngress,
        ).toBeUndefined();
    });

    test('alarms: failed drill, missed schedule after maxDaysBetweenDrills, RTO and RPO per database at the tier target', () => {
      recovery.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmDescription: Match.stringLikeRegexp('restore drill failed'),
        Threshold: 1,
      });
      recovery.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'HoursSinceLastDrill',
        Threshold: config.drill.maxDaysBetweenDrills * 24,
      });
      for (const db of config.databases.filter(isInstance)) {
        recovery.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: 'AchievedRtoSeconds',
          Threshold: db.tierPreset.rtoMinutes * 60,
          Dimensions: Match.arrayWith([{ Name: 'Database', Value: db.name }]),
        });
        recovery.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: 'AchievedRpoSeconds',
          Threshold: db.tierPreset.rpoMinutes * 60,
          Dimensions: Match.arrayWith([{ Name: 'Database', Value: db.name }]),
        });
      }
    });

    test('the manifest job reads every warm-standby replica on the configured schedule and writes manifests/<name>.json', () => {
      const replicated = config.databases.filter((db) => db.tierPreset.crossRegionReadReplica);
      standby.resourceCountIs('AWS::Scheduler::Schedule', replicated.length);
      for (const db of replicated) {
        standby.hasResourceProperties('AWS::Scheduler::Schedule', {
          ScheduleExpression: config.drill.manifestSchedule,
          Target: Match.objectLike({
            Input: Match.objectLike({
              'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp(`"name":"${db.name}"`)])]),
            }),
          }),
        });
      }
      const job = Object.values(standby.findResources('AWS::Lambda::Function')).find((f) =>
        String((f as { Properties: { Description?: string } }).Properties.Description).startsWith('rxdr manifest job'),
      ) as { Properties: Record<string, unknown> };
      expect(job.Properties.VpcConfig).toBeDefined();
      expect(job.Properties.Environment).toMatchObject({
        Variables: { EVIDENCE_BUCKET: names.evidenceBucket(config) },
      });
      const writes = statements(standby).filter((s) => s.Sid === 'WriteManifests');
      expect(writes).toEqual([
        expect.objectContaining({
          Action: 's3:PutObject',
          Resource: `arn:aws:s3:::${names.evidenceBucket(config)}/manifests/*`,
        }),
      ]);
    });
  },
);

describe('per-tier schedules and sources from config', () => {
  const config = environment({
    databases: [
      { name: 'dispensing', tier: 'critical', mode: 'create' },
      { name: 'inventory', tier: 'important', mode: 'adopt', instanceIdentifier: 'pharmacy-inventory' },
    ],
    drill: {
      tierSchedules: { critical: 'rate(7 days)' },
      tierSources: { important: 'point-in-time' },
      maxDaysBetweenDrills: 8,
    },
  });
  const { recovery } = synthStage(config);

  test('a schedule of its own for the critical tier, the default one for the rest, each with its tier filter', () => {
    recovery.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(7 days)',
      Target: Match.objectLike({
        Input: JSON.stringify({
          databases: 'all',
          tiers: ['critical'],
          selector: { kind: 'latest' },
          startedBy: 'schedule:critical',
        }),
      }),
    });
    recovery.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 1 * ? *)',
      Target: Match.objectLike({
        Input: JSON.stringify({
          databases: 'all',
          tiers: ['important'],
          selector: { kind: 'latest' },
          startedBy: 'schedule:default',
        }),
      }),
    });
    recovery.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'HoursSinceLastDrill', Threshold: 8 * 24 });
  });

  test('the important tier restores from replicated automated backups, the critical one from the recovery vault', () => {
    const definition = JSON.stringify(recovery.findResources('AWS::StepFunctions::StateMachine'));
    expect(definition).toMatch(
      /\\"name\\":\\"dispensing\\",\\"tierName\\":\\"critical\\",\\"tier\\":1,.*?\\"source\\":\\"backup\\"/,
    );
    expect(definition).toMatch(
      /\\"name\\":\\"inventory\\",\\"tierName\\":\\"important\\",\\"tier\\":2,.*?\\"source\\":\\"point-in-time\\"/,
    );
    // Adopted without credentialsSecretArn: the conventional replicated secret name.
    expect(definition).toContain('\\"secretId\\":\\"rxdr/test/inventory/credentials\\"');
  });
});
