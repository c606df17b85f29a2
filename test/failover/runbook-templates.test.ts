import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';
import { names } from '../../lib/naming';
import { runbookDatabases } from '../../lib/constructs/failover/runbook-config';
import { shippedConfig } from '../helpers/config';

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Every shipped environment's recovery stack, synthesized once (bundling skipped). */
const environments = shippedConfig().environments;
const { stages } = buildApp(environments, { compliance: false, context: { 'aws:cdk:bundling-stacks': [] } });

function statements(template: Template, sid: string): Statement[] {
  const policies = template.findResources('AWS::IAM::ManagedPolicy');
  return Object.values(policies).flatMap((p) => (p.Properties.PolicyDocument.Statement as Statement[]).filter((s) => s.Sid === sid));
}
const text = (value: unknown) => JSON.stringify(value);

describe.each(environments.map((env, i) => [env.name, env, i] as const))('runbooks of %s', (_name, config, index) => {
  const template = Template.fromStack(stages[index]!.recovery);
  const databases = runbookDatabases(config);

  test('failover and failback state machines, named, CMK-encrypted, logged, with the approval gate (task token, timeout from config)', () => {
    for (const name of [names.failoverStateMachine(config), names.failbackStateMachine(config)]) {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: name, EncryptionConfiguration: Match.objectLike({ Type: 'CUSTOMER_MANAGED_KMS_KEY' }), LoggingConfiguration: Match.objectLike({ Level: 'ALL' }) });
    }
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).filter((m) => [names.failoverStateMachine(config), names.failbackStateMachine(config)].includes(m.Properties.StateMachineName));
    expect(machines).toHaveLength(2);
    for (const machine of machines) {
      const definition = text(machine.Properties.DefinitionString);
      expect(definition).toContain('waitForTaskToken');
      expect(definition).toContain(`\\"TimeoutSeconds\\":${config.failover.approvalTimeoutMinutes * 60}`);
      expect(definition).toContain('request-approval');
    }
  });

  test('RDS permissions name the configured primary, replica, recovered and failback instances only', () => {
    const describe = text(statements(template, 'DescribeProtectedInstances'));
    for (const db of databases) {
      expect(describe).toContain(`:db:${db.primaryInstanceIdentifier}`);
      if (db.replicaInstanceIdentifier) expect(describe).toContain(`:db:${db.replicaInstanceIdentifier}`);
    }
    const promote = statements(template, 'PromoteReplica');
    expect(promote).toHaveLength(1);
    const replicas = databases.flatMap((d) => (d.replicaInstanceIdentifier ? [d.replicaInstanceIdentifier] : []));
    for (const id of replicas) expect(text(promote)).toContain(`:db:${id}`);
    expect(text(promote)).not.toMatch(/:db:\*/);
    expect(text(statements(template, 'RestoreIntoTheRecoveredIdentifiers'))).not.toMatch(/:db:\*/);
  });

  test('repoint permissions: only the configured records (CNAME), parameters and replicated secrets', () => {
    const change = statements(template, 'ChangeOnlyTheConfiguredRecords');
    expect(change.length).toBeGreaterThan(0);
    const zones = [...new Set(databases.map((d) => d.route53!.hostedZoneId))];
    for (const statement of change) {
      expect(text(statement.Resource)).toContain(`hostedzone/${zones[0]}`);
      expect(statement.Condition).toEqual({ 'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': databases.map((d) => d.route53!.recordName.toLowerCase()), 'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'] } });
    }
    const parameters = text(statements(template, 'EndpointApprovalAndFreezeParameters'));
    for (const db of databases) expect(parameters).toContain(`parameter${db.endpointParameterName}`);
    const secrets = text(statements(template, 'ReadAndRepointClientPointers'));
    for (const db of databases) expect(secrets).toContain(db.secretArn.startsWith('arn:') ? db.secretArn : `secret:${db.secretArn}-??????`);
    expect(secrets).not.toMatch(/secret:\*/);
  });

  test('SSM Automation documents: aws:approve, then StartExecution of the state machine and SendTaskSuccess', () => {
    for (const [name, kind] of [[names.failoverDocument(config), 'Failover'], [names.failbackDocument(config), 'Failback']] as const) {
      const docs = template.findResources('AWS::SSM::Document', { Properties: { Name: name, DocumentType: 'Automation' } });
      const doc = Object.values(docs)[0]!;
      const steps = doc.Properties.Content.mainSteps as { name: string; action: string; inputs: Record<string, unknown> }[];
      expect(steps.map((s) => s.action)).toEqual(['aws:approve', 'aws:executeAwsApi', 'aws:executeScript']);
      expect(steps[0]!.inputs).toMatchObject({ Approvers: '{{ Approvers }}', MinRequiredApprovals: 1 });
      expect(steps[1]!.inputs).toMatchObject({ Service: 'stepfunctions', Api: 'StartExecution', name: 'ssm-{{ automation:EXECUTION_ID }}' });
      expect(text(steps[1]!.inputs.stateMachineArn)).toContain(`Runbooks${kind}`);
      expect(String(steps[2]!.inputs.Script)).toContain('send_task_success');
      expect(steps[2]!.inputs.InputPayload).toMatchObject({ ParameterName: `${names.approvalParameterPrefix(config)}/ssm-{{ automation:EXECUTION_ID }}` });
    }
    const start = statements(template, 'StartAndApproveRunbooks');
    expect(start).toHaveLength(1);
    expect(start[0]!.Action).toEqual(['states:StartExecution', 'states:SendTaskSuccess']);
    expect(text(start[0]!.Resource)).toMatch(/RunbooksFailover.*RunbooksFailback|RunbooksFailback.*RunbooksFailover/);
  });

  test('the validator is the validation engine, reading only the configured secrets and the manifests', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('validate the recovered database') });
    const read = text(statements(template, 'ReadCredentials'));
    for (const db of databases) expect(read).toContain(db.secretArn.startsWith('arn:') ? db.secretArn : `secret:${db.secretArn}-??????`);
    expect(text(statements(template, 'ReadManifests'))).toContain('/manifests/*');
  });
});
