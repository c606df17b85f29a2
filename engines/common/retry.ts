/** A bounded in-process retry with exponential back-off and full jitter; each caller names its policy. */
import { isThrottlingError, isTransientAwsError } from './aws-errors';

export interface RetryOptions {
  /** Attempts in total, the first one included. @default the caller's policy */
  readonly attempts?: number;
  /** First back-off; doubles each retry (with full jitter). @default the caller's policy */
  readonly baseDelayMs?: number;
  /** Injectable for tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests. @default Math.random */
  readonly random?: () => number;
}

export interface RetryPolicy {
  /** Attempts in total, the first one included. */
  readonly attempts: number;
  /** First back-off in ms. */
  readonly baseDelayMs: number;
  /** Which errors get another attempt; any other is thrown at once. */
  readonly retryable: (error: unknown) => boolean;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Run `call`; when it throws an error the policy calls retryable and attempts remain, wait a random time in
 * [0, base × 2^(attempt-1)] (rounded) and try again. The last error is thrown as it is.
 */
export async function withRetry<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? policy.attempts;
  const base = options.baseDelayMs ?? policy.baseDelayMs;
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (!policy.retryable(error) || attempt >= attempts) throw error;
      await wait(Math.round(random() * base * 2 ** (attempt - 1)));
    }
  }
}

/**
 * The named policies every in-process retry uses. Step Functions retries the drill and runbook tasks itself
 * (they fail with a transient error instead); these are for code that must finish within one invocation.
 */
export const RETRY_POLICIES = {
  /**
   * Throttling only, 6 attempts from 500 ms: a CloudFormation deployment that protects many databases at once hits
   * the RDS control-plane rate limits in bursts, and a failed custom resource rolls back the whole stack.
   */
  throttling: { attempts: 6, baseDelayMs: 500, retryable: isThrottlingError },
  /** Throttling, faults and timeouts, 4 attempts from 200 ms: a scheduled check that must answer each run. */
  transient: { attempts: 4, baseDelayMs: 200, retryable: isTransientAwsError },
} satisfies Record<string, RetryPolicy>;
