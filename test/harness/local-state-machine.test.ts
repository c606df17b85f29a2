import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import {
  type Json,
  LocalStateMachine,
  LocalStateMachineError,
  TemplateTokens,
  definitionFromTemplate,
  logicalIdOf,
  stepFunctionsError,
} from '../helpers/local-state-machine';
import { testApp } from '../helpers/synth';

const ACCOUNT = '111111111111';
const REGION = 'us-west-2';

function inlineFunction(stack: Stack, id: string): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({});'),
  });
}

/**
 * A restore-drill shaped state machine:
 * StartRestore (payloadResponseOnly, Retry ThrottlingException, Catch → Cleanup → DrillFailed)
 * → WaitForRestore (1 h) → CheckStatus (lambda:invoke + ResultSelector on $.Payload) → IsAvailable?
 *   no  → WaitForRestore (loop)
 *   yes → VerifyDatabases (Map, MaxConcurrency 2, VerifyDatabase) → TagVault (aws-sdk) → DrillSucceeded
 */
function drillStack() {
  const app = testApp();
  const stack = new Stack(app, 'DrillHarness');
  const startFn = inlineFunction(stack, 'StartRestoreFn');
  const statusFn = inlineFunction(stack, 'CheckStatusFn');
  const verifyFn = inlineFunction(stack, 'VerifyDatabaseFn');
  const cleanupFn = inlineFunction(stack, 'CleanupFn');
  const vault = new backup.BackupVault(stack, 'DrillVault', { backupVaultName: 'rxdr-drill-vault' });

  const cleanup = new tasks.LambdaInvoke(stack, 'Cleanup', {
    lambdaFunction: cleanupFn,
    payloadResponseOnly: true,
    resultPath: '$.cleanup',
  });
  cleanup.next(new sfn.Fail(stack, 'DrillFailed', { error: 'DrillFailed', cause: 'the restore did not complete' }));

  const startRestore = new tasks.LambdaInvoke(stack, 'StartRestore', {
    lambdaFunction: startFn,
    payloadResponseOnly: true,
    resultPath: '$.restore',
  });
  startRestore.addRetry({
    errors: ['ThrottlingException'],
    interval: Duration.seconds(5),
    maxAttempts: 3,
    backoffRate: 2,
  });
  startRestore.addCatch(cleanup, { errors: ['States.ALL'], resultPath: '$.error' });

  const waitForRestore = new sfn.Wait(stack, 'WaitForRestore', { time: sfn.WaitTime.duration(Duration.hours(1)) });
  const checkStatus = new tasks.LambdaInvoke(stack, 'CheckStatus', {
    lambdaFunction: statusFn,
    payload: sfn.TaskInput.fromObject({ jobId: sfn.JsonPath.stringAt('$.restore.jobId') }),
    resultSelector: { status: sfn.JsonPath.stringAt('$.Payload.status') },
    resultPath: '$.check',
  });

  const verify = new sfn.Map(stack, 'VerifyDatabases', {
    itemsPath: '$.databases',
    maxConcurrency: 2,
    itemSelector: {
      database: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
      jobId: sfn.JsonPath.stringAt('$.restore.jobId'),
    },
    resultPath: '$.verified',
  });
  verify.itemProcessor(
    new tasks.LambdaInvoke(stack, 'VerifyDatabase', { lambdaFunction: verifyFn, payloadResponseOnly: true }),
  );

  const tagVault = new tasks.CallAwsService(stack, 'TagVault', {
    service: 'backup',
    action: 'tagResource',
    parameters: { ResourceArn: vault.backupVaultArn, Tags: { 'rxdr:drill': sfn.JsonPath.stringAt('$.restore.jobId') } },
    iamResources: [vault.backupVaultArn],
    resultPath: sfn.JsonPath.DISCARD,
  });

  const isAvailable = new sfn.Choice(stack, 'IsAvailable')
    .when(
      sfn.Condition.stringEquals('$.check.status', 'available'),
      verify.next(tagVault).next(new sfn.Succeed(stack, 'DrillSucceeded')),
    )
    .otherwise(waitForRestore);

  new sfn.StateMachine(stack, 'DrillMachine', {
    definitionBody: sfn.DefinitionBody.fromChainable(
      startRestore.next(waitForRestore).next(checkStatus).next(isAvailable),
    ),
    timeout: Duration.hours(6),
  });
  return { stack, template: Template.fromStack(stack), cleanupFn };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('LocalStateMachine on a synthesized restore-drill state machine', () => {
  const { template, cleanupFn } = drillStack();
  const machine = LocalStateMachine.fromTemplate(template);
  const cleanupId = logicalIdOf(cleanupFn);
  const input = { drillId: 'd-1', databases: ['rx', 'claims', 'audit'] };

  /** Handlers for a drill whose restore becomes available on the third status check. */
  function handlers(overrides: { startRestore?: (event: Json) => unknown; verify?: (event: Json) => unknown } = {}) {
    const statuses = ['creating', 'modifying', 'available'];
    const seen = { statusEvents: [] as Json[], tagInputs: [] as Json[], cleanupEvents: [] as Json[] };
    return {
      seen,
      functions: {
        StartRestoreFn: overrides.startRestore ?? (() => ({ jobId: 'job-1' })),
        CheckStatusFn: (event: Json) => {
          seen.statusEvents.push(event);
          return { status: statuses.shift() ?? 'available' };
        },
        VerifyDatabaseFn: overrides.verify ?? ((event: Json) => ({ ...(event as object), ok: true })),
        [cleanupId]: (event: Json) => {
          seen.cleanupEvents.push(event);
          return { cleaned: true };
        },
      },
      tasks: {
        TagVault: (params: Json) => {
          seen.tagInputs.push(params);
          return {};
        },
      },
    };
  }

  test('lists the tasks it found and how each is wired', () => {
    const byName = Object.fromEntries(machine.taskStates.map((t) => [t.stateName, t]));
    expect(byName.StartRestore).toMatchObject({
      kind: 'lambda-arn',
      resource: expect.stringMatching(
        new RegExp(`^arn:aws:lambda:${REGION}:${ACCOUNT}:function:StartRestoreFn[0-9A-F]{8}$`),
      ),
    });
    expect(byName.CheckStatus).toMatchObject({
      kind: 'lambda-invoke',
      resource: 'arn:aws:states:::lambda:invoke',
      functionLogicalId: expect.stringMatching(/^CheckStatusFn[0-9A-F]{8}$/),
    });
    expect(byName.TagVault).toMatchObject({
      kind: 'integration',
      resource: 'arn:aws:states:::aws-sdk:backup:tagResource',
    });
    expect(machine.waitStates).toEqual(['WaitForRestore']);
  });

  test('happy path: polls until available, verifies every database, tags the vault', async () => {
    const { functions, tasks: taskHandlers, seen } = handlers();
    const run = await machine.run(input, { functions, tasks: taskHandlers });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({
      ...input,
      restore: { jobId: 'job-1' },
      check: { status: 'available' },
      verified: input.databases.map((database) => ({ database, jobId: 'job-1', ok: true })),
    });
    // lambda:invoke: the function got the Payload, and its result was wrapped so $.Payload.status worked.
    expect(seen.statusEvents).toEqual([{ jobId: 'job-1' }, { jobId: 'job-1' }, { jobId: 'job-1' }]);
    // Fn::GetAtt [Vault, BackupVaultArn] resolved to a backup-vault ARN built from BackupVaultName.
    expect(seen.tagInputs).toEqual([
      {
        ResourceArn: `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:rxdr-drill-vault`,
        Tags: { 'rxdr:drill': 'job-1' },
      },
    ]);
    expect(seen.cleanupEvents).toEqual([]);
    expect(run.taskInvocations).toEqual({ StartRestore: 1, CheckStatus: 3, VerifyDatabase: 3, TagVault: 1 });
    expect(run.stateEntries.WaitForRestore).toBe(3);
    expect(run.path.slice(0, 7)).toEqual([
      'StartRestore',
      'WaitForRestore',
      'CheckStatus',
      'IsAvailable',
      'WaitForRestore',
      'CheckStatus',
      'IsAvailable',
    ]);
  });

  test('wait states are shortened: three 1-hour waits and 5 s retry intervals take milliseconds', async () => {
    const definition = JSON.stringify(machine.definition);
    expect(definition).toContain('"Seconds":3600');
    let throttles = 2;
    const { functions, tasks: taskHandlers } = handlers({
      startRestore: () => {
        if (throttles-- > 0) throw stepFunctionsError('ThrottlingException', 'Rate exceeded');
        return { jobId: 'job-1' };
      },
    });
    const started = Date.now();
    const run = await machine.run(input, { functions, tasks: taskHandlers });
    expect(run.status).toBe('SUCCEEDED');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('a per-state wait override is honoured', async () => {
    const { functions, tasks: taskHandlers } = handlers();
    const run = await machine.run(input, { functions, tasks: taskHandlers, waits: { WaitForRestore: 40 } });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.durationMs).toBeGreaterThanOrEqual(3 * 40 - 5);
  });

  test('a thrown ThrottlingException is retried by the Retry on that error name', async () => {
    let throttles = 2;
    const {
      functions,
      tasks: taskHandlers,
      seen,
    } = handlers({
      startRestore: () => {
        if (throttles-- > 0) {
          // An SDK-style error class: what matters is its `name`.
          class ThrottlingException extends Error {
            override name = 'ThrottlingException';
          }
          throw new ThrottlingException('Rate exceeded');
        }
        return { jobId: 'job-1' };
      },
    });
    const run = await machine.run(input, { functions, tasks: taskHandlers });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.taskInvocations.StartRestore).toBe(3);
    expect(run.retries).toEqual({ StartRestore: 2 });
    expect(seen.cleanupEvents).toEqual([]);
  });

  test("a service error such as Lambda.ServiceException is retried by CDK's default Lambda retrier", async () => {
    let failures = 1;
    const { functions, tasks: taskHandlers } = handlers({
      verify: (event) => {
        if (failures-- > 0) throw stepFunctionsError('Lambda.ServiceException', 'Lambda is unavailable');
        return event;
      },
    });
    const run = await machine.run(input, { functions, tasks: taskHandlers });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.taskInvocations.VerifyDatabase).toBe(4);
    expect(run.retries).toEqual({ VerifyDatabase: 1 });
  });

  test('when retries are exhausted the Catch runs the cleanup state with the error', async () => {
    const {
      functions,
      tasks: taskHandlers,
      seen,
    } = handlers({
      startRestore: () => {
        throw stepFunctionsError('ThrottlingException', 'Rate exceeded');
      },
    });
    const run = await machine.run(input, { functions, tasks: taskHandlers });

    expect(run.taskInvocations).toEqual({ StartRestore: 4, Cleanup: 1 }); // 1 + MaxAttempts 3
    expect(seen.cleanupEvents).toHaveLength(1);
    const error = (seen.cleanupEvents[0] as { error: { Error: string; Cause: string } }).error;
    expect(error.Error).toBe('ThrottlingException');
    // As in AWS, a Lambda function's error cause is its JSON error response.
    expect(JSON.parse(error.Cause)).toEqual({
      errorType: 'ThrottlingException',
      errorMessage: 'Rate exceeded',
      trace: [],
    });
    expect(run).toMatchObject({ status: 'FAILED', error: 'DrillFailed', cause: 'the restore did not complete' });
    expect(run.path).toEqual(['StartRestore', 'Cleanup', 'DrillFailed']);
  });

  test('an uncaught handler error fails the execution under its name', async () => {
    const { functions, tasks: taskHandlers } = handlers({
      verify: (event) => {
        if ((event as { database: string }).database === 'claims')
          throw stepFunctionsError('ChecksumMismatch', 'claims differs');
        return event;
      },
    });
    const run = await machine.run(input, { functions, tasks: taskHandlers });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('ChecksumMismatch');
    expect(run.cause).toContain('claims differs');
    expect(run.output).toBeUndefined();
  });

  test('the Map runs at most MaxConcurrency (2) iterations at once', async () => {
    let active = 0;
    let maxActive = 0;
    const { functions, tasks: taskHandlers } = handlers({
      verify: async (event) => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await sleep(25);
        active -= 1;
        return event;
      },
    });
    const databases = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const run = await machine.run({ ...input, databases }, { functions, tasks: taskHandlers });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.taskInvocations.VerifyDatabase).toBe(7);
    expect(maxActive).toBe(2);
    expect((run.output as { verified: { database: string }[] }).verified.map((v) => v.database)).toEqual(databases);
  });

  test('state transitions: every state entered (at any depth) plus every retry', async () => {
    let throttles = 2;
    const { functions, tasks: taskHandlers } = handlers({
      startRestore: () => {
        if (throttles-- > 0) throw stepFunctionsError('ThrottlingException');
        return { jobId: 'job-1' };
      },
    });
    const run = await machine.run(input, { functions, tasks: taskHandlers });
    // StartRestore 1 + 3 × (WaitForRestore, CheckStatus, IsAvailable) 9 + VerifyDatabases 1
    // + 3 × VerifyDatabase 3 + TagVault 1 + DrillSucceeded 1 = 16 states entered; + 2 retries = 18.
    expect(run.stateTransitions).toBe(18);
    expect(run.events.filter((e) => e.type === 'StateEntered')).toHaveLength(16);
    expect(run.events.filter((e) => e.type === 'StateRetried')).toHaveLength(2);
    expect(run.events.filter((e) => e.type === 'MapIterationStarted')).toHaveLength(3);
    expect(run.events[0]?.type).toBe('ExecutionStarted');
    expect(run.events.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  test('a Task state without a handler fails before running, naming the state and its resource', async () => {
    const { functions } = handlers();
    await expect(machine.run(input, { functions })).rejects.toThrow(LocalStateMachineError);
    await expect(machine.run(input, { functions })).rejects.toThrow(
      /Task state "TagVault" \(arn:aws:states:::aws-sdk:backup:tagResource\) has no local handler/,
    );

    const { functions: all, tasks: taskHandlers } = handlers();
    const { CheckStatusFn: _omitted, ...withoutStatus } = all;
    await expect(machine.run(input, { functions: withoutStatus, tasks: taskHandlers })).rejects.toThrow(
      /Task state "CheckStatus" invokes Lambda function CheckStatusFn[0-9A-F]{8}, which has no local handler/,
    );
  });

  test('misspelt wiring keys are rejected', async () => {
    const { functions, tasks: taskHandlers } = handlers();
    await expect(
      machine.run(input, { functions: { ...functions, StartRestorFn: () => ({}) }, tasks: taskHandlers }),
    ).rejects.toThrow(/functions key "StartRestorFn" matches no Lambda function/);
    await expect(machine.run(input, { functions, tasks: { ...taskHandlers, TagVaults: () => ({}) } })).rejects.toThrow(
      /tasks key "TagVaults" is not a Task state/,
    );
    await expect(machine.run(input, { functions, tasks: taskHandlers, waits: { Wait: 0 } })).rejects.toThrow(
      /waits key "Wait" is not a Wait state/,
    );
  });

  test('a handler by state name on a lambda:invoke task gets { FunctionName, Payload } and its result is wrapped', async () => {
    const { functions, tasks: taskHandlers } = handlers();
    const received: Json[] = [];
    const run = await machine.run(input, {
      functions,
      tasks: {
        ...taskHandlers,
        CheckStatus: (taskInput, invocation) => {
          received.push(taskInput);
          return { status: invocation.invocation === 2 ? 'available' : 'creating' };
        },
      },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.taskInvocations.CheckStatus).toBe(2);
    expect(received[0]).toEqual({
      FunctionName: expect.stringMatching(
        new RegExp(`^arn:aws:lambda:${REGION}:${ACCOUNT}:function:CheckStatusFn[0-9A-F]{8}$`),
      ),
      Payload: { jobId: 'job-1' },
    });
  });

  test('an execution can be aborted while a task waits on the test (callback-style)', async () => {
    const { functions, tasks: taskHandlers } = handlers();
    let entered!: () => void;
    const taskStarted = new Promise<void>((resolve) => (entered = resolve));
    const execution = machine.start(input, {
      functions,
      tasks: {
        ...taskHandlers,
        TagVault: (_params, { signal }) =>
          new Promise((resolve) => {
            entered();
            signal.addEventListener('abort', () => resolve({}));
          }),
      },
    });
    await taskStarted;
    execution.abort();
    const run = await execution.result;
    expect(run.status).toBe('ABORTED');
    expect(run.taskInvocations.TagVault).toBe(1);
  });
});

describe('a lambda:invoke task with a dynamic FunctionName.$', () => {
  const machine = new LocalStateMachine({
    StartAt: 'Invoke',
    States: {
      Invoke: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { 'FunctionName.$': '$.fn', 'Payload.$': '$' },
        OutputPath: '$.Payload',
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
        End: true,
      },
      Caught: { Type: 'Pass', End: true },
    },
  });

  test('is wired at run time by the function name it resolves to', async () => {
    const run = await machine.run(
      { fn: 'arn:aws:lambda:us-west-2:111111111111:function:known:live' },
      { functions: { known: (event) => ({ got: event }) } },
    );
    expect(run.output).toEqual({ got: { fn: 'arn:aws:lambda:us-west-2:111111111111:function:known:live' } });
  });

  test('a function without a handler rejects the run even though a Catch on States.ALL exists', async () => {
    await expect(machine.run({ fn: 'other' }, { functions: { known: () => ({}) } })).rejects.toThrow(
      /Task state "Invoke" invoked Lambda function other, which has no local handler/,
    );
  });
});

describe('definitions the interpreter would run wrongly are rejected', () => {
  test("an explicit resultPath: '$' (written under a key named $ by the interpreter)", () => {
    const stack = new Stack(testApp(), 'ResultPathDollar');
    new sfn.StateMachine(stack, 'Machine', {
      definitionBody: sfn.DefinitionBody.fromChainable(
        new sfn.Pass(stack, 'Compute', { result: sfn.Result.fromObject({ a: 1 }), resultPath: '$' }),
      ),
    });
    expect(() => LocalStateMachine.fromTemplate(Template.fromStack(stack))).toThrow(
      /state "Compute" has an explicit ResultPath "\$".*drop `resultPath: '\$'` in CDK/,
    );
  });

  test('a Distributed Map', () => {
    const stack = new Stack(testApp(), 'Distributed');
    const map = new sfn.DistributedMap(stack, 'Fleet', { itemsPath: '$.items' });
    map.itemProcessor(new sfn.Pass(stack, 'Item'));
    new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(map) });
    expect(() => LocalStateMachine.fromTemplate(Template.fromStack(stack))).toThrow(
      /state "Fleet" is a Distributed Map/,
    );
  });
});

