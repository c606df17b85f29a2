import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { GetFunctionUrlConfigCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { cliRuntime } from '../../lib/cli/aws';
import { rxdr } from '../helpers/cli';
import { signInWith, useLocalRunbookGateway } from '../helpers/local-runbook-gateway';

const sfn = mockClient(SFNClient);
const ssm = mockClient(SSMClient);
const sts = mockClient(STSClient);
const lambda = mockClient(LambdaClient);
const ALICE = 'arn:aws:sts::111111111111:assumed-role/rxdr-dev-Operator/alice';
const BOB = 'arn:aws:sts::111111111111:assumed-role/rxdr-dev-Approver/bob';
const ALICE_APPROVING = 'arn:aws:sts::111111111111:assumed-role/rxdr-dev-Approver/alice';
/** Access keys the local function URL authenticates, as IAM would, by their SigV4 signature. */
const KEYS = {
  AKIAALICEOPERATOR: { secret: 'alice-operator-secret', arn: ALICE },
  AKIABOBAPPROVER: { secret: 'bob-approver-secret', arn: BOB },
  AKIAALICEAPPROVER: { secret: 'alice-approver-secret', arn: ALICE_APPROVING },
};
const signInAs = (accessKeyId: keyof typeof KEYS, secret?: string) => signInWith(sts, KEYS, accessKeyId, secret);
/** `rxdr failover start` of the dev environment's dispensing database, with `options`. */
const startDispensingFailover = (...options: string[]) =>
  rxdr('failover', 'start', '--env', 'dev', '--database', 'dispensing', ...options);
const running = (startedBy: string) => ({ status: 'RUNNING' as const, input: JSON.stringify({ startedBy }) });

const gateway = useLocalRunbookGateway(
  KEYS,
  {
    environment: 'dev',
    account: '111111111111',
    stateMachines: {
      failover: 'arn:aws:states:us-west-2:111111111111:stateMachine:rxdr-dev-failover',
      failback: 'arn:aws:states:us-west-2:111111111111:stateMachine:rxdr-dev-failback',
    },
    approvalParameterPrefix: '/rxdr/dev/approvals',
    roles: { operator: 'rxdr-dev-Operator', approver: 'rxdr-dev-Approver', breakGlass: 'rxdr-dev-break-glass' },
  },
  'us-west-2',
);
const EXEC = 'arn:aws:states:us-west-2:111111111111:execution:rxdr-dev-failover:failover-dispensing-1';

function history(...steps: [name: string, enteredSecond: number, exitedSecond?: number][]): HistoryEvent[] {
  const t0 = Date.parse('2026-03-03T03:00:00Z');
  let id = 1;
  return steps.flatMap(([name, enter, exit]) => [
    { id: id++, type: 'TaskStateEntered', timestamp: new Date(t0 + enter * 1000), stateEnteredEventDetails: { name } },
    ...(exit === undefined
      ? []
      : [
          {
            id: id++,
            type: 'TaskStateExited',
            timestamp: new Date(t0 + exit * 1000),
            stateExitedEventDetails: { name },
          },
        ]),
  ]) as HistoryEvent[];
}

beforeEach(() => {
  sfn.reset();
  ssm.reset();
  sts.reset();
  lambda.reset();
  lambda.on(GetFunctionUrlConfigCommand).resolves({ FunctionUrl: gateway().url });
  signInAs('AKIAALICEOPERATOR');
  cliRuntime.pollMs = 0;
});

describe('rxdr failover / failback / drill (AWS) argument and environment errors', () => {
  test('--help lists the subcommands next to --local', async () => {
    const result = await rxdr('failover', '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--local/);
    for (const sub of ['plan', 'start', 'approve', 'abort', 'status']) expect(result.stdout).toContain(sub);
    expect((await rxdr('failback', 'start', '--help')).stdout).toMatch(/--reason <text>/);
    expect((await rxdr('drill', 'show', '--help')).stdout).toMatch(/<id>/);
  });

  test('a missing required option exits 2 and names it', async () => {
    const result = await startDispensingFailover();
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--reason <text>' not specified/);
  });

  test('an invalid strategy exits 2 listing the choices', async () => {
    const result = await startDispensingFailover('--reason', 'outage', '--strategy', 'pray');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/promote-replica, point-in-time, latest-backup/);
  });

  test('an unknown environment exits 2 listing the configured ones, before any AWS call', async () => {
    const result = await rxdr('failover', 'plan', '--env', 'prdo', '--database', 'dispensing');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown environment "prdo"; configured environments: dev, staging, prod/);
    expect(sts.calls()).toHaveLength(0);
  });

  test('an unknown database exits 2 listing the configured ones', async () => {
    const result = await rxdr('failover', 'plan', '--env', 'dev', '--database', 'claims');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown database "claims" in environment dev; configured databases: dispensing/);
  });

  test('missing credentials exit 2 and say how to log in', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(
        Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      );
    const result = await rxdr('failover', 'status', '--env', 'dev', '--profile', 'rx-dev');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /no AWS credentials found for profile "rx-dev": run `aws sso login --profile rx-dev`/,
    );
    expect(sfn.calls()).toHaveLength(0);
  });

  test('an execution that does not exist exits 2 and says how to list them', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' }));
    const result = await rxdr('failover', 'status', '--env', 'dev', '--execution', 'nope');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /execution not found: arn:aws:states:us-west-2:111111111111:execution:rxdr-dev-failover:nope; list recent executions with `rxdr failover status --env dev`/,
    );
  });

  test('approve on an execution not at the gate exits 2', async () => {
    signInAs('AKIABOBAPPROVER');
    sfn.on(DescribeExecutionCommand).resolves(running(ALICE));
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('not found'), { name: 'ParameterNotFound' }));
    const result = await rxdr('failover', 'approve', '--env', 'dev', '--execution', 'failover-dispensing-1');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /is not waiting for approval \(no token at \/rxdr\/dev\/approvals\/failover-dispensing-1\)/,
    );
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });
});

