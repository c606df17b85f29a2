import { createHash } from 'node:crypto';
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AlertsTopic } from '../../../lib/constructs/alerts-topic';
import { EncryptionKey } from '../../../lib/constructs/encryption-key';
import { securityTargets } from '../../../lib/constructs/governance/governance';
import { OperatorRoles } from '../../../lib/constructs/governance/operator-roles';
import { SecurityAlarms } from '../../../lib/constructs/governance/security-alarms';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ANY_REGION_DETECTIONS, SECURITY_DETECTIONS } from '../../../lib/constructs/governance/security-detections';
import { buildContingencyPlan, planVersion } from '../../../lib/plan/contingency-plan';
import { deployedPlan } from '../../../lib/plan/deployed-plan';
import { renderMarkdown } from '../../../lib/plan/render';
import { PROTECTED_VAULT_ACTIONS } from '../../../lib/constructs/vault-access-policy';
import { environment, shippedEnvironment } from '../../helpers/config';
import { complianceFindings } from '../../helpers/compliance';
import { SynthesizedStage, synthStage, testApp } from '../../helpers/synth';

/** Synthesize on first use and share within this file: each stage costs seconds, tests only read it. */
function once(build: () => SynthesizedStage): () => SynthesizedStage {
  let stage: SynthesizedStage | undefined;
  return () => (stage ??= build());
}
const ORG_TRAIL_ARN = 'arn:aws:cloudtrail:us-east-1:999999999999:trail/org-trail';
/** prod as shipped: rxdr's own trail, complete contingency config. */
const prodStage = once(() => synthStage(shippedEnvironment('prod')));
/** An organization trail, a reference instance with its own maintenance window, no contingency config. */
const qaStage = once(() =>
  synthStage(
    environment(
      {
        auditTrail: { mode: 'organization', organizationTrailArn: ORG_TRAIL_ARN },
        databases: [
          { name: 'dispensing', tier: 'critical', mode: 'create', preferredMaintenanceWindow: 'tue:07:00-tue:07:30' },
        ],
      },
      'qa',
    ),
  ),
);

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
  Principal?: unknown;
};
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

