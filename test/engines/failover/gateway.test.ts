import {
  DescribeExecutionCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { handleGatewayRequest, type FunctionUrlEvent, type GatewayConfig } from '../../../engines/failover/gateway';

const ACCOUNT = '111111111111';
const MACHINE = `arn:aws:states:us-west-2:${ACCOUNT}:stateMachine:rxdr-prod-failover`;
const config: GatewayConfig = {
  environment: 'prod',
  account: ACCOUNT,
  stateMachines: { failover: MACHINE, failback: `arn:aws:states:us-west-2:${ACCOUNT}:stateMachine:rxdr-prod-failback` },
  approvalParameterPrefix: '/rxdr/prod/approvals',
  roles: { operator: 'rxdr-prod-Operator', approver: 'rxdr-prod-Approver', breakGlass: 'rxdr-prod-break-glass' },
};
const as = (role: string, person: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${person}`;
const sfn = mockClient(SFNClient);
const ssm = mockClient(SSMClient);

function call(userArn: string | undefined, body: unknown): ReturnType<typeof handleGatewayRequest> {
  const event: FunctionUrlEvent = {
    body: JSON.stringify(body),
    ...(userArn ? { requestContext: { authorizer: { iam: { userArn, accountId: ACCOUNT } } } } : {}),
  };
  return handleGatewayRequest(event, {
    config,
    sfn: new SFNClient({}),
    ssm: new SSMClient({}),
    clock: { now: () => new Date('2026-12-01T10:00:00Z') },
  });
}

function waitingRun(startedBy: string): void {
  sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', input: JSON.stringify({ startedBy }) });
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'TOKEN-123' } });
  sfn.on(SendTaskSuccessCommand).resolves({});
}

const approve = { action: 'approve', operation: 'failover', execution: 'failover-dispensing-1' };

beforeEach(() => {
  sfn.reset();
  ssm.reset();
});

describe('runbook gateway: identities from the IAM-authenticated request, never from its body', () => {
  test('a plain Invoke (no verified caller) is refused and touches nothing', async () => {
    const out = await call(undefined, approve);
    expect(out.statusCode).toBe(401);
    expect(sfn.calls()).toHaveLength(0);
  });

  test('start: startedBy is the verified caller, whatever the body claims', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });
    const out = await call(as('rxdr-prod-Operator', 'alice'), {
      action: 'start',
      operation: 'failover',
      name: 'failover-dispensing-1',
      input: { database: 'dispensing', reason: 'outage', startedBy: 'arn:aws:iam::111111111111:user/mallory' },
    });
    expect(out.statusCode).toBe(200);
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!) as object;
    expect(input).toMatchObject({ startedBy: as('rxdr-prod-Operator', 'alice'), database: 'dispensing' });
  });

  test('the person who started the run cannot approve it through the Approver role', async () => {
    waitingRun(as('rxdr-prod-Operator', 'alice'));
    const out = await call(as('rxdr-prod-Approver', 'alice'), approve);
    expect(out.statusCode).toBe(403);
    expect(out.body).toMatch(/another person must approve/);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  test('another Approver approves: the task output names the verified approver', async () => {
    waitingRun(as('rxdr-prod-Operator', 'alice'));
    const out = await call(as('rxdr-prod-Approver', 'bob'), { ...approve, comment: 'checked the plan' });
    expect(out.statusCode).toBe(200);
    const sent = sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input;
    expect(sent.taskToken).toBe('TOKEN-123');
    expect(JSON.parse(sent.output!)).toEqual({
      approvedBy: as('rxdr-prod-Approver', 'bob'),
      approvedAt: '2026-12-01T10:00:00.000Z',
      comment: 'checked the plan',
    });
  });

  test('roles keep their duties: an Operator cannot approve, an Approver cannot start', async () => {
    waitingRun(as('rxdr-prod-Operator', 'alice'));
    expect((await call(as('rxdr-prod-Operator', 'bob'), approve)).statusCode).toBe(403);
    const start = { action: 'start', operation: 'failback', name: 'fb-1', input: {} };
    expect((await call(as('rxdr-prod-Approver', 'bob'), start)).statusCode).toBe(403);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('break-glass may approve its own run; the approval says so', async () => {
    waitingRun(as('rxdr-prod-Operator', 'alice'));
    const out = await call(as('rxdr-prod-break-glass', 'alice'), approve);
    expect(out.statusCode).toBe(200);
    expect(JSON.parse(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.output!)).toMatchObject({
      breakGlass: true,
    });
  });

  test('a principal of another account is refused', async () => {
    const out = await call('arn:aws:sts::222222222222:assumed-role/rxdr-prod-Approver/bob', approve);
    expect(out.statusCode).toBe(403);
  });

  test('abort mid-run (no token): StopExecution with the verified caller in the cause', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', input: JSON.stringify({ startedBy: 'x' }) });
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('nope'), { name: 'ParameterNotFound' }));
    sfn.on(StopExecutionCommand).resolves({});
    const out = await call(as('rxdr-prod-Operator', 'alice'), {
      action: 'abort',
      operation: 'failover',
      execution: 'failover-dispensing-1',
      reason: 'primary is back',
    });
    expect(out.statusCode).toBe(200);
    expect(sfn.commandCalls(StopExecutionCommand)[0]!.args[0].input.cause).toBe(
      `${as('rxdr-prod-Operator', 'alice')}: primary is back`,
    );
  });
});
