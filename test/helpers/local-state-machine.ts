/**
 * Execute a **synthesized** Step Functions state machine locally, with its Task states wired to
 * in-process handler code.
 *
 * The definition is taken from the CloudFormation template (`Template.fromStack(stack)` or the raw
 * template JSON), its `Ref` / `Fn::GetAtt` / `Fn::Join` / `Fn::Sub` … tokens and
 * `DefinitionSubstitutions` are resolved to deterministic fake values (see {@link TemplateTokens}),
 * and the result is run by `aws-local-stepfunctions` (3.0.0).
 *
 * ```ts
 * const machine = LocalStateMachine.fromTemplate(Template.fromStack(stack));
 * const run = await machine.run({ restoreId: 'r-1' }, {
 *   functions: { DrillStartRestoreFn: async (event) => ({ jobId: 'job-1' }) }, // logical id, hash optional
 *   tasks: { TagRestoredInstance: () => ({}) },                              // SDK task, by state name
 * });
 * expect(run.status).toBe('SUCCEEDED');
 * expect(run.taskInvocations.StartRestore).toBe(1);
 * ```
 *
 * ## Wiring Task states
 * Every Task state must have a handler, checked before the run starts (a {@link LocalStateMachineError}
 * lists every state that has none):
 * - `tasks[stateName]`: wins over everything else. It receives the task's effective input (after
 *   `InputPath`/`Parameters`), e.g. `{ FunctionName, Payload }` for `arn:aws:states:::lambda:invoke`
 *   or the API parameters for an `arn:aws:states:::aws-sdk:…` task. Required for SDK integrations,
 *   `.sync`, `.waitForTaskToken` and activities.
 * - `functions[functionKey]`: the code of a Lambda function, wired to every state that invokes it (a
 *   `LambdaInvoke` with or without `payloadResponseOnly`, or any Task whose `Resource` is a Lambda ARN).
 *   The key is the function's logical id, the logical id without CDK's 8-hex-digit hash suffix (if that
 *   is unique), or its physical name (`FunctionName`), see {@link logicalIdOf}. The handler receives what
 *   the real function would receive as its event: the `Payload` for `lambda:invoke`, the state's
 *   effective input for a direct ARN task.
 *
 * For `lambda:invoke` tasks (not `payloadResponseOnly`), the handler's return value is wrapped as the
 * Lambda Invoke API response, `{ ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 }`, so
 * `$.Payload…` paths work; for direct ARN tasks (`payloadResponseOnly: true`) and all other tasks it is
 * the task result as is. Results and inputs go through a JSON round trip (as across a real Lambda
 * boundary): `undefined` becomes `null`, `Date`s become ISO strings.
 *
 * ## Errors thrown by handlers
 * aws-local-stepfunctions (`StateExecutor.shouldRetry`/`catchError`) matches a `Retry`/`Catch`
 * `ErrorEquals` entry against the thrown error's **`name`** (exact string), or `States.ALL`, or (Task
 * states only, not for `States.Timeout`) `States.TaskFailed`. A thrown error is retryable and catchable
 * unless it has `isRetryable`/`isCatchable` getters returning false (only the interpreter's own
 * `States.Runtime` does). The catcher's error output is `{ Error: error.name, Cause: error.message }`.
 * This helper normalises what handlers throw into such errors:
 * - `Error` → Step Functions error named `error.name`. Note a subclass keeps the name `"Error"` unless
 *   it sets `this.name` (AWS SDK v3 service exceptions do, e.g. `ThrottlingException`); use
 *   {@link stepFunctionsError} to make one: `throw stepFunctionsError('Lambda.TooManyRequestsException')`.
 * - For Lambda-backed tasks the cause is, as in AWS, the JSON of the function's error response,
 *   `{"errorType":name,"errorMessage":message,"trace":[]}` (so `States.StringToJson($.error.Cause)`
 *   works); errors named `Lambda.*`/`States.*` (raised by the service, not the function) keep their
 *   message as the cause. For other tasks the cause is the message.
 * - Anything else thrown (a string, an object) becomes an error named `"Error"`.
 * - SDK integrations: AWS names their errors `<Service>.<Name>Exception` in PascalCase, e.g.
 *   `Backup.LimitExceededException`; a handler must throw exactly that name (nothing is prefixed).
 *
 * ## State transitions
 * `stateTransitions` approximates what a Standard workflow bills ("a state transition each time a step
 * of your workflow is executed, including retries"): the number of `StateEntered` events (every state
 * entered, at any depth: the Map/Parallel state itself and each state of each iteration/branch, a Wait
 * or Choice entered again on each loop) **plus** the number of `StateRetried` events (each retry
 * attempt). Execution start/end, Map iteration and Parallel branch start/end are not counted.
 *
 * ## What the interpreter cannot do (fails loudly here, or must be worked around)
 * - Explicit `ResultPath: "$"` writes under a key named `$` → rejected here: drop `resultPath: '$'` in
 *   CDK (it is the default).
 * - JSONata (`QueryLanguage`), variables (`Assign`), Distributed Map (`ItemReader`, `ItemBatcher`,
 *   `ResultWriter`, `ToleratedFailure…`, `ProcessorConfig.Mode: DISTRIBUTED`) → rejected here.
 * - JSONPath that matches nothing yields `undefined` (AWS fails with `States.Runtime`); a Choice on a
 *   missing variable just does not match.
 * - Task `TimeoutSeconds` defaults to 60 s (AWS: none): a handler that blocks longer fails with
 *   `States.Timeout`. `HeartbeatSeconds` and `Credentials` are ignored. A `.waitForTaskToken` task's
 *   `TimeoutSecondsPath` is left to its handler (see `callbackTimeoutsToHandlers`): the interpreter would read
 *   it from the task's parameters instead of its input. Give such a task unique tokens and events with
 *   `test/helpers/event-waits.ts` (`LocalEventWaits`, over `LocalTaskTokens`).
 * - The context object holds only what {@link LocalRunOptions.context} and this helper put there
 *   (`$$.Execution.Id/Name/Input/StartTime/RoleArn`, `$$.StateMachine.Id/Name`, a fixed
 *   `$$.Task.Token`, `$$.Map.Item.*`); there is no `$$.State.*`. Inside a Map iteration
 *   `$$.Execution.Input` is the item.
 * - A Pass state with a falsy `Result` (`0`, `false`, `""`) outputs its input instead.
 * - Retry intervals and Wait states are shortened to 0 ms by default (real time otherwise).
 */
import { CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
  type StateMachineDefinition,
  type StateMachineOptions,
} from 'aws-local-stepfunctions';

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

