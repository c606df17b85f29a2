/**
 * A small bounded retry for the freshness check. The clients are built with `maxAttempts: 1` so that this
 * is the only retry layer (no 3 × 3 attempts) and the behaviour is visible to tests, which replace the
 * clients' `send` and so never reach the SDK's own retry middleware.
 */
import { isTransientAwsError, THROTTLING_ERROR_NAMES, TRANSIENT_ERROR_NAMES } from '../common/aws-errors';
import { RetryOptions, withRetry as retry } from '../common/retry';

export type { RetryOptions } from '../common/retry';

const RETRYABLE = new Set([
  ...THROTTLING_ERROR_NAMES,
  ...TRANSIENT_ERROR_NAMES,
  'InternalServerError',
  'InternalServerException',
]);

/** Throttling, 5xx faults and timeouts/network resets: worth another attempt. Anything else is an answer. */
export function isRetryable(error: unknown): boolean {
  return isTransientAwsError(error, RETRYABLE);
}

/** 4 attempts in all, back-off from 200 ms, doubling, full jitter. */
export function withRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  return retry(call, { attempts: 4, baseDelayMs: 200, retryable: isRetryable }, options);
}
