/** Error names AWS services use when a caller is throttled. */
const THROTTLING_ERRORS = new Set(['Throttling', 'ThrottlingException', 'ThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded', 'RequestThrottled', 'RequestThrottledException']);

export interface RetryOptions {
  /** Attempts in total, the first one included. @default 6 */
  readonly attempts?: number;
  /** First back-off; doubles each retry (with full jitter). @default 500 ms */
  readonly baseDelayMs?: number;
  /** Injectable for tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests. @default Math.random */
  readonly random?: () => number;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function isThrottling(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { name, $retryable } = error as { name?: unknown; $retryable?: { throttling?: boolean } };
  return (typeof name === 'string' && THROTTLING_ERRORS.has(name)) || $retryable?.throttling === true;
}

/**
 * Run `call`, retrying throttling errors with exponential back-off and full jitter. The SDK retries too,
 * but a CloudFormation deployment that protects many databases at once hits the RDS control-plane rate
 * limits in bursts, and a failed custom resource rolls back the whole stack: a longer, explicit budget
 * here is cheap. Any other error is thrown at once.
 */
export async function withThrottlingRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 6;
  const base = options.baseDelayMs ?? 500;
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (!isThrottling(error) || attempt >= attempts) throw error;
      await wait(Math.round(random() * base * 2 ** (attempt - 1)));
    }
  }
}