type RunHandle = ReturnType<StateMachine['run']>;
/** One entry of the interpreter's execution event log (`run.eventLogs`). */
export type ExecutionEvent = RunHandle['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
export type ValidationOptions = NonNullable<StateMachineOptions['validationOptions']>;

/** Something holding a synthesized template: `Template.fromStack(stack)` or the raw template JSON. */
export type TemplateSource = { toJSON(): { [key: string]: unknown } } | { [key: string]: unknown };

/** The fake environment tokens resolve into. */
export interface FakeEnvironment {
  /** Default `111111111111`. */
  readonly account?: string;
  /** Default `us-west-2`. */
  readonly region?: string;
  /** Default `aws`. */
  readonly partition?: string;
  /** Default `amazonaws.com`. */
  readonly urlSuffix?: string;
  /** `AWS::StackName`; default `LocalStack`. */
  readonly stackName?: string;
  /** Values of template parameters (default: their `Default`, else the parameter name). */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Values of `Fn::ImportValue` exports (default: `imported:<ExportName>`). */
  readonly imports?: Readonly<Record<string, string>>;
}

export const FAKE_ACCOUNT = '111111111111';
export const FAKE_REGION = 'us-west-2';
export const FAKE_TASK_TOKEN = 'local-task-token';

export type TaskKind =
  /** `arn:aws:states:::lambda:invoke` (a `LambdaInvoke` without `payloadResponseOnly`). */
  | 'lambda-invoke'
  /** `Resource` is a Lambda function ARN (a `LambdaInvoke` with `payloadResponseOnly: true`). */
  | 'lambda-arn'
  /** Anything else: `aws-sdk:…`, other optimised integrations, `.sync`, `.waitForTaskToken`, activities. */
  | 'integration';

export interface TaskStateInfo {
  readonly stateName: string;
  readonly resource: string;
  readonly kind: TaskKind;
  /** Function name from the ARN the task references (absent for a dynamic `FunctionName.$`). */
  readonly functionName?: string;
  /** Logical id of that function, when it is defined in the template. */
  readonly functionLogicalId?: string;
}

/** What a handler is told about the call besides its event. */
export interface TaskInvocation {
  readonly stateName: string;
  readonly resource: string;
  readonly kind: TaskKind;
  /** 1-based: how many times this state's handler has been called in this execution, this call included. */
  readonly invocation: number;
  readonly functionName?: string;
  readonly functionLogicalId?: string;
  /** The task's effective input as Step Functions passes it (for `lambda:invoke`: `{ FunctionName, Payload }`). */
  readonly taskInput: Json;
  /** Aborted when the execution ends (succeeds, fails, is aborted or times out). */
  readonly signal: AbortSignal;
}

/** In-process code standing in for a Lambda function or a Task state. May be async; throw to fail the task. */
export type LocalHandler = (event: Json, invocation: TaskInvocation) => unknown;

export interface LocalRunOptions {
  /** Lambda function code, keyed by function logical id (hash suffix optional) or physical name. */
  readonly functions?: Readonly<Record<string, LocalHandler>>;
  /** Task handlers keyed by state name; they take precedence over `functions`. */
  readonly tasks?: Readonly<Record<string, LocalHandler>>;
  /** Milliseconds a given Wait state pauses (by state name); other Wait states use `defaultWaitMs`. */
  readonly waits?: Readonly<Record<string, number>>;
  /** Milliseconds every Wait state without an entry in `waits` pauses. Default 0. */
  readonly defaultWaitMs?: number;
  /** Retry intervals in ms by state name (one number, or one per retrier). Default 0 for every retrier. */
  readonly retryIntervals?: Readonly<Record<string, number | number[]>>;
  /** Extra context object fields (`$$…`), merged over the defaults. */
  readonly context?: Readonly<Record<string, unknown>>;
  /**
   * Wraps every Task handler call: `proceed()` runs the handler (from `tasks` or `functions`). Lets a test
   * disturb a step after it did its work (see {@link failAfterWork}) or measure what each call did.
   */
  readonly aroundTask?: (invocation: TaskInvocation, proceed: () => Promise<unknown>) => Promise<unknown>;
}

/** A Task state with a `Retry`, and an error name its first retrier matches (what a throttled or lost call raises). */
export interface RetriedTask {
  readonly stateName: string;
  readonly retryableError: string;
}

/**
 * An `aroundTask` that lets the first call of `stateName` do its work and then fails it with `error` (one
 * its Retry matches), so Step Functions runs the step again after it already took effect, as after a lost
 * Lambda answer or a throttled last call. With `crash`, the call instead dies right after its `afterSideEffects`-th
 * side effect: `crash.arm(n)` tells the fake AWS to let n mutating calls take effect and fail everything
 * after them; `crash.died()` says whether that point was reached (and resets it). A call that fails on its
 * own is not disturbed.
 */
export function failAfterWork(
  stateName: string,
  error: string,
  crash?: { readonly afterSideEffects: number; arm(afterSideEffects: number): void; died(): boolean },
): NonNullable<LocalRunOptions['aroundTask']> {
  let disturbed = false;
  return async (invocation, proceed) => {
    if (disturbed || invocation.stateName !== stateName) return proceed();
    disturbed = true;
    crash?.arm(crash.afterSideEffects);
    let result: unknown;
    let failure: unknown;
    let failed = false;
    try {
      result = await proceed();
    } catch (thrown) {
      failure = thrown;
      failed = true;
    }
    const died = crash ? crash.died() : !failed;
    if (!died) {
      if (failed) throw failure;
      return result;
    }
    throw stepFunctionsError(
      error,
      `injected: ${stateName} ${crash ? `died after ${crash.afterSideEffects} side effect(s)` : 'did its work'}, and its answer was lost`,
    );
  };
}

export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

export interface LocalExecutionResult {
  readonly status: ExecutionStatus;
  /** The execution's output (SUCCEEDED only). */
  readonly output?: Json;
  /** Error name (FAILED only), e.g. `States.TaskFailed`, a Fail state's `Error`, a handler error's name. */
  readonly error?: string;
  /** Error cause (FAILED only). */
  readonly cause?: string;
  /** The interpreter's event log, in order, nested Map/Parallel events included. */
  readonly events: readonly ExecutionEvent[];
  /** Billable state transitions: `StateEntered` + `StateRetried` events (see the module docs). */
  readonly stateTransitions: number;
  /** Handler calls per Task state name (retries and Map iterations included). */
  readonly taskInvocations: Readonly<Record<string, number>>;
  /** `StateEntered` events per state name. */
  readonly stateEntries: Readonly<Record<string, number>>;
  /** `StateRetried` events per state name. */
  readonly retries: Readonly<Record<string, number>>;
  /** Names of the states entered, in event order. */
  readonly path: readonly string[];
  readonly durationMs: number;
}

export interface LocalExecution {
  /** Abort the execution (`run.abort()`): the result settles with status ABORTED. */
  abort(): void;
  readonly result: Promise<LocalExecutionResult>;
}

export interface FromTemplateOptions {
  /** Logical id of the state machine (hash suffix optional); needed when the template has more than one. */
  readonly stateMachine?: string;
  readonly environment?: FakeEnvironment;
  /** Passed to the interpreter's definition validator (asl-validator). Default: check ARNs and paths. */
  readonly validationOptions?: ValidationOptions;
}

export interface LocalStateMachineOptions {
  readonly validationOptions?: ValidationOptions;
  /** Logical id of the state machine in its template (for messages and the context object). */
  readonly logicalId?: string;
  /** Maps a function alias (logical id, logical id without hash, physical name) to its logical id. */
  readonly functionAliases?: ReadonlyMap<string, string | null>;
  readonly environment?: FakeEnvironment;
  /** ARN of the state machine (for the context object). */
  readonly stateMachineArn?: string;
}

/** A problem with the definition or with the test's wiring; never a Step Functions error. */
export class LocalStateMachineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalStateMachineError';
  }
  /** Read by aws-local-stepfunctions: a harness problem must not be retried or caught by the definition. */
  get isRetryable(): boolean {
    return false;
  }
  get isCatchable(): boolean {
    return false;
  }
}