describe('following executions', () => {
  test('start: records who started it, follows each step with durations and stops at the approval gate', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXEC });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: history(['Preflight', 0]) })
      .resolves({ events: history(['Preflight', 0, 3.2], ['RequestApproval', 3.3]) });
    const result = await startDispensingFailover(
      '--reason',
      'us-east-1 outage',
      '--force',
      'primary answers but writes fail',
    );
    expect(result.code).toBe(0);
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!) as Record<
      string,
      unknown
    >;
    expect(input).toEqual({
      database: 'dispensing',
      reason: 'us-east-1 outage',
      startedBy: ALICE,
      force: { reason: 'primary answers but writes fail' },
    });
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.stateMachineArn).toBe(
      'arn:aws:states:us-west-2:111111111111:stateMachine:rxdr-dev-failover',
    );
    expect(result.stderr).toContain('  ▶ Preflight\n');
    expect(result.stderr).toMatch(/✓ Preflight\s+3\.2 s/);
    expect(result.stderr).toContain('  ▶ RequestApproval\n');
    expect(result.stdout).toMatch(
      /waiting for approval: rxdr failover approve --env dev --execution failover-dispensing-1/,
    );
  });

  test('approve: sends the token with the approver, follows to the end; a failed run exits 1 with its error', async () => {
    signInAs('AKIABOBAPPROVER');
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce(running(ALICE))
      .resolvesOnce(running(ALICE))
      .resolvesOnce(running(ALICE))
      .resolves({ status: 'FAILED', error: 'Rxdr.FailoverFailed', cause: 'a step failed' });
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'token-123' } });
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: history(
        ['Preflight', 0, 3],
        ['RequestApproval', 3, 100],
        ['StartRecovery', 100, 101],
        ['CheckRecovery', 106, 107],
        ['CheckRecovery', 114, 115],
      ),
    });
    const result = await rxdr(
      'failover',
      'approve',
      '--env',
      'dev',
      '--execution',
      'failover-dispensing-1',
      '--comment',
      'go',
    );
    expect(result.code).toBe(1);
    const sent = sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input;
    expect(sent.taskToken).toBe('token-123');
    expect(JSON.parse(sent.output!)).toMatchObject({ approvedBy: BOB, comment: 'go' });
    expect(gateway().requests.at(-1)).toEqual({ principal: BOB, status: 200 });
    expect(result.stderr).toMatch(/✓ CheckRecovery\s+9\.0 s\s+\(2 checks\)/);
    expect(result.stdout).toMatch(/failover failover-dispensing-1 FAILED: Rxdr.FailoverFailed — a step failed/);
  });

  test('the person who started a run cannot approve it from the CLI, whichever role they assume', async () => {
    signInAs('AKIAALICEAPPROVER');
    sfn.on(DescribeExecutionCommand).resolves(running(ALICE));
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'token-123' } });
    const result = await rxdr('failover', 'approve', '--env', 'dev', '--execution', 'failover-dispensing-1');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/started failover-dispensing-1 .*another person must approve it/);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(gateway().requests.at(-1)).toEqual({ principal: ALICE_APPROVING, status: 403 });
  });

  test('a request the function URL cannot authenticate is refused before the gateway runs', async () => {
    signInAs('AKIABOBAPPROVER', 'not-the-secret');
    sfn.on(DescribeExecutionCommand).resolves(running(ALICE));
    const result = await rxdr('failover', 'approve', '--env', 'dev', '--execution', 'failover-dispensing-1');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/refused the request signature: assume the Operator or Approver role of dev/);
    expect(gateway().requests.at(-1)).toEqual({ status: 403 });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  test('abort at the gate sends a task failure with who and why', async () => {
    sfn.on(DescribeExecutionCommand).resolves(running(BOB));
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'token-123' } });
    sfn.on(SendTaskFailureCommand).resolves({});
    const result = await rxdr(
      'failback',
      'abort',
      '--env',
      'dev',
      '--execution',
      'x',
      '--reason',
      'not tonight',
      '--json',
    );
    expect(result.code).toBe(0);
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]!.args[0].input).toEqual({
      taskToken: 'token-123',
      error: 'Rxdr.Aborted',
      cause: `${ALICE}: not tonight`,
    });
    expect(JSON.parse(result.stdout)).toEqual({
      executionArn: 'arn:aws:states:us-west-2:111111111111:execution:rxdr-dev-failback:x',
      aborted: true,
      atApprovalGate: true,
    });
  });

  test('plan --json prints the plan of a dry-run execution', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXEC });
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'SUCCEEDED',
      output: JSON.stringify({ decision: 'dry-run', database: 'dispensing', strategy: 'promote-replica', steps: [] }),
    });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: history(['Preflight', 0, 2]) });
    const result = await rxdr('failover', 'plan', '--env', 'dev', '--database', 'dispensing', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      decision: 'dry-run',
      database: 'dispensing',
      strategy: 'promote-replica',
      steps: [],
    });
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!)).toMatchObject({
      dryRun: true,
    });
  });

  test('drill list --json and drill show', async () => {
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        {
          name: 'drill-dispensing-1',
          status: 'SUCCEEDED',
          startDate: new Date('2026-03-01T06:00:00Z'),
          executionArn: 'a',
          stateMachineArn: 'b',
        },
      ],
    });
    const list = await rxdr('drill', 'list', '--env', 'dev', '--json');
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      { name: 'drill-dispensing-1', status: 'SUCCEEDED', startDate: '2026-03-01T06:00:00.000Z' },
    ]);
    sfn
      .on(DescribeExecutionCommand)
      .resolves({ status: 'FAILED', error: 'Rxdr.DrillFailed', cause: 'validation failed' });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: history(['PickSource', 0, 1], ['StartRestore', 1, 2]) });
    const show = await rxdr('drill', 'show', 'drill-dispensing-1', '--env', 'dev');
    expect(show.code).toBe(1);
    expect(show.stdout).toMatch(/drill drill-dispensing-1: FAILED \(Rxdr.DrillFailed: validation failed\)/);
    expect(show.stdout).toMatch(/✓ StartRestore\s+1\.0 s/);
  });
});