describe('picking the state machine and resolving its definition', () => {
  function twoMachines() {
    const stack = new Stack(testApp(), 'TwoMachines');
    const fn = inlineFunction(stack, 'Worker');
    new sfn.StateMachine(stack, 'FromString', {
      definitionBody: sfn.DefinitionBody.fromString(
        JSON.stringify({
          StartAt: 'Work',
          States: {
            Work: { Type: 'Task', Resource: '${WorkerArn}', ResultPath: '$.work', Next: 'Where' },
            Where: { Type: 'Pass', Parameters: { region: '${Region}' }, ResultPath: '$.where', End: true },
          },
        }),
      ),
      definitionSubstitutions: { WorkerArn: fn.functionArn, Region: Stack.of(stack).region },
    });
    new sfn.StateMachine(stack, 'Other', {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Nothing')),
    });
    return Template.fromStack(stack);
  }

  test('with several state machines, one must be named', () => {
    expect(() => LocalStateMachine.fromTemplate(twoMachines())).toThrow(
      /has 2 state machines \(FromString[0-9A-F]{8}, Other[0-9A-F]{8}\)/,
    );
  });

  test('DefinitionSubstitutions are resolved; the raw template JSON works as well', async () => {
    const template = twoMachines().toJSON();
    const machine = LocalStateMachine.fromTemplate(template, { stateMachine: 'FromString' });
    expect(machine.logicalId).toMatch(/^FromString[0-9A-F]{8}$/);
    const run = await machine.run(
      { n: 1 },
      { functions: { Worker: (event) => ({ doubled: (event as { n: number }).n * 2 }) } },
    );
    expect(run.output).toEqual({ n: 1, work: { doubled: 2 }, where: { region: REGION } });
  });

  test('tokens resolve to deterministic fake values', () => {
    const template = {
      Parameters: { Env: { Type: 'String', Default: 'drill' } },
      Resources: {
        Fn1: { Type: 'AWS::Lambda::Function', Properties: {} },
        Named: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: { 'Fn::Sub': 'rxdr-${Env}-named' } } },
        Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
        Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
        Role: { Type: 'AWS::IAM::Role', Properties: {} },
        Db: { Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceIdentifier: 'rx-primary' } },
      },
    };
    const tokens = new TemplateTokens(template);
    expect(tokens.resolve({ Ref: 'Fn1' })).toBe('Fn1');
    expect(tokens.resolve({ 'Fn::GetAtt': ['Fn1', 'Arn'] })).toBe(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:Fn1`);
    expect(tokens.resolve({ 'Fn::GetAtt': 'Named.Arn' })).toBe(
      `arn:aws:lambda:${REGION}:${ACCOUNT}:function:rxdr-drill-named`,
    );
    expect(tokens.resolve({ Ref: 'Topic' })).toBe(`arn:aws:sns:${REGION}:${ACCOUNT}:Topic`);
    expect(tokens.resolve({ Ref: 'Queue' })).toBe(`https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/Queue`);
    expect(tokens.resolve({ 'Fn::GetAtt': ['Role', 'Arn'] })).toBe(`arn:aws:iam::${ACCOUNT}:role/Role`);
    expect(tokens.resolve({ 'Fn::GetAtt': ['Db', 'DBInstanceArn'] })).toBe(
      `arn:aws:rds:${REGION}:${ACCOUNT}:db:rx-primary`,
    );
    expect(
      tokens.resolve({
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':s3:::b.', { Ref: 'AWS::URLSuffix' }, '/', { Ref: 'AWS::AccountId' }],
        ],
      }),
    ).toBe(`arn:aws:s3:::b.amazonaws.com/${ACCOUNT}`);
    expect(tokens.resolve({ 'Fn::Sub': ['${AWS::Region}/${X}/${Fn1.Arn}/${!Literal}', { X: { Ref: 'Env' } }] })).toBe(
      `${REGION}/drill/arn:aws:lambda:${REGION}:${ACCOUNT}:function:Fn1/\${Literal}`,
    );
    expect(tokens.resolve({ 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] })).toBe('b');
    expect(
      new TemplateTokens(template, { region: 'eu-central-1', imports: { VaultArn: 'arn:x' } }).resolve([
        { Ref: 'AWS::Region' },
        { 'Fn::ImportValue': 'VaultArn' },
      ]),
    ).toEqual(['eu-central-1', 'arn:x']);
    expect(() => tokens.resolve({ Ref: 'Missing' })).toThrow(/no resource with logical id Missing/);
  });

  test('definitionFromTemplate returns the plain definition', () => {
    const { definition, logicalId } = definitionFromTemplate(twoMachines(), { stateMachine: 'Other' });
    expect(logicalId).toMatch(/^Other/);
    expect(definition).toEqual({ StartAt: 'Nothing', States: { Nothing: { Type: 'Pass', End: true } } });
  });
});