/** An error Step Functions will report (and match in `Retry`/`Catch`) under `name`. */
export function stepFunctionsError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Logical id of a construct's CloudFormation resource (e.g. a `lambda.Function`), for `functions` keys. */
export function logicalIdOf(construct: IConstruct): string {
  const element = construct instanceof CfnElement ? construct : construct.node.defaultChild;
  if (!(element instanceof CfnElement)) {
    throw new LocalStateMachineError(`${construct.node.path} has no CloudFormation resource as its default child`);
  }
  return Stack.of(element).getLogicalId(element);
}

// ---------------------------------------------------------------------------------------------
// Template tokens
// ---------------------------------------------------------------------------------------------

interface CfnResource {
  readonly Type: string;
  readonly Properties?: { [key: string]: unknown };
}

/** Property that holds a resource's explicit physical name, per resource type. */
const NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::StepFunctions::Activity': 'Name',
  'AWS::Backup::BackupVault': 'BackupVaultName',
  'AWS::RDS::DBInstance': 'DBInstanceIdentifier',
  'AWS::RDS::DBCluster': 'DBClusterIdentifier',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::SSM::Parameter': 'Name',
  'AWS::Events::EventBus': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::KMS::Alias': 'AliasName',
  'AWS::ECS::Cluster': 'ClusterName',
};

/** Resource types whose `Ref` is their ARN (otherwise `Ref` is the physical name/id). */
const REF_IS_ARN = new Set([
  'AWS::SNS::Topic',
  'AWS::StepFunctions::StateMachine',
  'AWS::StepFunctions::Activity',
  'AWS::SecretsManager::Secret',
  'AWS::IAM::ManagedPolicy',
  'AWS::Lambda::Alias',
  'AWS::Lambda::Version',
]);

/** CDK appends 8 upper-case hex digits (a path hash) to logical ids. */
const CDK_HASH_SUFFIX = /[0-9A-F]{8}$/;

function stripHash(logicalId: string): string {
  return CDK_HASH_SUFFIX.test(logicalId) && logicalId.length > 8 ? logicalId.slice(0, -8) : logicalId;
}

function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function templateJson(source: TemplateSource): { [key: string]: unknown } {
  const toJSON = (source as { toJSON?: unknown }).toJSON;
  const json = typeof toJSON === 'function' ? (toJSON as () => unknown).call(source) : source;
  if (!isObject(json) || !isObject(json.Resources)) {
    throw new LocalStateMachineError('not a CloudFormation template: it has no Resources');
  }
  return json;
}

/**
 * Resolves CloudFormation intrinsics to deterministic fake values.
 *
 * - Pseudo parameters: `AWS::Partition` → `aws`, `AWS::Region` → `us-west-2`, `AWS::AccountId` →
 *   `111111111111`, `AWS::URLSuffix` → `amazonaws.com`, `AWS::StackName`, `AWS::StackId`.
 * - A resource's physical name is its explicit name property (`FunctionName`, `BackupVaultName`, …) when
 *   that is a plain string, else its **logical id**.
 * - `Ref` returns what CloudFormation returns for the type: the ARN for topics, state machines, secrets,
 *   Lambda versions/aliases, …; the queue URL for queues; the physical name otherwise (so `Ref` of a
 *   Lambda function is its name, e.g. `StartRestoreFnDC56242C`).
 * - `Fn::GetAtt [X, <…>Arn]` → an ARN of the right service and shape for X's type, e.g.
 *   `arn:aws:lambda:us-west-2:111111111111:function:StartRestoreFnDC56242C`,
 *   `arn:aws:backup:us-west-2:111111111111:backup-vault:<name>`; `…Name`/`…Id` → physical name;
 *   `QueueUrl`, `Endpoint.Address`, `Endpoint.Port` → plausible fakes; anything else `<LogicalId>.<Attr>`.
 * - `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::GetAZs`, `Fn::Base64`,
 *   `Fn::ImportValue` (see {@link FakeEnvironment.imports}). `Fn::If` and other condition functions throw.
 */
export class TemplateTokens {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  private readonly resources: { [key: string]: CfnResource };
  private readonly parameters: { [key: string]: unknown };
  private readonly mappings: { [key: string]: unknown };
  private readonly names = new Map<string, string>();

  constructor(
    template: TemplateSource,
    private readonly env: FakeEnvironment = {},
  ) {
    const json = templateJson(template);
    this.resources = json.Resources as { [key: string]: CfnResource };
    this.parameters = isObject(json.Parameters) ? json.Parameters : {};
    this.mappings = isObject(json.Mappings) ? json.Mappings : {};
    this.account = env.account ?? FAKE_ACCOUNT;
    this.region = env.region ?? FAKE_REGION;
    this.partition = env.partition ?? 'aws';
  }

  resourceIds(type?: string): string[] {
    return Object.keys(this.resources).filter((id) => type === undefined || this.resources[id]?.Type === type);
  }

  resource(logicalId: string): CfnResource {
    const resource = this.resources[logicalId];
    if (!resource) throw new LocalStateMachineError(`the template has no resource with logical id ${logicalId}`);
    return resource;
  }

