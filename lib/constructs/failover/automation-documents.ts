import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../../compliance/acknowledgements';
import { ManagedPolicyRole } from '../managed-policy-role';

export interface AutomationDocumentsProps {
  readonly environmentName: string;
  readonly failover: sfn.IStateMachine;
  readonly failback: sfn.IStateMachine;
  /** State machine names (execution ARNs are built from them). */
  readonly failoverStateMachineName: string;
  readonly failbackStateMachineName: string;
  readonly failoverDocumentName: string;
  readonly failbackDocumentName: string;
  readonly approvalParameterPrefix: string;
  /** Encrypts the approval tokens (SecureString). */
  readonly key: kms.IKey;
  /** How long `aws:approve` waits. @default Duration.hours(1) */
  readonly approvalTimeout?: Duration;
}

/**
 * Python run by `aws:executeScript`: wait for the state machine's approval token (the runbook parks it in
 * SSM under the execution's name), hand it back with SendTaskSuccess, then follow the execution to its end.
 */
const APPROVE_AND_FOLLOW = `
import datetime, json, time
import boto3

def handler(events, context):
    ssm = boto3.client('ssm')
    sfn = boto3.client('stepfunctions')
    name = events['ParameterName']
    deadline = time.time() + 600
    token = None
    while token is None:
        status = sfn.describe_execution(executionArn=events['ExecutionArn'])['status']
        if status != 'RUNNING':
            raise Exception('execution ended before its approval gate: ' + status + ' (see the Preflight output)')
        try:
            token = ssm.get_parameter(Name=name, WithDecryption=True)['Parameter']['Value']
        except ssm.exceptions.ParameterNotFound:
            if time.time() > deadline:
                raise Exception('no approval token after 10 minutes at ' + name)
            time.sleep(5)
    approved_at = datetime.datetime.now(datetime.timezone.utc).isoformat()
    sfn.send_task_success(taskToken=token, output=json.dumps({'approvedBy': events['ApprovedBy'], 'approvedAt': approved_at, 'comment': 'approved in SSM Automation (aws:approve)'}))
    while True:
        status = sfn.describe_execution(executionArn=events['ExecutionArn'])['status']
        if status != 'RUNNING':
            break
        time.sleep(15)
    if status != 'SUCCEEDED':
        raise Exception('the runbook ' + status + ': see the evidence document and the notice; run the document again to resume')
    return {'status': status, 'approvedAt': approved_at}
`.trim();

/**
 * SSM Automation documents wrapping the failover and failback state machines for engineers without the CLI:
 * an `aws:approve` step (named approvers sign off in the console), `StartExecution` with a name derived from
 * the automation execution, then the approval token handed back with `SendTaskSuccess` and the execution
 * followed to its end. The documents run as a role that may do only that.
 */
export class AutomationDocuments extends Construct {
  readonly failoverDocument: ssm.CfnDocument;
  readonly failbackDocument: ssm.CfnDocument;
  readonly role: ManagedPolicyRole;

