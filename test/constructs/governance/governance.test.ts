import { Match, Template } from 'aws-cdk-lib/assertions';
import { SECURITY_DETECTIONS } from '../../../lib/constructs/governance/security-detections';
import { environment, shippedEnvironment } from '../../helpers/config';
import { synthStage } from '../../helpers/synth';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

function policyOf(template: Template, kind: string): Statement[] {
  const all = template.findResources('AWS::IAM::ManagedPolicy');
  const entry = Object.entries(all).find(([id]) => id.includes(`Roles${kind}Policy`));
  if (!entry) throw new Error(`no managed policy for ${kind}; have ${Object.keys(all).join(', ')}`);
  return (entry[1] as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement;
}

function roleOf(template: Template, kind: string): { AssumeRolePolicyDocument: { Statement: Statement[] }; RoleName?: string; MaxSessionDuration?: number } {
  const entry = Object.entries(template.findResources('AWS::IAM::Role')).find(([id]) => id.includes(`GovernanceRoles${kind}`));
  if (!entry) throw new Error(`no role ${kind}`);
  return (entry[1] as { Properties: ReturnType<typeof roleOf> }).Properties;
}

describe('operator roles (prod)', () => {
  const { recovery } = synthStage(shippedEnvironment('prod'));

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
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' }, NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } },
      }),
    ]);
    const allowed = policyOf(recovery, 'BreakGlass').filter((s) => s.Effect === 'Allow').flatMap(actionsOf);
    expect(allowed).toEqual(expect.arrayContaining(['backup:DeleteRecoveryPoint', 'backup:PutBackupVaultAccessPolicy', 'states:SendTaskSuccess', 'states:StartExecution']));
  });

  test('the other roles need no MFA condition but only this account may assume them', () => {
    for (const kind of ['Operator', 'Approver', 'Auditor']) {
      const [trust] = roleOf(recovery, kind).AssumeRolePolicyDocument.Statement;
      expect(trust?.Condition).toBeUndefined();
      expect(JSON.stringify(trust)).toContain(':iam::333333333333:root');
    }
  });

  test('Operator starts drills, failovers and failbacks but is denied approving', () => {
    const statements = policyOf(recovery, 'Operator');
    const start = statements.find((s) => actionsOf(s).includes('states:StartExecution'))!;
    expect(JSON.stringify(start.Resource)).toMatch(/stateMachine:rxdr-prod-drill".*stateMachine:rxdr-prod-failover".*stateMachine:rxdr-prod-failback"/);
    const deny = statements.find((s) => s.Effect === 'Deny')!;
    expect(actionsOf(deny)).toEqual(expect.arrayContaining(['states:SendTaskSuccess', 'states:SendTaskFailure', 'ssm:GetParameter']));
    expect(statements.filter((s) => s.Effect === 'Allow').flatMap(actionsOf)).not.toContain('states:SendTaskSuccess');
  });

  test('Approver approves or aborts only failover and failback runs, and cannot start any', () => {
    const statements = policyOf(recovery, 'Approver');
    const approve = statements.find((s) => actionsOf(s).includes('states:SendTaskSuccess'))!;
    expect(actionsOf(approve)).toEqual(['states:SendTaskSuccess', 'states:SendTaskFailure']);
    const resources = JSON.stringify(approve.Resource);
    expect(resources).toMatch(/stateMachine:rxdr-prod-failover"/);
    expect(resources).toMatch(/stateMachine:rxdr-prod-failback"/);
    expect(resources).not.toMatch(/rxdr-prod-drill/);
    expect(statements.find((s) => s.Effect === 'Deny' && actionsOf(s).includes('states:StartExecution'))).toBeDefined();
  });

  test('Auditor cannot read database contents or secrets: nothing allowed, everything denied explicitly', () => {
    const statements = policyOf(recovery, 'Auditor');
    const allowed = statements.filter((s) => s.Effect === 'Allow');
    const allowedActions = allowed.flatMap(actionsOf);
    for (const action of ['rds-db:connect', 'secretsmanager:GetSecretValue', 'rds:DownloadDBLogFilePortion', 'backup:StartRestoreJob', 'logs:GetLogEvents']) {
      expect(allowedActions).not.toContain(action);
    }
    expect(allowedActions.filter((a) => a.startsWith('secretsmanager:') || a.startsWith('rds-db:') || a.startsWith('dynamodb:'))).toEqual([]);
    const deny = statements.find((s) => s.Effect === 'Deny')!;
    expect(deny.Resource).toBe('*');
    expect(actionsOf(deny)).toEqual(expect.arrayContaining(['rds-db:connect', 'secretsmanager:GetSecretValue', 'rds:DownloadDBLogFilePortion', 'backup:StartRestoreJob', 'rds:RestoreDBInstanceToPointInTime']));
    // S3 reads are limited to the evidence bucket and the trail's log files.
    const s3Reads = allowed.filter((s) => actionsOf(s).includes('s3:GetObject'));
    expect(s3Reads.map((s) => JSON.stringify(s.Resource))).toEqual([expect.stringMatching(/Evidence.*\/\*/), expect.stringMatching(/AuditTrailLogs.*AWSLogs\/\*/)]);
    // KMS decrypt only through S3, never directly.
    for (const s of allowed.filter((st) => actionsOf(st).includes('kms:Decrypt'))) expect(s.Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.us-west-2.amazonaws.com' } });
  });
});

describe('audit trail', () => {
  test('rxdr creates a multi-region trail with log-file validation, its own CMK, an Object Lock bucket and explicit log retention', () => {
    const { recovery } = synthStage(shippedEnvironment('prod'));
    recovery.hasResourceProperties('AWS::CloudTrail::Trail', {
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      EnableLogFileValidation: true,
      KMSKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('AuditTrailKey'), 'Arn'] },
      CloudWatchLogsLogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AuditTrailLogGroup'), 'Arn'] },
    });
    recovery.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2190 } } },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('AuditTrailKey'), 'Arn'] } } }] },
    });
    recovery.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('AuditTrailKey'), 'Arn'] } });
    recovery.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/rxdr-prod-audit' });
    expect(recovery.toJSON().Metadata?.['rxdr:auditTrail']).toEqual({ mode: 'create' });
    recovery.hasResourceProperties('AWS::CloudTrail::Trail', Match.anyValue());
    const [trailId] = Object.keys(recovery.findResources('AWS::CloudTrail::Trail'));
    recovery.hasOutput('*', { Value: { 'Fn::GetAtt': [trailId, 'Arn'] } });
  });

  test('relying on an organization trail creates no trail and records the choice in metadata and an output', () => {
    const arn = 'arn:aws:cloudtrail:us-east-1:999999999999:trail/org-trail';
    const { recovery } = synthStage(environment({ auditTrail: { mode: 'organization', organizationTrailArn: arn } }, 'qa'));
    recovery.resourceCountIs('AWS::CloudTrail::Trail', 0);
    expect(recovery.toJSON().Metadata?.['rxdr:auditTrail']).toEqual({ mode: 'organization', organizationTrailArn: arn });
    recovery.hasOutput('*', { Value: `organization:${arn}` });
    // Alarms become EventBridge rules (one per API call family), each publishing to the alert topic.
    const rules = recovery.findResources('AWS::Events::Rule', { Properties: { Description: Match.stringLikeRegexp('^rxdr security alarm: ') } });
    expect(Object.keys(rules)).toHaveLength(SECURITY_DETECTIONS.reduce((n, d) => n + d.calls.length, 0));
    recovery.hasResourceProperties('AWS::Events::Rule', {
      Description: 'rxdr security alarm: Break-glass role assumed',
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^AlertsTopic') } })],
      EventPattern: { source: ['aws.sts'], 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventName: ['AssumeRole'], requestParameters: { roleArn: [{ 'Fn::Join': ['', Match.arrayWith([':iam::111111111111:role/rxdr-qa-break-glass'])] }] } } },
    });
  });
});

