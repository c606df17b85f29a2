import { isThrottlingError } from '../common/aws-errors';
import { RetryOptions, withRetry } from '../common/retry';

export { sleep } from '../common/retry';
export type { RetryOptions } from '../common/retry';
/** Only throttling is retried here; see `withThrottlingRetry`. */
export const isThrottling = isThrottlingError;

/**
 * Run `call`, retrying throttling errors (6 attempts in all, back-off from 500 ms, doubling, full jitter). The SDK
 * retries too, but a CloudFormation deployment that protects many databases at once hits the RDS control-plane
 * rate limits in bursts, and a failed custom resource rolls back the whole stack: a longer, explicit budget here
 * is cheap. Any other error is thrown at once.
 */
export function withThrottlingRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  return withRetry(call, { attempts: 6, baseDelayMs: 500, retryable: isThrottlingError }, options);
}
