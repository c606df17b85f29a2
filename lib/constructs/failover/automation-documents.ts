import { Duration } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { Strategy } from '../../../engines/failover/catalog';

export interface AutomationDocumentsProps {
  readonly environmentName: string;
  /** The runbook gateway's function URL (IAM authentication). */
  readonly gatewayUrl: string;
  readonly failoverStateMachineName: string;
  readonly failbackStateMachineName: string;
  readonly failoverDocumentName: string;
  readonly failbackDocumentName: string;
  readonly approveDocumentName: string;
  /** How long the start document follows a run that waits for approval. @default Duration.hours(1) */
  readonly approvalTimeout?: Duration;
}

/**
 * Python shared by the documents' `aws:executeScript` steps. The documents name no `assumeRole`, so Automation
 * runs them with the credentials of the person who started the automation; the script signs its request to the
 * runbook gateway with those credentials (SigV4), and the gateway takes the identity Lambda verified.
 */
const GATEWAY_CALL = `
import json, time, urllib.error, urllib.request
import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

def gateway(events, body):
    data = json.dumps(body).encode()
    signed = AWSRequest(method='POST', url=events['GatewayUrl'], data=data, headers={'content-type': 'application/json'})
    credentials = boto3.session.Session().get_credentials().get_frozen_credentials()
    SigV4Auth(credentials, 'lambda', events['Region']).add_auth(signed)
    request = urllib.request.Request(events['GatewayUrl'], data=data, headers=dict(signed.headers), method='POST')
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise Exception('the runbook gateway refused (' + str(error.code) + '): ' + error.read().decode())
`.trim();

const START_AND_FOLLOW = `${GATEWAY_CALL}

def handler(events, context):
    run_input = {'database': events['Database'], 'reason': events['Reason'],
                 'dryRun': str(events['DryRun']).lower() == 'true'}
    if events.get('Strategy') and events['Strategy'] != 'default':
        run_input['strategy'] = events['Strategy']
    started = gateway(events, {'action': 'start', 'operation': events['Operation'], 'name': events['Name'],
                               'input': run_input})
    sfn = boto3.client('stepfunctions', region_name=events['Region'])
    deadline = time.time() + int(events['FollowSeconds'])
    status = 'RUNNING'
    while status == 'RUNNING' and time.time() < deadline:
        time.sleep(15)
        status = sfn.describe_execution(executionArn=started['executionArn'])['status']
    if status not in ('RUNNING', 'SUCCEEDED'):
        raise Exception('the runbook ' + status + ': see the evidence document and the notice')
    return {'ExecutionArn': started['executionArn'], 'StartedBy': started['startedBy'], 'Status': status}
`;

const APPROVE = `${GATEWAY_CALL}

def handler(events, context):
    body = {'action': 'approve', 'operation': events['Operation'], 'execution': events['Execution']}
    if events.get('Comment'):
        body['comment'] = events['Comment']
    approved = gateway(events, body)
    return {'ApprovedBy': approved['approvedBy'], 'StartedBy': approved['startedBy']}
`;

/**
 * SSM Automation documents for engineers without the CLI. A start document per runbook (an Operator runs it:
 * the run is started through the runbook gateway as that Operator, then followed), and one approve document (an
 * Approver runs it on the waiting execution). No document takes a list of approvers or runs as a shared role:
 * who started and who approved are the people AWS authenticated, and the gateway refuses an approval by the
 * person who started the run.
 */
export class AutomationDocuments extends Construct {
  readonly failoverDocument: ssm.CfnDocument;
  readonly failbackDocument: ssm.CfnDocument;
  readonly approveDocument: ssm.CfnDocument;