function policyOf(template: Template, kind: string): Statement[] {
  const all = template.findResources('AWS::IAM::ManagedPolicy');
  const entry = Object.entries(all).find(([id]) => id.includes(`Roles${kind}Policy`));
  if (!entry) throw new Error(`no managed policy for ${kind}; have ${Object.keys(all).join(', ')}`);
  return (entry[1] as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
    .Statement;
}

function roleOf(
  template: Template,
  kind: string,
): { AssumeRolePolicyDocument: { Statement: Statement[] }; RoleName?: string; MaxSessionDuration?: number } {
  const entry = Object.entries(template.findResources('AWS::IAM::Role')).find(([id]) =>
    id.includes(`GovernanceRoles${kind}`),
  );
  if (!entry) throw new Error(`no role ${kind}`);
  return (entry[1] as { Properties: ReturnType<typeof roleOf> }).Properties;
}

describe('operator roles (prod)', () => {
  let recovery: Template;
  beforeAll(() => ({ recovery } = prodStage()));

  test('four roles, each with its own customer-managed policy, no wildcard actions anywhere', () => {
    for (const kind of ['Operator', 'Approver', 'Auditor', 'BreakGlass']) {
      const statements = policyOf(recovery, kind);
      const allowed = statements.filter((s) => s.Effect === 'Allow').flatMap(actionsOf);
      expect({ kind, wildcards: allowed.filter((a) => a.includes('*')) }).toEqual({ kind, wildcards: [] });
    }
  });

  test('BreakGlass has the deterministic name the vault policy exempts and needs recent MFA', () => {
    const role = roleOf(recovery, 'BreakGlass');
    expect(role.RoleName).toBe('rxdr-prod-break-glass');
    expect(role.MaxSessionDuration).toBe(3600);
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Condition: {
          Bool: { 'aws:MultiFactorAuthPresent': 'true' },
          NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' },
        },
      }),
    ]);
    const allowed = policyOf(recovery, 'BreakGlass')
      .filter((s) => s.Effect === 'Allow')
      .flatMap(actionsOf);
    expect(allowed).toEqual(
      expect.arrayContaining([
        'backup:DeleteRecoveryPoint',
        'backup:PutBackupVaultAccessPolicy',
        'states:SendTaskSuccess',
        'states:StartExecution',
      ]),
    );
  });

  test('Operator and Approver: people of this account with MFA, their user name as source identity and session name', () => {
    for (const kind of ['Operator', 'Approver']) {
      const statements = roleOf(recovery, kind).AssumeRolePolicyDocument.Statement;
      expect(statements.map((st) => st.Action).sort()).toEqual(['sts:AssumeRole', 'sts:SetSourceIdentity']);
      for (const trust of statements) {
        expect(JSON.stringify(trust.Principal)).toContain(':iam::333333333333:root');
        expect(trust.Condition).toEqual({
          Bool: { 'aws:MultiFactorAuthPresent': 'true' },
          StringEquals: { 'sts:SourceIdentity': '${aws:username}', 'sts:RoleSessionName': '${aws:username}' },
        });
      }
    }
    const [auditor] = roleOf(recovery, 'Auditor').AssumeRolePolicyDocument.Statement;
    expect(JSON.stringify(auditor)).toContain(':iam::333333333333:root');
  });

  test('Operator starts drills; failovers and failbacks only through the runbook gateway; denied approving', () => {
    const statements = policyOf(recovery, 'Operator');
    const allowed = statements.filter((s) => s.Effect === 'Allow');
    const start = allowed.filter((s) => actionsOf(s).includes('states:StartExecution'));
    expect(start).toHaveLength(1);
    expect(JSON.stringify(start[0]!.Resource)).toMatch(/stateMachine:rxdr-prod-drill"/);
    expect(JSON.stringify(start[0]!.Resource)).not.toMatch(/rxdr-prod-fail(over|back)/);
    const gateway = allowed.find((s) => actionsOf(s).includes('lambda:InvokeFunctionUrl'))!;
    expect(JSON.stringify(gateway.Resource)).toMatch(/function:rxdr-prod-runbook-gateway"/);
    const denied = statements.filter((s) => s.Effect === 'Deny').flatMap(actionsOf);
    expect(denied).toEqual(
      expect.arrayContaining([
        'states:SendTaskSuccess',
        'states:SendTaskFailure',
        'ssm:GetParameter',
        'states:StartExecution',
      ]),
    );
    expect(allowed.flatMap(actionsOf)).not.toContain('states:SendTaskSuccess');
  });

  test('Operator reads what rxdr status needs for instances and clusters (conformance, global databases)', () => {
    const allowed = policyOf(recovery, 'Operator')
      .filter((s) => s.Effect === 'Allow')
      .flatMap(actionsOf);
    expect(allowed).toEqual(
      expect.arrayContaining([
        'rds:DescribeDBInstances',
        'rds:DescribeDBParameters',
        'rds:DescribeDBClusters',
        'rds:DescribeDBClusterParameters',
        'rds:DescribeGlobalClusters',
      ]),
    );
  });

  test("Operator runs game days: only this environment's experiment templates, only experiments it tagged, writes no drill or failover evidence", () => {
    const allowed = policyOf(recovery, 'Operator').filter((s) => s.Effect === 'Allow');
    const withAction = (action: string) => allowed.filter((s) => actionsOf(s).includes(action));
    const start = withAction('fis:StartExperiment');
    expect(start).toHaveLength(2);
    const onTemplates = start.find((s) => JSON.stringify(s.Resource).includes('experiment-template/*'))!;
    expect(onTemplates.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/rxdr:env': 'prod' } });
    const onExperiments = start.find((s) => s !== onTemplates)!;
    expect(onExperiments.Condition).toEqual({ Null: { 'aws:RequestTag/rxdr:gameday-run': 'false' } });
    const [stop] = withAction('fis:StopExperiment');
    expect(stop!.Condition).toEqual({ Null: { 'aws:ResourceTag/rxdr:gameday-run': 'false' } });
    for (const s of withAction('fis:StartExperiment').concat(withAction('fis:StopExperiment')))
      expect(JSON.stringify(s.Resource)).not.toMatch(/"\*"/);
    const writes = withAction('s3:PutObject').flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
    const patterns = writes.map((r) => JSON.stringify(r).match(/\/((?:gamedays|gameday|people)\/[^"]*)"/)?.[1]);
    expect(patterns.sort()).toEqual(['gameday/prod/*', 'gamedays/prod/*', 'people/prod/*']);
    const key = allowed.find((s) => s.Sid === 'EvidenceKeyThroughS3')!;
    expect(key.Condition).toEqual({ StringEquals: { 'kms:ViaService': expect.stringMatching(/^s3\./) } });
  });

  test('Approver records their own training and nothing else in the evidence bucket', () => {
    const allowed = policyOf(recovery, 'Approver').filter((s) => s.Effect === 'Allow');
    const writes = allowed.filter((s) => actionsOf(s).includes('s3:PutObject'));
    expect(writes).toHaveLength(1);
    expect(JSON.stringify(writes[0]!.Resource)).toMatch(/\/people\/prod\/training\/\*"/);
    expect(allowed.flatMap(actionsOf)).not.toContain('s3:GetObject');
  });

  test('Approver approves only through the runbook gateway: no task result, no token, no start of its own', () => {
    const statements = policyOf(recovery, 'Approver');
    const allowed = statements.filter((s) => s.Effect === 'Allow').flatMap(actionsOf);
    for (const action of ['states:SendTaskSuccess', 'states:SendTaskFailure', 'ssm:GetParameter', 'kms:Decrypt'])
      expect(allowed).not.toContain(action);
    expect(allowed).toEqual(expect.arrayContaining(['lambda:InvokeFunctionUrl', 'ssm:StartAutomationExecution']));
    const denied = statements.filter((s) => s.Effect === 'Deny').flatMap(actionsOf);
    expect(denied).toEqual(
      expect.arrayContaining(['states:StartExecution', 'states:SendTaskSuccess', 'states:SendTaskFailure']),
    );
  });

  test('an environment driven by CI: MFA off by config, CI roles trusted by ARN with a source identity', () => {
    const stack = new Stack(testApp(), 'Roles', { env: { account: '111111111111', region: 'us-west-2' } });
    const roles = new OperatorRoles(stack, 'Roles', {
      environmentName: 'ci',
      primaryRegion: 'us-east-1',
      recoveryRegion: 'us-west-2',
      breakGlassRoleName: 'rxdr-ci-break-glass',
      vaults: [],
      stateMachines: { drill: 'd', failover: 'f', failback: 'b' },
      approvalParameterPrefix: '/rxdr/ci/approvals',
      evidenceBucket: s3.Bucket.fromBucketName(stack, 'Evidence', 'evidence'),
      recoveryKey: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:us-west-2:111111111111:key/k'),
      runbookGatewayFunctionName: 'rxdr-ci-runbook-gateway',
      documents: { failover: 'F', failback: 'B', approve: 'A' },
      requireMfa: false,
      automationPrincipals: ['arn:aws:iam::111111111111:role/github-deploy'],
    });
    const trust = stack.resolve(roles.operator.assumeRolePolicy!.toJSON()) as { Statement: Statement[] };
    expect(JSON.stringify(trust)).not.toContain('MultiFactorAuthPresent');
    expect(trust.Statement).toContainEqual(
      expect.objectContaining({
        Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
        Principal: { AWS: 'arn:aws:iam::111111111111:role/github-deploy' },
        Condition: { Null: { 'sts:SourceIdentity': 'false' } },
      }),
    );
    const approver = stack.resolve(roles.approver.assumeRolePolicy!.toJSON()) as { Statement: Statement[] };
    expect(JSON.stringify(approver)).not.toContain('github-deploy');
  });

  test('Auditor cannot read database contents or secrets: nothing allowed, everything denied explicitly', () => {
    const statements = policyOf(recovery, 'Auditor');
    const allowed = statements.filter((s) => s.Effect === 'Allow');
    const allowedActions = allowed.flatMap(actionsOf);
    for (const action of [
      'rds-db:connect',
      'secretsmanager:GetSecretValue',
      'rds:DownloadDBLogFilePortion',
      'backup:StartRestoreJob',
      'logs:GetLogEvents',
    ]) {
      expect(allowedActions).not.toContain(action);
    }
    expect(
      allowedActions.filter(
        (a) => a.startsWith('secretsmanager:') || a.startsWith('rds-db:') || a.startsWith('dynamodb:'),
      ),
    ).toEqual([]);
    const deny = statements.find((s) => s.Effect === 'Deny')!;
    expect(deny.Resource).toBe('*');
    expect(actionsOf(deny)).toEqual(
      expect.arrayContaining([
        'rds-db:connect',
        'secretsmanager:GetSecretValue',
        'rds:DownloadDBLogFilePortion',
        'backup:StartRestoreJob',
        'rds:RestoreDBInstanceToPointInTime',
      ]),
    );
    // S3 reads are limited to the evidence bucket and the trail's log files.
    const s3Reads = allowed.filter((s) => actionsOf(s).includes('s3:GetObject'));
    expect(s3Reads.map((s) => JSON.stringify(s.Resource))).toEqual([
      expect.stringMatching(/Evidence.*\/\*/),
      expect.stringMatching(/AuditTrailLogs.*AWSLogs\/\*/),
    ]);
    // KMS decrypt only through S3, never directly.
    for (const s of allowed.filter((st) => actionsOf(st).includes('kms:Decrypt')))
      expect(s.Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.us-west-2.amazonaws.com' } });
  });
});

describe('audit trail', () => {
  test('rxdr creates a multi-region trail with log-file validation, its own CMK, an Object Lock bucket and explicit log retention', () => {
    const { recovery } = prodStage();
    recovery.hasResourceProperties('AWS::CloudTrail::Trail', {
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      EnableLogFileValidation: true,
      KMSKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('AuditTrailKey'), 'Arn'] },
      CloudWatchLogsLogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AuditTrailLogGroup'), 'Arn'] },
    });
    recovery.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2190 } },
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('AuditTrailKey'), 'Arn'] },
            },
          },
        ],
      },
    });
    recovery.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('AuditTrailKey'), 'Arn'] },
    });
    recovery.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/rxdr-prod-audit' });
    expect(recovery.toJSON().Metadata?.['rxdr:auditTrail']).toEqual({ mode: 'create' });
    recovery.hasResourceProperties('AWS::CloudTrail::Trail', Match.anyValue());
    const [trailId] = Object.keys(recovery.findResources('AWS::CloudTrail::Trail'));
    recovery.hasOutput('*', { Value: { 'Fn::GetAtt': [trailId, 'Arn'] } });
  });

  test('relying on an organization trail creates no trail and records the choice in metadata and an output', () => {
    const arn = ORG_TRAIL_ARN;
    const { recovery } = qaStage();
    recovery.resourceCountIs('AWS::CloudTrail::Trail', 0);
    expect(recovery.toJSON().Metadata?.['rxdr:auditTrail']).toEqual({
      mode: 'organization',
      organizationTrailArn: arn,
    });
    recovery.hasOutput('*', { Value: `organization:${arn}` });
    // Alarms become EventBridge rules (one per API call family), each publishing to the alert topic.
    const rules = recovery.findResources('AWS::Events::Rule', {
      Properties: { Description: Match.stringLikeRegexp('^rxdr security alarm: ') },
    });
    expect(Object.keys(rules)).toHaveLength(SECURITY_DETECTIONS.reduce((n, d) => n + d.calls.length, 0));
    recovery.hasResourceProperties('AWS::Events::Rule', {
      Description: 'rxdr security alarm: Break-glass role assumed',
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^AlertsTopic') } })],
      EventPattern: {
        source: ['aws.sts'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: {
          eventName: ['AssumeRole'],
          requestParameters: { roleArn: ['arn:aws:iam::111111111111:role/rxdr-qa-break-glass'] },
        },
      },
    });
  });
});

