/**
 * The freshness check's retry (`RETRY_POLICIES.transient`). The clients are built with `maxAttempts: 1` so that
 * this is the only retry layer (no 3 × 3 attempts) and the behaviour is visible to tests, which replace the
 * clients' `send` and so never reach the SDK's own retry middleware.
 */
import { RETRY_POLICIES, RetryOptions, withRetry as retry } from '../common/retry';

export type { RetryOptions } from '../common/retry';

export function withRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  return retry(call, RETRY_POLICIES.transient, options);
}