  /** Explicit name property if it is (or resolves to) a string, else the logical id. */
  physicalName(logicalId: string): string {
    const known = this.names.get(logicalId);
    if (known !== undefined) return known;
    const resource = this.resource(logicalId);
    const property = NAME_PROPERTY[resource.Type];
    let name = logicalId;
    const explicit = property ? resource.Properties?.[property] : undefined;
    if (explicit !== undefined) {
      this.names.set(logicalId, logicalId); // guards against a name that refers to itself
      try {
        const resolved = this.resolve(explicit);
        if (typeof resolved === 'string' && resolved !== '') name = resolved;
      } catch {
        // keep the logical id
      }
    }
    this.names.set(logicalId, name);
    return name;
  }

  arn(logicalId: string): string {
    const { Type: type, Properties: props = {} } = this.resource(logicalId);
    const name = this.physicalName(logicalId);
    const { partition: p, region: r, account: a } = this;
    switch (type) {
      case 'AWS::Lambda::Function':
        return `arn:${p}:lambda:${r}:${a}:function:${name}`;
      case 'AWS::Lambda::Version':
      case 'AWS::Lambda::Alias': {
        const target = this.resolve(props.FunctionName);
        const functionArn =
          typeof target === 'string' && target.startsWith('arn:')
            ? target
            : `arn:${p}:lambda:${r}:${a}:function:${String(target)}`;
        const qualifier = type === 'AWS::Lambda::Alias' ? String(this.resolve(props.Name ?? logicalId)) : '1';
        return `${functionArn}:${qualifier}`;
      }
      case 'AWS::IAM::Role':
        return `arn:${p}:iam::${a}:role/${name}`;
      case 'AWS::IAM::ManagedPolicy':
        return `arn:${p}:iam::${a}:policy/${name}`;
      case 'AWS::SNS::Topic':
        return `arn:${p}:sns:${r}:${a}:${name}`;
      case 'AWS::SQS::Queue':
        return `arn:${p}:sqs:${r}:${a}:${name}`;
      case 'AWS::S3::Bucket':
        return `arn:${p}:s3:::${name}`;
      case 'AWS::DynamoDB::Table':
        return `arn:${p}:dynamodb:${r}:${a}:table/${name}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:${p}:states:${r}:${a}:stateMachine:${name}`;
      case 'AWS::StepFunctions::Activity':
        return `arn:${p}:states:${r}:${a}:activity:${name}`;
      case 'AWS::Backup::BackupVault':
        return `arn:${p}:backup:${r}:${a}:backup-vault:${name}`;
      case 'AWS::Backup::BackupPlan':
        return `arn:${p}:backup:${r}:${a}:backup-plan:${name}`;
      case 'AWS::RDS::DBInstance':
        return `arn:${p}:rds:${r}:${a}:db:${name}`;
      case 'AWS::RDS::DBCluster':
        return `arn:${p}:rds:${r}:${a}:cluster:${name}`;
      case 'AWS::SecretsManager::Secret':
        return `arn:${p}:secretsmanager:${r}:${a}:secret:${name}-AbCdEf`;
      case 'AWS::KMS::Key':
        return `arn:${p}:kms:${r}:${a}:key/${name}`;
      case 'AWS::Events::EventBus':
        return `arn:${p}:events:${r}:${a}:event-bus/${name}`;
      case 'AWS::Events::Rule':
        return `arn:${p}:events:${r}:${a}:rule/${name}`;
      case 'AWS::Logs::LogGroup':
        return `arn:${p}:logs:${r}:${a}:log-group:${name}:*`;
      case 'AWS::SSM::Parameter':
        return `arn:${p}:ssm:${r}:${a}:parameter/${name.replace(/^\//, '')}`;
      case 'AWS::CloudWatch::Alarm':
        return `arn:${p}:cloudwatch:${r}:${a}:alarm:${name}`;
      default: {
        const [, service = 'unknown', kind = 'resource'] = type.split('::');
        return `arn:${p}:${service.toLowerCase()}:${r}:${a}:${kind.toLowerCase()}/${name}`;
      }
    }
  }

