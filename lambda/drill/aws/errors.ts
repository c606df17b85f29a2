/**
 * How the drill treats AWS errors. Transient ones (throttling, 5xx, networking) make the task fail with
 * `Rxdr.AwsTransient`, which the state machine retries with backoff (the steps are idempotent); everything
 * else is a verdict the step records in the drill state.
 */

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'LimitExceededException',
  'ProvisionedThroughputExceededException',
]);
const NETWORK = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ServiceUnavailable', 'InternalFailure', 'InternalError', 'ServiceException', 'ServiceUnavailableException']);

interface AwsLikeError {
  readonly name?: string;
  readonly code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: unknown;
}

export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as AwsLikeError;
  const name = e.name ?? e.code ?? '';
  const status = e.$metadata?.httpStatusCode;
  return THROTTLING.has(name) || NETWORK.has(name) || e.$retryable !== undefined || (status !== undefined && status >= 500) || status === 429;
}

export function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && typeof (error as AwsLikeError).name === 'string' ? ((error as AwsLikeError).name as string) : 'Error';
}

/** `DBInstanceNotFound`/`DBInstanceNotFoundFault` and friends. */
export function isNotFound(error: unknown, ...names: string[]): boolean {
  const name = errorName(error);
  return names.some((candidate) => name === candidate || name === `${candidate}Fault`);
}

/** Thrown out of a task so that Step Functions retries it (the state is unchanged: retrying is safe). */
export class TransientAwsError extends Error {
  constructor(step: string, cause: unknown) {
    super(`${step}: AWS answered with a transient error (${errorName(cause)}: ${cause instanceof Error ? cause.message : String(cause)}); the state machine retries the step`);
    this.name = 'Rxdr.AwsTransient';
  }
}

/** A drill refuses to touch a resource it did not create. Never retried. */
export class RefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Rxdr.Refused';
  }
}