describe('security alarms', () => {
  let recovery: Template;
  beforeAll(() => ({ recovery } = prodStage()));
  const patternOf = (metricName: string): string => {
    const entry = Object.values(recovery.findResources('AWS::Logs::MetricFilter')).find(
      (f) =>
        (f as { Properties: { MetricTransformations: { MetricName: string }[] } }).Properties.MetricTransformations[0]
          ?.MetricName === metricName,
    );
    if (!entry) throw new Error(`no metric filter for ${metricName}`);
    const pattern = (entry as { Properties: { FilterPattern: unknown } }).Properties.FilterPattern;
    if (typeof pattern === 'string') return pattern;
    const [, parts] = (pattern as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    return parts.map((part) => (typeof part === 'string' ? part : '<token>')).join('');
  };

  test.each(SECURITY_DETECTIONS.map((d) => [d.id, d] as const))(
    '%s: a metric filter on the trail log group and an alarm to the alert topic',
    (id, detection) => {
      const pattern = patternOf(id);
      for (const call of detection.calls) {
        expect(pattern).toContain(`$.eventSource = "${call.eventSource}"`);
        for (const name of call.eventNames) expect(pattern).toContain(`$.eventName = "${name}"`);
      }
      recovery.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: id,
        Namespace: 'rxdr/Security',
        Threshold: 1,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmDescription: Match.stringLikeRegexp(detection.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlertsTopic') }],
      });
    },
  );

  test('the filters target this environment: break-glass role, drill not started by its schedule, failover and failback', () => {
    expect(patternOf('BreakGlassAssumed')).toMatch(
      /\$\.requestParameters\.roleArn = "arn:aws:iam::333333333333:role\/rxdr-prod-break-glass"/,
    );
    expect(patternOf('DrillStartedOutsideSchedule')).toMatch(
      /stateMachine:rxdr-prod-drill"\) && \(\$\.userIdentity\.sessionContext\.sessionIssuer\.arn != "arn:aws:iam::333333333333:role\/rxdr-prod-drill-scheduler"/,
    );
    expect(patternOf('FailoverStarted')).toMatch(
      /stateMachine:rxdr-prod-failover"\) \|\| \(\$\.requestParameters\.stateMachineArn = "arn:aws:states:us-west-2:333333333333:stateMachine:rxdr-prod-failback"/,
    );
    expect(patternOf('RecoveryPointDeletion')).toMatch(/backup\.amazonaws\.com.*\|\|.*rds\.amazonaws\.com/);
  });

  test('disassociating a continuous recovery point counts as its deletion; key policy changes, disabling and deletion are detected', () => {
    expect(patternOf('RecoveryPointDeletion')).toContain('($.eventName = "DisassociateRecoveryPoint")');
    expect(patternOf('KeyPolicyChanged')).toContain(
      '(($.eventSource = "kms.amazonaws.com") && (($.eventName = "PutKeyPolicy")))',
    );
    expect(patternOf('KeyDisabledOrDeletionScheduled')).toContain(
      '($.eventName = "DisableKey") || ($.eventName = "ScheduleKeyDeletion")',
    );
  });

  test('every action the vault access policy denies is detected when attempted', () => {
    const detected = SECURITY_DETECTIONS.flatMap((d) =>
      d.calls
        .filter((c) => c.eventSource === 'backup.amazonaws.com')
        .flatMap((c) => c.eventNames.map((n) => `backup:${n}`)),
    );
    expect(detected).toEqual(expect.arrayContaining([...PROTECTED_VAULT_ACTIONS]));
  });
});

