/**
 * How Lambda code recognises AWS errors worth another attempt. Each caller decides what to do with one (retry
 * in-process, or fail the task so that Step Functions retries it); the names and the shape checks live here.
 */

/** Error names AWS services use when a caller is throttled. */
export const THROTTLING_ERROR_NAMES: readonly string[] = [
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  // Route 53: a change for this record is still being applied.
  'PriorRequestNotComplete',
  // S3
  'SlowDown',
];

/** Timeouts, network resets and service-side faults: the request may well succeed next time. */
export const TRANSIENT_ERROR_NAMES: readonly string[] = [
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'InternalServerException',
  'ServiceException',
  // A service-side rate or concurrency limit (Step Functions, Lambda, KMS): it clears with time.
  'LimitExceededException',
];

interface AwsLikeError {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: { readonly throttling?: boolean };
}

const THROTTLING = new Set(THROTTLING_ERROR_NAMES);
const TRANSIENT = new Set([...THROTTLING_ERROR_NAMES, ...TRANSIENT_ERROR_NAMES]);

/**
 * Throttling only: a throttling error name, or the SDK v3 `$retryable.throttling` flag. Faults and timeouts are
 * not throttling (use `isTransientAwsError` for those).
 */
export function isThrottlingError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { name, $retryable } = error as AwsLikeError;
  return (typeof name === 'string' && THROTTLING.has(name)) || $retryable?.throttling === true;
}

/**
 * Worth another attempt: throttling, a timeout, network reset or service fault by name (or, failing that, Node's
 * `code`), anything the SDK marked `$retryable`, HTTP 429 and every 5xx. Anything else is an answer.
 */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as AwsLikeError;
  const name = typeof e.name === 'string' ? e.name : typeof e.code === 'string' ? e.code : '';
  const status = e.$metadata?.httpStatusCode;
  return TRANSIENT.has(name) || e.$retryable !== undefined || status === 429 || (status !== undefined && status >= 500);
}