  ref(name: string): unknown {
    switch (name) {
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::Region':
        return this.region;
      case 'AWS::AccountId':
        return this.account;
      case 'AWS::URLSuffix':
        return this.env.urlSuffix ?? 'amazonaws.com';
      case 'AWS::StackName':
        return this.stackName;
      case 'AWS::StackId':
        return `arn:${this.partition}:cloudformation:${this.region}:${this.account}:stack/${this.stackName}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::NotificationARNs':
        return [];
      case 'AWS::NoValue':
        throw new LocalStateMachineError('Ref AWS::NoValue cannot be resolved to a value here');
    }
    if (name in this.parameters) {
      const parameter = this.parameters[name];
      return (
        this.env.parameters?.[name] ??
        (isObject(parameter) && parameter.Default !== undefined ? parameter.Default : name)
      );
    }
    const { Type: type } = this.resource(name);
    if (REF_IS_ARN.has(type)) return this.arn(name);
    if (type === 'AWS::SQS::Queue') return this.queueUrl(name);
    return this.physicalName(name);
  }

  getAtt(logicalId: string, attribute: string): unknown {
    const { Type: type } = this.resource(logicalId);
    if (attribute === 'Arn' || attribute.endsWith('Arn')) return this.arn(logicalId);
    if (attribute === 'QueueUrl') return this.queueUrl(logicalId);
    if (attribute === 'Endpoint.Address')
      return `${this.physicalName(logicalId).toLowerCase()}.fake.${this.region}.rds.${this.env.urlSuffix ?? 'amazonaws.com'}`;
    if (attribute === 'Endpoint.Port') return type.startsWith('AWS::RDS::') ? '5432' : '443';
    if (attribute.endsWith('Name') || attribute.endsWith('Id')) return this.physicalName(logicalId);
    return `${logicalId}.${attribute}`;
  }

  /** Resolve every intrinsic in `value` (deeply). */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    const key = keys[0];
    if (keys.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::') || key === 'Condition')) {
      return this.intrinsic(key, value[key]);
    }
    return Object.fromEntries(keys.map((k) => [k, this.resolve(value[k])]));
  }

  /** Resolve to a string (numbers and booleans are stringified, as `Fn::Join` does). */
  resolveString(value: unknown, where: string): string {
    const resolved = this.resolve(value);
    if (typeof resolved === 'string') return resolved;
    if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    throw new LocalStateMachineError(`${where} resolved to ${JSON.stringify(resolved)}, not a string`);
  }

  private get stackName(): string {
    return this.env.stackName ?? 'LocalStack';
  }

  private queueUrl(logicalId: string): string {
    return `https://sqs.${this.region}.${this.env.urlSuffix ?? 'amazonaws.com'}/${this.account}/${this.physicalName(logicalId)}`;
  }

  private intrinsic(fn: string, args: unknown): unknown {
    const list = (n: number): unknown[] => {
      if (!Array.isArray(args) || args.length < n)
        throw new LocalStateMachineError(`${fn} expects ${n} arguments, got ${JSON.stringify(args)}`);
      return args;
    };
    switch (fn) {
      case 'Ref':
        return this.ref(String(args));
      case 'Fn::GetAtt': {
        const [id, ...attr] =
          typeof args === 'string' ? args.split('.') : list(2).map((a) => this.resolveString(a, fn));
        return this.getAtt(String(id), attr.join('.'));
      }
      case 'Fn::Join': {
        const [separator, items] = list(2);
        const values = this.resolve(items);
        if (!Array.isArray(values))
          throw new LocalStateMachineError(`Fn::Join list resolved to ${JSON.stringify(values)}`);
        return values.map((item, i) => this.resolveString(item, `Fn::Join item ${i}`)).join(String(separator));
      }
      case 'Fn::Sub': {
        const [text, variables = {}] = typeof args === 'string' ? [args] : list(1);
        const vars = this.resolve(variables) as { [key: string]: unknown };
        return String(text).replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
          if (name.startsWith('!')) return `\${${name.slice(1)}}`;
          if (name in vars) return this.resolveString(vars[name], `Fn::Sub variable ${name}`);
          const dot = name.indexOf('.');
          if (dot > 0 && !name.startsWith('AWS::'))
            return this.resolveString(this.getAtt(name.slice(0, dot), name.slice(dot + 1)), `Fn::Sub ${name}`);
          return this.resolveString(this.ref(name), `Fn::Sub ${name}`);
        });
      }
      case 'Fn::Select': {
        const [index, items] = list(2);
        const values = this.resolve(items);
        const i = Number(this.resolve(index));
        if (!Array.isArray(values) || !(i in values))
          throw new LocalStateMachineError(`Fn::Select index ${i} out of range of ${JSON.stringify(values)}`);
        return values[i];
      }
      case 'Fn::Split': {
        const [separator, text] = list(2);
        return this.resolveString(text, fn).split(String(separator));
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = list(3).map((a) => this.resolveString(a, fn));
        const found = (this.mappings[map ?? ''] as { [k: string]: { [k: string]: unknown } } | undefined)?.[
          top ?? ''
        ]?.[second ?? ''];
        if (found === undefined)
          throw new LocalStateMachineError(`Fn::FindInMap ${map}/${top}/${second} is not in the template's Mappings`);
        return found;
      }
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((suffix) => `${this.region}${suffix}`);
      case 'Fn::Base64':
        return Buffer.from(this.resolveString(args, fn)).toString('base64');
      case 'Fn::ImportValue': {
        const name = this.resolveString(args, fn);
        return this.env.imports?.[name] ?? `imported:${name}`;
      }
      default:
        throw new LocalStateMachineError(
          `${fn} is not supported by the local state machine helper (conditions are not evaluated)`,
        );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Definition extraction and checks
// ---------------------------------------------------------------------------------------------

type AnyState = { [key: string]: unknown } & { Type?: string };
interface StateRef {
  readonly name: string;
  readonly state: AnyState;
}

/** Every state at any depth (Map item processors, Parallel branches). */
function allStates(definition: { States?: unknown }): StateRef[] {
  const out: StateRef[] = [];
  const visit = (machine: unknown): void => {
    if (!isObject(machine) || !isObject(machine.States)) return;
    for (const [name, state] of Object.entries(machine.States)) {
      if (!isObject(state)) continue;
      out.push({ name, state: state as AnyState });
      visit(state.ItemProcessor ?? state.Iterator);
      if (Array.isArray(state.Branches)) state.Branches.forEach(visit);
    }
  };
  visit(definition);
  return out;
}

const DISTRIBUTED_MAP_FIELDS = [
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
  'ToleratedFailureCount',
  'ToleratedFailurePercentage',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentagePath',
];

/** Longer than any test runs, shorter than Node's largest timer (2^31 − 1 ms). */
const HANDLER_DECIDES_TIMEOUT_SECONDS = 1_000_000;

/**
 * A `.waitForTaskToken` task with `TimeoutSecondsPath`: AWS reads the path from the state's input, the interpreter
 * from the task's parameters (where it is missing), and its timer runs in real time. Such a task's timeout is left
 * to its handler instead (it passes the same seconds in its payload and throws `States.Timeout` when simulated
 * time passes them, see test/helpers/event-waits.ts); the interpreter gets a timeout it never reaches.
 */
function callbackTimeoutsToHandlers(definition: { [key: string]: unknown }): { [key: string]: unknown } {
  const copy = JSON.parse(JSON.stringify(definition)) as { [key: string]: unknown };
  for (const { state } of allStates(copy)) {
    const mutable = state as { [key: string]: unknown };
    if (state.Type !== 'Task' || typeof mutable.TimeoutSecondsPath !== 'string') continue;
    if (!String(mutable.Resource).endsWith('.waitForTaskToken')) continue;
    delete mutable.TimeoutSecondsPath;
    mutable.TimeoutSeconds = HANDLER_DECIDES_TIMEOUT_SECONDS;
  }
  return copy;
}

/** Reject what aws-local-stepfunctions would silently get wrong. */
function checkSupported(definition: { [key: string]: unknown }, label: string): void {
  const problems: string[] = [];
  if (definition.QueryLanguage === 'JSONata')
    problems.push('the state machine uses QueryLanguage JSONata: write it in JSONPath');
  for (const { name, state } of allStates(definition)) {
    if (state.ResultPath === '$') {
      problems.push(
        `state "${name}" has an explicit ResultPath "$", which aws-local-stepfunctions writes under a key named "$": ` +
          `drop \`resultPath: '$'\` in CDK (it is the default)`,
      );
    }
    if (Array.isArray(state.Catch)) {
      state.Catch.forEach((catcher, i) => {
        if (isObject(catcher) && catcher.ResultPath === '$') {
          problems.push(
            `state "${name}" Catch[${i}] has an explicit ResultPath "$", which aws-local-stepfunctions writes under a key named "$": ` +
              `drop \`resultPath: '$'\` from addCatch in CDK (it is the default)`,
          );
        }
      });
    }
    if (state.QueryLanguage === 'JSONata')
      problems.push(`state "${name}" uses QueryLanguage JSONata: write it in JSONPath`);
    if ('Assign' in state)
      problems.push(`state "${name}" assigns variables (Assign), which aws-local-stepfunctions does not support`);
    if (state.Type === 'Map') {
      const processor = state.ItemProcessor;
      const distributed =
        isObject(processor) && isObject(processor.ProcessorConfig) && processor.ProcessorConfig.Mode === 'DISTRIBUTED';
      const fields = DISTRIBUTED_MAP_FIELDS.filter((f) => f in state);
      if (distributed || fields.length > 0) {
        const which = fields.length ? ` (${fields.join(', ')})` : '';
        problems.push(
          `state "${name}" is a Distributed Map${which}, which aws-local-stepfunctions cannot run: use an inline Map or a child state machine`,
        );
      }
    }
  }
  if (problems.length > 0) {
    throw new LocalStateMachineError(
      `${label} cannot be run faithfully by aws-local-stepfunctions:\n- ${problems.join('\n- ')}`,
    );
  }
}

function substitute(text: string, substitutions: Readonly<Record<string, string | number | boolean>>): string {
  return text.replace(/\$\{([^}]+)\}/g, (match, key: string) => {
    if (!(key in substitutions)) return match;
    const value = substitutions[key];
    // The placeholder sits inside a JSON string for a string value: escape it for that context.
    return typeof value === 'string' ? JSON.stringify(value).slice(1, -1) : String(value);
  });
}

export interface ExtractedStateMachine {
  readonly logicalId: string;
  readonly definition: StateMachineDefinition;
  readonly tokens: TemplateTokens;
}

/** Pick a state machine in a template and return its definition with every token resolved. */
export function definitionFromTemplate(
  template: TemplateSource,
  options: Pick<FromTemplateOptions, 'stateMachine' | 'environment'> = {},
): ExtractedStateMachine {
  const tokens = new TemplateTokens(template, options.environment);
  const ids = tokens.resourceIds('AWS::StepFunctions::StateMachine');
  let logicalId: string | undefined;
  if (options.stateMachine !== undefined) {
    const wanted = options.stateMachine;
    const exact = ids.find((id) => id === wanted);
    const stripped = ids.filter((id) => stripHash(id) === wanted);
    logicalId = exact ?? (stripped.length === 1 ? stripped[0] : undefined);
    if (!logicalId)
      throw new LocalStateMachineError(
        `no single state machine "${wanted}" in the template; its state machines: ${ids.join(', ') || 'none'}`,
      );
  } else {
    if (ids.length !== 1) {
      throw new LocalStateMachineError(
        `the template has ${ids.length} state machines (${ids.join(', ') || 'none'}): pass stateMachine: '<logical id>'`,
      );
    }
    logicalId = ids[0];
  }
  const id = logicalId as string;
  const props = tokens.resource(id).Properties ?? {};
  const substitutions: Record<string, string | number | boolean> = {};
  if (isObject(props.DefinitionSubstitutions)) {
    for (const [key, value] of Object.entries(props.DefinitionSubstitutions)) {
      const resolved = tokens.resolve(value);
      if (typeof resolved !== 'string' && typeof resolved !== 'number' && typeof resolved !== 'boolean') {
        throw new LocalStateMachineError(
          `DefinitionSubstitutions.${key} of ${id} resolved to ${JSON.stringify(resolved)}`,
        );
      }
      substitutions[key] = resolved;
    }
  }
  let text: string;
  if (props.DefinitionString !== undefined) {
    text = tokens.resolveString(props.DefinitionString, `DefinitionString of ${id}`);
  } else if (isObject(props.Definition)) {
    text = JSON.stringify(props.Definition);
  } else {
    throw new LocalStateMachineError(
      `${id} has neither DefinitionString nor Definition (DefinitionS3Location is not supported)`,
    );
  }
  let definition: unknown;
  try {
    definition = JSON.parse(substitute(text, substitutions));
  } catch (error) {
    throw new LocalStateMachineError(
      `the definition of ${id} is not valid JSON after resolving tokens: ${(error as Error).message}`,
    );
  }
  if (!isObject(definition) || typeof definition.StartAt !== 'string' || !isObject(definition.States)) {
    throw new LocalStateMachineError(`the definition of ${id} has no StartAt/States`);
  }
  return { logicalId: id, definition: definition as unknown as StateMachineDefinition, tokens };
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

const LAMBDA_INVOKE = /^arn:[^:]+:states:::lambda:invoke$/;
const LAMBDA_ARN = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/;

/** The function name in a Lambda ARN, partial ARN (`123…:function:name`) or `name[:qualifier]`. */
function functionNameOf(reference: string): string {
  const arn = LAMBDA_ARN.exec(reference);
  if (arn?.[1]) return arn[1];
  const partial = /^(?:\d{12}:)?function:([^:]+)/.exec(reference);
  if (partial?.[1]) return partial[1];
  return reference.split(':')[0] ?? reference;
}

function toJson(value: unknown): Json {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as Json;
}

const SERVICE_ERROR = /^(Lambda|States)\./;

/** Turn whatever a handler threw into an error aws-local-stepfunctions matches by `name`. */
function toStatesError(thrown: unknown, kind: TaskKind): Error {
  if (thrown instanceof LocalStateMachineError) return thrown;
  const name = thrown instanceof Error ? thrown.name : 'Error';
  const message =
    thrown instanceof Error ? thrown.message : typeof thrown === 'string' ? thrown : JSON.stringify(thrown);
  const lambdaFunctionError = kind !== 'integration' && !SERVICE_ERROR.test(name);
  return stepFunctionsError(
    name,
    lambdaFunctionError ? JSON.stringify({ errorType: name, errorMessage: message, trace: [] }) : message,
  );
}

function countBy(names: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/** A state machine definition ready to run locally. See the module docs. */
export class LocalStateMachine {
  /** Build from a synthesized template: picks the state machine, resolves tokens, checks the definition. */
  static fromTemplate(template: TemplateSource, options: FromTemplateOptions = {}): LocalStateMachine {
    const { logicalId, definition, tokens } = definitionFromTemplate(template, options);
    const aliases = new Map<string, string | null>();
    const add = (alias: string, id: string): void => {
      const existing = aliases.get(alias);
      aliases.set(alias, existing === undefined || existing === id ? id : null); // null: ambiguous
    };
    const functionIds = tokens.resourceIds('AWS::Lambda::Function');
    const exact = new Set(functionIds);
    for (const id of functionIds) add(id, id);
    for (const id of functionIds) {
      // An exact logical id always wins over another function's shortened id or name.
      for (const alias of [stripHash(id), tokens.physicalName(id)]) if (!exact.has(alias)) add(alias, id);
    }
    return new LocalStateMachine(definition, {
      logicalId,
      functionAliases: aliases,
      environment: options.environment,
      validationOptions: options.validationOptions,
      stateMachineArn: tokens.arn(logicalId),
    });
  }

  readonly definition: StateMachineDefinition;
  readonly logicalId?: string;
  /** Every Task state (at any depth) and what it calls. */
  readonly taskStates: readonly TaskStateInfo[];
  /** Names of every Wait state (at any depth). */
  readonly waitStates: readonly string[];
  /** Names of every state that has a `Retry` (at any depth). */
  readonly retryStates: readonly string[];
  /** Every Task state with a `Retry` (at any depth), with an error name its first retrier matches. */
  readonly retriedTasks: readonly RetriedTask[];
  private readonly machine: StateMachine;
  private readonly aliases: ReadonlyMap<string, string | null>;
  private readonly arn: string;
  private readonly env: FakeEnvironment;

  constructor(definition: StateMachineDefinition | { [key: string]: unknown }, options: LocalStateMachineOptions = {}) {
    if (typeof (Promise as unknown as { withResolvers?: unknown }).withResolvers !== 'function') {
      throw new LocalStateMachineError(
        'aws-local-stepfunctions needs Promise.withResolvers: load test/setup/polyfills.ts (jest setupFiles) on Node 20',
      );
    }
    const label = options.logicalId ? `state machine ${options.logicalId}` : 'the state machine';
    checkSupported(definition as { [key: string]: unknown }, label);
    this.definition = callbackTimeoutsToHandlers(
      definition as { [key: string]: unknown },
    ) as unknown as StateMachineDefinition;
    this.logicalId = options.logicalId;
    this.aliases = options.functionAliases ?? new Map();
    this.env = options.environment ?? {};
    const { partition = 'aws', region = FAKE_REGION, account = FAKE_ACCOUNT } = this.env;
    this.arn =
      options.stateMachineArn ??
      `arn:${partition}:states:${region}:${account}:stateMachine:${options.logicalId ?? 'LocalStateMachine'}`;
    this.machine = new StateMachine(this.definition, { validationOptions: options.validationOptions });

    const states = allStates(this.definition);
    this.waitStates = states.filter(({ state }) => state.Type === 'Wait').map(({ name }) => name);
    this.retryStates = states.filter(({ state }) => Array.isArray(state.Retry)).map(({ name }) => name);
    this.retriedTasks = states
      .filter(({ state }) => state.Type === 'Task' && Array.isArray(state.Retry) && state.Retry.length > 0)
      .map(({ name, state }) => {
        const errors = ((state.Retry as { ErrorEquals?: string[] }[])[0]?.ErrorEquals ?? []).filter(
          (e) => e !== 'States.ALL',
        );
        return { stateName: name, retryableError: errors[0] ?? 'States.TaskFailed' };
      });
    this.taskStates = states
      .filter(({ state }) => state.Type === 'Task')
      .map(({ name, state }): TaskStateInfo => {
        const resource = String(state.Resource);
        if (LAMBDA_INVOKE.test(resource)) {
          const parameters = isObject(state.Parameters) ? state.Parameters : {};
          const fn = typeof parameters.FunctionName === 'string' ? parameters.FunctionName : undefined;
          return fn === undefined
            ? { stateName: name, resource, kind: 'lambda-invoke' }
            : this.withFunction({ stateName: name, resource, kind: 'lambda-invoke' }, fn);
        }
        if (LAMBDA_ARN.test(resource))
          return this.withFunction({ stateName: name, resource, kind: 'lambda-arn' }, resource);
        return { stateName: name, resource, kind: 'integration' };
      });
  }

  /** Run to completion. Rejects only for wiring problems ({@link LocalStateMachineError}); a failed execution resolves with status FAILED. */
  async run(input: unknown = {}, options: LocalRunOptions = {}): Promise<LocalExecutionResult> {
    return this.start(input, options).result;
  }

  /** Start an execution you may {@link LocalExecution.abort}. Throws wiring problems synchronously. */
  start(input: unknown = {}, options: LocalRunOptions = {}): LocalExecution {
    const functions = this.resolveFunctionKeys(options);
    this.checkWiring(options, functions);

    const done = new AbortController();
    const calls: string[] = [];
    let harnessError: LocalStateMachineError | undefined;
    const taskResourceLocalHandlers: Record<string, (input: Json) => Promise<Json>> = {};
    for (const task of this.taskStates) {
      taskResourceLocalHandlers[task.stateName] = async (taskInput: Json): Promise<Json> => {
        calls.push(task.stateName);
        try {
          return await this.invoke(task, taskInput, options, functions, calls, done.signal);
        } catch (error) {
          if (error instanceof LocalStateMachineError) harnessError ??= error;
          throw toStatesError(error, task.kind);
        }
      };
    }
    const waitTimeOverrides: Record<string, number> = {};
    for (const name of this.waitStates) waitTimeOverrides[name] = options.waits?.[name] ?? options.defaultWaitMs ?? 0;
    const retryIntervalOverrides: Record<string, number | number[]> = {};
    for (const name of this.retryStates) retryIntervalOverrides[name] = options.retryIntervals?.[name] ?? 0;

    const startedAt = Date.now();
    const handle = this.machine.run(toJson(input), {
      overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
      context: this.context(options.context),
    });
    const events: ExecutionEvent[] = [];
    const drained = (async () => {
      for await (const event of handle.eventLogs) events.push(event);
    })();

    const result = (async (): Promise<LocalExecutionResult> => {
      let status: ExecutionStatus;
      let output: Json | undefined;
      let error: string | undefined;
      let cause: string | undefined;
      try {
        output = (await handle.result) as Json;
        status = 'SUCCEEDED';
      } catch (thrown) {
        if (thrown instanceof ExecutionError) {
          const failure = thrown.cause as Error | undefined;
          status = 'FAILED';
          error = failure?.name ?? 'Error';
          cause = failure?.message;
        } else if (thrown instanceof ExecutionAbortedError) {
          status = 'ABORTED';
        } else if (thrown instanceof ExecutionTimeoutError) {
          status = 'TIMED_OUT';
        } else {
          throw thrown;
        }
      } finally {
        done.abort();
      }
      // The interpreter closes its event log on every terminal path; the timer only guards against a bug there.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([drained, new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
      clearTimeout(timer);
      if (harnessError) throw harnessError;

      const entered = events
        .filter((e) => e.type === 'StateEntered')
        .map((e) => (e as { state: { name: string } }).state.name);
      const retried = events
        .filter((e) => e.type === 'StateRetried')
        .map((e) => (e as { state: { name: string } }).state.name);
      return {
        status,
        ...(status === 'SUCCEEDED' ? { output } : {}),
        ...(status === 'FAILED' ? { error, cause } : {}),
        events,
        stateTransitions: entered.length + retried.length,
        taskInvocations: countBy(calls),
        stateEntries: countBy(entered),
        retries: countBy(retried),
        path: entered,
        durationMs: Date.now() - startedAt,
      };
    })();
    return { abort: () => handle.abort(), result };
  }

  private withFunction(info: TaskStateInfo, reference: string): TaskStateInfo {
    const functionName = functionNameOf(reference);
    const functionLogicalId = this.aliases.get(functionName) ?? undefined;
    return { ...info, functionName, ...(functionLogicalId ? { functionLogicalId } : {}) };
  }

  /** `functions` keys → canonical function identity (logical id when known, else the name). */
  private resolveFunctionKeys(options: LocalRunOptions): Map<string, LocalHandler> {
    const resolved = new Map<string, LocalHandler>();
    const referenced = new Set(
      this.taskStates.flatMap((t) => [t.functionName, t.functionLogicalId]).filter((n): n is string => n !== undefined),
    );
    const dynamic = this.taskStates.some((t) => t.kind === 'lambda-invoke' && t.functionName === undefined);
    for (const [key, handler] of Object.entries(options.functions ?? {})) {
      const alias = this.aliases.get(key);
      if (alias === null) {
        const candidates = [...new Set(this.aliases.values())].filter(
          (id): id is string => id !== null && stripHash(id) === key,
        );
        throw new LocalStateMachineError(
          `functions key "${key}" is ambiguous: use a full logical id (${candidates.join(', ')})`,
        );
      }
      const identity = alias ?? key;
      if (alias === undefined && !referenced.has(key) && !dynamic) {
        const known = [...new Set(this.taskStates.map((t) => t.functionLogicalId ?? t.functionName).filter(Boolean))];
        throw new LocalStateMachineError(
          `functions key "${key}" matches no Lambda function in the template; functions the state machine invokes: ${known.join(', ') || 'none'}`,
        );
      }
      resolved.set(identity, handler);
    }
    return resolved;
  }

  private handlerFor(
    task: TaskStateInfo,
    functionName: string | undefined,
    functions: Map<string, LocalHandler>,
  ): LocalHandler | undefined {
    if (functionName === undefined) return undefined;
    const identity = this.aliases.get(functionName) ?? functionName;
    return functions.get(identity) ?? (task.functionLogicalId ? functions.get(task.functionLogicalId) : undefined);
  }

  private checkWiring(options: LocalRunOptions, functions: Map<string, LocalHandler>): void {
    const problems: string[] = [];
    const taskNames = new Set(this.taskStates.map((t) => t.stateName));
    const unknownKeys = (option: string, keys: object | undefined, valid: readonly string[], what: string): void => {
      for (const key of Object.keys(keys ?? {})) {
        if (!valid.includes(key))
          problems.push(`${option} key "${key}" is not ${what} (${valid.join(', ') || 'none'})`);
      }
    };
    unknownKeys('tasks', options.tasks, [...taskNames], 'a Task state');
    unknownKeys('waits', options.waits, this.waitStates, 'a Wait state');
    unknownKeys('retryIntervals', options.retryIntervals, this.retryStates, 'a state with Retry');
    for (const task of this.taskStates) {
      if (options.tasks?.[task.stateName]) continue;
      if (task.kind === 'integration') {
        problems.push(
          `Task state "${task.stateName}" (${task.resource}) has no local handler: add tasks: { '${task.stateName}': … }`,
        );
      } else if (task.functionName === undefined) {
        // FunctionName.$ is only known at run time; checked on invocation.
        if (functions.size === 0) {
          problems.push(
            `Task state "${task.stateName}" (${task.resource}, dynamic FunctionName) has no local handler: add tasks: { '${task.stateName}': … } or functions`,
          );
        }
      } else if (!this.handlerFor(task, task.functionName, functions)) {
        problems.push(
          `Task state "${task.stateName}" invokes Lambda function ${task.functionLogicalId ?? task.functionName}, which has no local handler: ` +
            `add functions: { '${task.functionLogicalId ? stripHash(task.functionLogicalId) : task.functionName}': … } or tasks: { '${task.stateName}': … }`,
        );
      }
    }
    if (problems.length > 0)
      throw new LocalStateMachineError(`${this.logicalId ?? 'state machine'}:\n- ${problems.join('\n- ')}`);
  }

  private async invoke(
    task: TaskStateInfo,
    taskInput: Json,
    options: LocalRunOptions,
    functions: Map<string, LocalHandler>,
    calls: string[],
    signal: AbortSignal,
  ): Promise<Json> {
    const invocation = calls.filter((name) => name === task.stateName).length;
    const stateHandler = options.tasks?.[task.stateName];
    let functionName = task.functionName;
    if (task.kind === 'lambda-invoke' && isObject(taskInput) && typeof taskInput.FunctionName === 'string')
      functionName = functionNameOf(taskInput.FunctionName);
    const functionLogicalId = functionName === undefined ? undefined : (this.aliases.get(functionName) ?? undefined);
    const context: TaskInvocation = {
      stateName: task.stateName,
      resource: task.resource,
      kind: task.kind,
      invocation,
      ...(functionName !== undefined ? { functionName } : {}),
      ...(functionLogicalId ? { functionLogicalId } : {}),
      taskInput: toJson(taskInput),
      signal,
    };
    let call: () => Promise<unknown>;
    if (stateHandler) {
      call = async () => stateHandler(toJson(taskInput), context);
    } else {
      const handler = this.handlerFor(task, functionName, functions);
      if (!handler) {
        throw new LocalStateMachineError(
          `Task state "${task.stateName}" invoked Lambda function ${functionName ?? '(none)'}, which has no local handler: ` +
            `add it to functions, or tasks: { '${task.stateName}': … }`,
        );
      }
      const event = task.kind === 'lambda-invoke' && isObject(taskInput) ? (taskInput.Payload ?? null) : taskInput;
      call = async () => handler(toJson(event), context);
    }
    const result = options.aroundTask ? await options.aroundTask(context, call) : await call();
    if (task.kind !== 'lambda-invoke') return toJson(result);
    const asynchronous = isObject(taskInput) && taskInput.InvocationType === 'Event';
    return asynchronous
      ? { Payload: '', StatusCode: 202 }
      : { ExecutedVersion: '$LATEST', Payload: toJson(result), StatusCode: 200 };
  }

  private context(extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
    const name = this.arn.split(':').pop() ?? 'LocalStateMachine';
    const executionArn = this.arn.replace(':stateMachine:', ':execution:') + ':local-execution';
    const base: Record<string, Record<string, unknown>> = {
      Execution: {
        Id: executionArn,
        Name: 'local-execution',
        RoleArn: `arn:${this.env.partition ?? 'aws'}:iam::${this.env.account ?? FAKE_ACCOUNT}:role/LocalStateMachineRole`,
      },
      StateMachine: { Id: this.arn, Name: name },
      Task: { Token: FAKE_TASK_TOKEN },
    };
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(extra)) {
      merged[key] = isObject(value) && isObject(base[key]) ? { ...base[key], ...value } : value;
    }
    return merged;
  }
}
