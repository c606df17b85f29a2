import { RETRY_POLICIES, RetryOptions, withRetry } from '../common/retry';

export { sleep } from '../common/retry';
export type { RetryOptions } from '../common/retry';

/**
 * Run `call`, retrying throttling errors (`RETRY_POLICIES.throttling`). The SDK retries too, but a deployment that
 * protects many databases at once needs a longer, explicit budget. Any other error is thrown at once.
 */
export function withThrottlingRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  return withRetry(call, RETRY_POLICIES.throttling, options);
}