describe('database audit and patching of the reference instance', () => {
  test('pgaudit through the parameter group, logs exported, automatic minor upgrades in the configured window', () => {
    const { primary } = qaStage();
    primary.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Parameters: {
        'rds.force_ssl': '1',
        shared_preload_libraries: Match.stringLikeRegexp('(^|,)pgaudit(,|$)'),
        'pgaudit.log': 'ddl,role',
        'pgaudit.role': 'rds_pgaudit',
        'pgaudit.log_parameter': '0',
      },
    });
    primary.hasResourceProperties('AWS::RDS::DBInstance', {
      AutoMinorVersionUpgrade: true,
      PreferredMaintenanceWindow: 'tue:07:00-tue:07:30',
      EnableCloudwatchLogsExports: Match.arrayWith(['postgresql']),
    });
  });
});

describe('security alarms in the primary region', () => {
  const securityRules = (template: Template) =>
    template.findResources('AWS::Events::Rule', {
      Properties: { Description: Match.stringLikeRegexp('^rxdr security alarm: ') },
    });

  test('with an organization trail the primary stack adds EventBridge rules for every detection that can happen there', () => {
    const { primary } = qaStage();
    const rules = Object.values(securityRules(primary)) as {
      Properties: { Description: string; EventPattern: { source: string[]; detail: { eventName: string[] } } };
    }[];
    expect(rules).toHaveLength(ANY_REGION_DETECTIONS.reduce((n, d) => n + d.calls.length, 0));
    expect(new Set(rules.map((r) => r.Properties.Description))).toEqual(
      new Set(ANY_REGION_DETECTIONS.map((d) => `rxdr security alarm: ${d.title}`)),
    );
    expect(ANY_REGION_DETECTIONS.map((d) => d.id)).toEqual([
      'RecoveryPointDeletion',
      'VaultPolicyOrLockChange',
      'KeyDisabledOrDeletionScheduled',
      'KeyPolicyChanged',
      'BreakGlassAssumed',
    ]);
    // The drill and failover state machines live in the recovery region only: no rule here could match them.
    expect(rules.flatMap((r) => r.Properties.EventPattern.detail.eventName)).not.toContain('StartExecution');
    primary.hasResourceProperties('AWS::Events::Rule', {
      Description: 'rxdr security alarm: Recovery point deletion attempted',
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^AlertsTopic') } })],
      EventPattern: {
        source: ['aws.backup'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['backup.amazonaws.com'],
          eventName: [
            'DeleteRecoveryPoint',
            'DisassociateRecoveryPoint',
            'DisassociateRecoveryPointFromParent',
            'UpdateRecoveryPointLifecycle',
            'DeleteBackupVault',
          ],
        },
      },
    });
    primary.hasResourceProperties('AWS::Events::Rule', {
      Description: 'rxdr security alarm: Break-glass role assumed',
      EventPattern: {
        detail: {
          eventName: ['AssumeRole'],
          requestParameters: { roleArn: ['arn:aws:iam::111111111111:role/rxdr-qa-break-glass'] },
        },
      },
    });
  });

  test('with its own multi-region trail the primary stack has none: the metric filters in the recovery region see every region', () => {
    const { primary, recovery } = prodStage();
    expect(securityRules(primary)).toEqual({});
    primary.resourceCountIs('AWS::Logs::MetricFilter', 0);
    expect(Object.keys(recovery.findResources('AWS::Logs::MetricFilter'))).toHaveLength(SECURITY_DETECTIONS.length);
  });

  test('EventBridge publishes to the encrypted alert topic with no wildcard key grant (AlertsTopic and EncryptionKey allow it)', () => {
    // GIVEN a key and alert topic as every stack has them; WHEN the alarms are EventBridge rules (no trail log group)
    const stack = new Stack(testApp(), 'Alarms', { env: { account: '111111111111', region: 'us-east-1' } });
    const key = new EncryptionKey(stack, 'Key', { alias: 'alias/rxdr-qa-primary', description: 'test' }).key;
    const topic = new AlertsTopic(stack, 'Alerts', { key, emails: ['dr@example.com'] }).topic;
    new SecurityAlarms(stack, 'SecurityAlarms', {
      topic,
      targets: securityTargets(stack, qaStage().stage.primary.config),
      detections: ANY_REGION_DETECTIONS,
    });
    // THEN no key or topic statement grants a wildcard action (targets.SnsTopic would add kms:GenerateDataKey*) ...
    const template = Template.fromStack(stack);
    const [keyResource] = Object.values(template.findResources('AWS::KMS::Key')) as {
      Properties: { KeyPolicy: { Statement: Statement[] } };
    }[];
    const [topicPolicy] = Object.values(template.findResources('AWS::SNS::TopicPolicy')) as {
      Properties: { PolicyDocument: { Statement: Statement[] } };
    }[];
    const statements = [
      ...keyResource!.Properties.KeyPolicy.Statement,
      ...topicPolicy!.Properties.PolicyDocument.Statement,
    ];
    expect(
      statements
        .filter((st) => st.Effect === 'Allow')
        .flatMap(actionsOf)
        .filter((a) => a.includes('*')),
    ).toEqual([]);
    // ... and EventBridge of this account may publish and use the key
    const allowsEvents = (action: string) =>
      statements.some(
        (st) =>
          st.Effect === 'Allow' &&
          JSON.stringify(st.Principal).includes('events.amazonaws.com') &&
          actionsOf(st).includes(action),
      );
    expect(['sns:Publish', 'kms:GenerateDataKey', 'kms:Decrypt'].filter((action) => !allowsEvents(action))).toEqual([]);
    expect(
      Object.keys(
        template.findResources('AWS::Events::Rule', {
          Properties: { Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^Alerts') } })] },
        }),
      ),
    ).toHaveLength(ANY_REGION_DETECTIONS.reduce((n, d) => n + d.calls.length, 0));
  });

  test('the organization-trail stage passes the compliance packs too (rules, topics, no trail)', () => {
    expect(complianceFindings(qaStage().stage)).toEqual([]);
  });
});

describe('each deploy stores the contingency plan version in the evidence bucket', () => {
  type SdkCall = {
    service: string;
    action: string;
    parameters: Record<string, unknown>;
    physicalResourceId: { id: string };
  };
  /** A custom resource's JSON call with CloudFormation references replaced by `<Ref:LogicalId>`. */
  const sdkCall = (value: unknown): SdkCall => {
    if (typeof value === 'string') return JSON.parse(value) as SdkCall;
    const [, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    return JSON.parse(
      parts
        .map((part) =>
          typeof part === 'string' ? part : `<Ref:${(part as { Ref?: string }).Ref ?? JSON.stringify(part)}>`,
        )
        .join(''),
    ) as SdkCall;
  };
  // The plan as `rxdr plan` would write it from the configuration alone, computed here independently.
  const config = shippedEnvironment('prod');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const toolVersion = (require('../../../package.json') as { version: string }).version;
  const document = buildContingencyPlan({ config, toolVersion });
  const version = planVersion(document.sections);
  const markdown = renderMarkdown(document);

  test('one PutObject of plans/<env>/<version>.md with the plan, its MD5 (Object Lock) and its version; nothing on delete', () => {
    const { recovery } = prodStage();
    const resources = Object.values(recovery.findResources('Custom::RxdrPlanVersion')) as {
      Properties: { Create: unknown; Update: unknown; Delete?: unknown };
    }[];
    expect(resources).toHaveLength(1);
    const [resource] = resources;
    const create = sdkCall(resource!.Properties.Create);
    const [bucketId] = Object.keys(
      recovery.findResources('AWS::S3::Bucket', {
        Properties: { BucketName: 'rxdr-prod-evidence-333333333333-us-west-2' },
      }),
    );
    expect(create).toEqual({
      service: 'S3',
      action: 'putObject',
      parameters: {
        Bucket: `<Ref:${bucketId}>`,
        Key: `plans/prod/${version}.md`,
        Body: markdown,
        ContentType: 'text/markdown; charset=utf-8',
        ContentMD5: createHash('md5').update(markdown).digest('base64'),
        Metadata: { 'plan-version': version, 'content-sha256': createHash('sha256').update(markdown).digest('hex') },
      },
      physicalResourceId: { id: `plans/prod/${version}.md` },
      outputPaths: ['VersionId', 'ETag'],
      logApiResponseData: false,
    });
    expect(markdown).toContain(`Plan version: \`${version}\``);
    expect(sdkCall(resource!.Properties.Update)).toEqual(create);
    expect(resource!.Properties.Delete).toBeUndefined();
    expect(recovery.toJSON().Metadata?.['rxdr:contingencyPlan']).toEqual({
      version,
      key: `plans/prod/${version}.md`,
      sha256: createHash('sha256').update(markdown).digest('hex'),
    });
  });

  test('the evidence bucket keeps it: Object Lock compliance mode, six years, CMK', () => {
    prodStage().recovery.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'rxdr-prod-evidence-333333333333-us-west-2',
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2190 } },
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
      },
    });
  });

  test('the function may put exactly that object, encrypt through S3 with the bucket key and write its own logs', () => {
    const { recovery } = prodStage();
    const [policy] = Object.values(
      recovery.findResources('AWS::IAM::ManagedPolicy', {
        Properties: { Description: Match.stringLikeRegexp('contingency plan') },
      }),
    ) as {
      Properties: { PolicyDocument: { Statement: Statement[] } };
    }[];
    const statements = policy!.Properties.PolicyDocument.Statement;
    expect(statements.flatMap(actionsOf).sort()).toEqual([
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:PutObject',
    ]);
    const put = statements.find((s) => actionsOf(s).includes('s3:PutObject'))!;
    expect(put.Resource).toEqual({
      'Fn::Join': [
        '',
        [{ 'Fn::GetAtt': [expect.stringMatching(/^EvidenceBucket/), 'Arn'] }, `/plans/prod/${version}.md`],
      ],
    });
    const kms = statements.find((s) => actionsOf(s).includes('kms:GenerateDataKey'))!;
    expect(kms.Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.us-west-2.amazonaws.com' } });
    const [bucket] = Object.values(
      recovery.findResources('AWS::S3::Bucket', {
        Properties: { BucketName: 'rxdr-prod-evidence-333333333333-us-west-2' },
      }),
    ) as {
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: { ServerSideEncryptionByDefault: { KMSMasterKeyID: unknown } }[];
        };
      };
    }[];
    expect(kms.Resource).toEqual(
      bucket!.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]!.ServerSideEncryptionByDefault
        .KMSMasterKeyID,
    );
    recovery.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 1,
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('GovernancePlanArchiveRole'), 'Arn'] },
    });
  });

  test('the version depends on the plan content only: same config, same id; a changed RTO, a new id', () => {
    const first = deployedPlan(config, toolVersion);
    expect(deployedPlan(config, toolVersion)).toEqual(first);
    expect(first).toMatchObject({ complete: true, version, key: `plans/prod/${version}.md`, markdown });
    const [db] = config.databases;
    const changed = deployedPlan(
      {
        ...config,
        databases: [
          { ...db!, tierPreset: { ...db!.tierPreset, rtoMinutes: db!.tierPreset.rtoMinutes + 30 } },
          ...config.databases.slice(1),
        ],
      },
      toolVersion,
    );
    expect(changed.complete && changed.version).not.toBe(version);
  });

  test('an incomplete contingency config stores nothing and warns at synth, naming the missing fields', () => {
    const { recovery, stage } = qaStage();
    recovery.resourceCountIs('Custom::RxdrPlanVersion', 0);
    expect(recovery.toJSON().Metadata?.['rxdr:contingencyPlan']).toEqual({
      missing: expect.arrayContaining([
        'contingency.escalation',
        'contingency.messages.planActivated',
        'contingency.emergencyMode',
      ]),
    });
    Annotations.fromStack(stage.recovery).hasWarning(
      '*',
      Match.stringLikeRegexp(
        'no contingency plan is stored for "qa".*contingency\\.escalation.*contingency\\.emergencyMode',
      ),
    );
  });
});