  constructor(scope: Construct, id: string, props: AutomationDocumentsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const approvalSeconds = (props.approvalTimeout ?? Duration.hours(1)).toSeconds();
    this.role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
      }),
      description: `rxdr ${props.environmentName}: SSM Automation starts, approves and follows the failover/failback runbooks`,
    });
    const machines = [props.failover, props.failback];
    const executions = [props.failoverStateMachineName, props.failbackStateMachineName].map((n) =>
      stack.formatArn({
        service: 'states',
        resource: 'execution',
        resourceName: `${n}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'StartAndApproveRunbooks',
        actions: ['states:StartExecution', 'states:SendTaskSuccess'],
        resources: machines.map((m) => m.stateMachineArn),
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'FollowRunbooks', actions: ['states:DescribeExecution'], resources: executions }),
    );
    const approvalTokens = stack.formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: `${props.approvalParameterPrefix.replace(/^\//, '')}/ssm-*`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadApprovalTokens',
        actions: ['ssm:GetParameter'],
        resources: [approvalTokens],
      }),
    );
    props.key.grant(this.role, 'kms:Decrypt');
    acknowledgeWildcardResources(
      this.role,
      executions,
      "executions are named per automation run (ssm-<automation execution id>); only the runbook state machines' executions",
    );
    acknowledgeWildcardResources(
      this.role,
      [approvalTokens],
      "one approval token per automation run under the runbooks' approval prefix",
    );

    const document = (kind: 'failover' | 'failback', name: string, machine: sfn.IStateMachine): ssm.CfnDocument => {
      const input: Record<string, string> =
        kind === 'failover'
          ? {
              database: '{{ Database }}',
              strategy: '{{ Strategy }}',
              reason: '{{ Reason }}',
              dryRun: '{{ DryRun }}',
              startedBy: 'ssm-automation:{{ automation:EXECUTION_ID }}',
            }
          : {
              database: '{{ Database }}',
              reason: '{{ Reason }}',
              dryRun: '{{ DryRun }}',
              startedBy: 'ssm-automation:{{ automation:EXECUTION_ID }}',
            };
      // Step Functions input is JSON: booleans must not be quoted, and "default" means "the tier's strategy".
      const json = JSON.stringify(input).replace('"{{ DryRun }}"', '{{ DryRun }}');
      return new ssm.CfnDocument(this, kind === 'failover' ? 'Failover' : 'Failback', {
        name,
        documentType: 'Automation',
        documentFormat: 'JSON',
        updateMethod: 'NewVersion',
        content: {
          schemaVersion: '0.3',
          description: `rxdr ${props.environmentName} ${kind}: approve, start the ${kind} state machine, hand it the approval and follow it. Same runbook as \`rxdr ${kind} start\`; see docs/runbooks/${kind}.md.`,
          assumeRole: this.role.roleArn,
          parameters: {
            Database: { type: 'String', description: 'The database (rxdr config name), e.g. dispensing' },
            ...(kind === 'failover'
              ? {
                  Strategy: {
                    type: 'String',
                    allowedValues: ['promote-replica', 'point-in-time', 'latest-backup'],
                    description: 'Recovery strategy (the tier default is shown in rxdr failover plan)',
                  },
                }
              : {}),
            Reason: {
              type: 'String',
              description: `Why you ${kind === 'failover' ? 'fail over' : 'fail back'} (recorded in the evidence)`,
            },
            DryRun: { type: 'Boolean', default: false, description: 'Preflight and plan only; no mutating call' },
            Approvers: {
              type: 'StringList',
              description: 'IAM users/roles who may approve (the Approver role of this environment)',
            },
          },
          mainSteps: [
            {
              name: 'Approve',
              action: 'aws:approve',
              timeoutSeconds: approvalSeconds,
              onFailure: 'Abort',
              inputs: {
                Approvers: '{{ Approvers }}',
                MinRequiredApprovals: 1,
                Message: `rxdr ${props.environmentName}: approve the ${kind} of {{ Database }}? Reason: {{ Reason }}. Check the plan first: rxdr ${kind} plan --env ${props.environmentName} --database {{ Database }}`,
              },
            },
            {
              name: 'StartExecution',
              action: 'aws:executeAwsApi',
              onFailure: 'Abort',
              inputs: {
                Service: 'stepfunctions',
                Api: 'StartExecution',
                stateMachineArn: machine.stateMachineArn,
                name: 'ssm-{{ automation:EXECUTION_ID }}',
                input: json,
              },
              outputs: [{ Name: 'ExecutionArn', Selector: '$.executionArn', Type: 'String' }],
            },
            {
              name: 'SendTaskSuccess',
              action: 'aws:executeScript',
              onFailure: 'Abort',
              timeoutSeconds: 86400,
              inputs: {
                Runtime: 'python3.11',
                Handler: 'handler',
                Script: APPROVE_AND_FOLLOW,
                InputPayload: {
                  ExecutionArn: '{{ StartExecution.ExecutionArn }}',
                  ParameterName: `${props.approvalParameterPrefix}/ssm-{{ automation:EXECUTION_ID }}`,
                  ApprovedBy: 'ssm-automation:{{ automation:EXECUTION_ID }} (aws:approve)',
                },
              },
              isEnd: true,
            },
          ],
        },
      });
    };
    this.failoverDocument = document('failover', props.failoverDocumentName, props.failover);
    this.failbackDocument = document('failback', props.failbackDocumentName, props.failback);
  }
}