describe('security alarms', () => {
  const { recovery } = synthStage(shippedEnvironment('dev'));
  const filters = recovery.findResources('AWS::Logs::MetricFilter');
  const patternOf = (metricName: string): string => {
    const entry = Object.values(filters).find((f) => (f as { Properties: { MetricTransformations: { MetricName: string }[] } }).Properties.MetricTransformations[0]?.MetricName === metricName);
    if (!entry) throw new Error(`no metric filter for ${metricName}`);
    const pattern = (entry as { Properties: { FilterPattern: unknown } }).Properties.FilterPattern;
    if (typeof pattern === 'string') return pattern;
    const [, parts] = (pattern as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    return parts.map((part) => (typeof part === 'string' ? part : '<token>')).join('');
  };

  test.each(SECURITY_DETECTIONS.map((d) => [d.id, d] as const))('%s: a metric filter on the trail log group and an alarm to the alert topic', (id, detection) => {
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
  });

  test('the filters target this environment: break-glass role, drill not started by its schedule, failover and failback', () => {
    expect(patternOf('BreakGlassAssumed')).toMatch(/\$\.requestParameters\.roleArn = "arn:<token>:iam::111111111111:role\/rxdr-dev-break-glass"/);
    expect(patternOf('DrillStartedOutsideSchedule')).toMatch(/stateMachine:rxdr-dev-drill"\) && \(\$\.userIdentity\.sessionContext\.sessionIssuer\.arn != "arn:<token>:iam::111111111111:role\/rxdr-dev-drill-scheduler"/);
    expect(patternOf('FailoverStarted')).toMatch(/stateMachine:rxdr-dev-failover"\) \|\| \(\$\.requestParameters\.stateMachineArn = "arn:<token>:states:us-west-2:111111111111:stateMachine:rxdr-dev-failback"/);
    expect(patternOf('RecoveryPointDeletion')).toMatch(/backup\.amazonaws\.com.*\|\|.*rds\.amazonaws\.com/);
  });
});

describe('database audit and patching of the reference instance', () => {
  test('pgaudit through the parameter group, logs exported, automatic minor upgrades in the configured window', () => {
    const { primary } = synthStage(environment({ databases: [{ name: 'dispensing', tier: 'critical', mode: 'create', preferredMaintenanceWindow: 'tue:07:00-tue:07:30' }] }, 'qa'));
    primary.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Parameters: { 'rds.force_ssl': '1', shared_preload_libraries: Match.stringLikeRegexp('(^|,)pgaudit(,|$)'), 'pgaudit.log': 'ddl,role', 'pgaudit.role': 'rds_pgaudit', 'pgaudit.log_parameter': '0' },
    });
    primary.hasResourceProperties('AWS::RDS::DBInstance', {
      AutoMinorVersionUpgrade: true,
      PreferredMaintenanceWindow: 'tue:07:00-tue:07:30',
      EnableCloudwatchLogsExports: Match.arrayWith(['postgresql']),
    });
  });
});
