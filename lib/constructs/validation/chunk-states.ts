import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/** One chunk invocation's Lambda timeout: well under Lambda's 15 minutes (statements stop at 240 s). */
export const CHUNK_FUNCTION_TIMEOUT = Duration.minutes(5);

/** Attempts of one chunk (a throttled, timed-out or failed chunk is redone alone; its verdict key is the same). */
const CHUNK_MAX_ATTEMPTS = 3;

/**
 * Errors a validator invocation (a chunk, a plan, a whole-table step) is redone for: it timed out, or Lambda
 * stopped or refused it, before it answered. Redoing is safe: each writes the same object under the same key.
 */
export const VALIDATOR_RETRY_ERRORS = [
  'States.Timeout',
  'Sandbox.Timedout',
  'Lambda.Unknown',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/** Errors a chunk is redone for: anything that stopped it before its verdict was stored. */
const CHUNK_RETRY_ERRORS = ['Rxdr.ChunkFailed', 'Rxdr.AwsTransient', ...VALIDATOR_RETRY_ERRORS];

/** The construct ids of a chunks Map and of its one chunk task. */
export interface ChunksMapIds {
  readonly map: string;
  readonly task: string;
}

/**
 * A Map over the planned chunk ids (`$.chunking.ids`), as many at once as `$.chunking.parallel` (the
 * database's setting), each iteration one invocation of `fn` with `{ chunk, prefix, ...fields }` (`fields` the
 * JSONPaths it also gets) whose result goes to S3; a chunk that failed or timed out is redone alone, and the
 * Map's result is discarded, so the state never grows with the chunk count. Inline rather than Distributed: a
 * few hundred chunks per database do not need a Distributed Map (the plan caps the chunk count so that the
 * whole execution stays within the history limit, see `maxChunksPerDatabase`), it nests in the drill's fleet
 * Map, and it runs in the local interpreter the tests use. The validation's ValidateChunks and the manifest
 * job's DescribeChunks are both this Map.
 */
export function chunksMap(
  scope: Construct,
  ids: ChunksMapIds,
  fn: lambda.IFunction,
  fields: Readonly<Record<string, string>>,
): sfn.Map {
  const chunk = new tasks.LambdaInvoke(scope, ids.task, {
    lambdaFunction: fn,
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    taskTimeout: sfn.Timeout.duration(CHUNK_FUNCTION_TIMEOUT.plus(Duration.seconds(30))),
  }).addRetry({
    errors: CHUNK_RETRY_ERRORS,
    interval: Duration.seconds(5),
    backoffRate: 2,
    maxAttempts: CHUNK_MAX_ATTEMPTS,
  });
  const map = new sfn.Map(scope, ids.map, {
    itemsPath: '$.chunking.ids',
    maxConcurrencyPath: '$.chunking.parallel',
    itemSelector: {
      'chunk.$': '$$.Map.Item.Value',
      'prefix.$': '$.chunking.prefix',
      ...Object.fromEntries(Object.entries(fields).map(([name, path]) => [`${name}.$`, path])),
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  map.itemProcessor(chunk);
  return map;
}

/** The states of a chunked validation, in order; the caller adds each one's Catch. */
export interface ChunkedValidationStates {
  /** Plan → ValidateChunks → the whole-table step. */
  readonly chain: sfn.Chain;
  readonly plan: sfn.TaskStateBase;
  readonly map: sfn.Map;
  readonly finish: sfn.TaskStateBase;
}

/**
 * A chunked validation as states, the one shape of the drill and the failover: `plan` (a task that stores the
 * plan and sets `$.chunking = { prefix, ids, parallel }`), the ValidateChunks Map over `chunkFunction`
 * ({@link chunksMap}, `fields` the JSONPaths each chunk invocation also gets), then `finish`, the
 * whole-table step that combines every stored verdict into one report.
 */
export function chunkedValidation(
  scope: Construct,
  props: {
    readonly plan: sfn.TaskStateBase;
    readonly chunkFunction: lambda.IFunction;
    readonly fields: Readonly<Record<string, string>>;
    readonly finish: sfn.TaskStateBase;
  },
): ChunkedValidationStates {
  const map = chunksMap(scope, { map: 'ValidateChunks', task: 'ValidateChunk' }, props.chunkFunction, props.fields);
  return { chain: props.plan.next(map).next(props.finish), plan: props.plan, map, finish: props.finish };
}

/**
 * History events one chunk costs in a Standard execution (iteration started/succeeded, task entered,
 * scheduled, started, succeeded, exited), with room for one retry.
 */
const EVENTS_PER_CHUNK = 10;
/** Of the 25,000 history events of a Standard execution, what the chunks of all databases may use. */
const CHUNK_HISTORY_BUDGET = 20_000;

/** Most chunks one database's plan may have so that a drill of the whole fleet stays within its history. */
export function maxChunksPerDatabase(databases: number): number {
  return Math.max(1, Math.floor(CHUNK_HISTORY_BUDGET / EVENTS_PER_CHUNK / Math.max(1, databases)));
}