  constructor(scope: Construct, id: string, props: AutomationDocumentsProps) {
    super(scope, id);
    const followSeconds = (props.approvalTimeout ?? Duration.hours(1)).toSeconds() + 3600;
    const gateway = { GatewayUrl: props.gatewayUrl, Region: '{{ global:REGION }}' };

    const start = (kind: 'failover' | 'failback', name: string): ssm.CfnDocument =>
      automationDocument(this, kind === 'failover' ? 'Failover' : 'Failback', name, {
        description:
          `rxdr ${props.environmentName} ${kind}: start the ${kind} runbook as you (Operator role) and follow ` +
          `it. Another person approves it with ${props.approveDocumentName}. Same runbook as \`rxdr ${kind} ` +
          `start\`; see docs/runbooks/${kind}.md.`,
        parameters: {
          Database: { type: 'String', description: 'The database (rxdr config name), e.g. dispensing' },
          ...(kind === 'failover'
            ? {
                Strategy: {
                  type: 'String',
                  default: 'default',
                  allowedValues: ['default', ...Strategy.options],
                  description: "Recovery strategy ('default': the tier's, shown by rxdr failover plan)",
                },
              }
            : {}),
          Reason: {
            type: 'String',
            description: `Why you ${kind === 'failover' ? 'fail over' : 'fail back'} (recorded in the evidence)`,
          },
          DryRun: { type: 'Boolean', default: false, description: 'Preflight and plan only; no mutating call' },
        },
        mainSteps: [
          {
            name: 'StartAndFollow',
            action: 'aws:executeScript',
            onFailure: 'Abort',
            timeoutSeconds: followSeconds + 600,
            inputs: {
              Runtime: 'python3.11',
              Handler: 'handler',
              Script: START_AND_FOLLOW,
              InputPayload: {
                ...gateway,
                Operation: kind,
                Name: 'ssm-{{ automation:EXECUTION_ID }}',
                Database: '{{ Database }}',
                ...(kind === 'failover' ? { Strategy: '{{ Strategy }}' } : {}),
                Reason: '{{ Reason }}',
                DryRun: '{{ DryRun }}',
                FollowSeconds: followSeconds,
              },
            },
            outputs: [
              { Name: 'ExecutionArn', Selector: '$.Payload.ExecutionArn', Type: 'String' },
              { Name: 'StartedBy', Selector: '$.Payload.StartedBy', Type: 'String' },
            ],
            isEnd: true,
          },
        ],
      });

    this.failoverDocument = start('failover', props.failoverDocumentName);
    this.failbackDocument = start('failback', props.failbackDocumentName);
    this.approveDocument = automationDocument(this, 'Approve', props.approveDocumentName, {
      description:
        `rxdr ${props.environmentName}: approve a failover or failback that waits at its approval gate, as ` +
        `you (Approver role). Refused when you started it. Same as \`rxdr failover approve\`.`,
      parameters: {
        Operation: { type: 'String', allowedValues: ['failover', 'failback'], description: 'Which runbook' },
        Execution: {
          type: 'String',
          description: `The waiting execution's name (${props.failoverStateMachineName} or ${props.failbackStateMachineName})`,
        },
        Comment: { type: 'String', default: '', description: 'Recorded with the approval' },
      },
      mainSteps: [
        {
          name: 'Approve',
          action: 'aws:executeScript',
          onFailure: 'Abort',
          timeoutSeconds: 120,
          inputs: {
            Runtime: 'python3.11',
            Handler: 'handler',
            Script: APPROVE,
            InputPayload: {
              ...gateway,
              Operation: '{{ Operation }}',
              Execution: '{{ Execution }}',
              Comment: '{{ Comment }}',
            },
          },
          outputs: [
            { Name: 'ApprovedBy', Selector: '$.Payload.ApprovedBy', Type: 'String' },
            { Name: 'StartedBy', Selector: '$.Payload.StartedBy', Type: 'String' },
          ],
          isEnd: true,
        },
      ],
    });
  }
}

/**
 * An Automation document (schema 0.3, JSON) of the given name; an update adds a version, so a run in progress
 * keeps the one it started with.
 */
function automationDocument(
  scope: Construct,
  id: string,
  name: string,
  content: { description: string; parameters: Record<string, unknown>; mainSteps: unknown[] },
): ssm.CfnDocument {
  return new ssm.CfnDocument(scope, id, {
    name,
    documentType: 'Automation',
    documentFormat: 'JSON',
    updateMethod: 'NewVersion',
    content: { schemaVersion: '0.3', ...content },
  });
}
