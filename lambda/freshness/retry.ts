/**
 * A small bounded retry for the freshness check. The clients are built with `maxAttempts: 1` so that this
 * is the only retry layer (no 3 × 3 attempts) and the behaviour is visible to tests, which replace the
 * clients' `send` and so never reach the SDK's own retry middleware.
 */

const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'ThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded', 'RequestThrottled', 'RequestThrottledException']);
const TRANSIENT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ServiceUnavailable', 'ServiceUnavailableException', 'InternalFailure', 'InternalServerError', 'InternalServerException']);

export interface RetryOptions {
  /** Attempts in total, the first one included. @default 4 */
  readonly attempts?: number;
  /** First back-off; doubles each retry, full jitter. @default 200 ms */
  readonly baseDelayMs?: number;
  /** Injectable for tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests. @default Math.random */
  readonly random?: () => number;
}

interface AwsLikeError {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: unknown;
}

/** Throttling, 5xx faults and timeouts/network resets: worth another attempt. Anything else is an answer. */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as AwsLikeError;
  const name = typeof e.name === 'string' ? e.name : typeof e.code === 'string' ? e.code : '';
  const status = e.$metadata?.httpStatusCode;
  return THROTTLING.has(name) || TRANSIENT.has(name) || e.$retryable !== undefined || status === 429 || (status !== undefined && status >= 500);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 4;
  const base = options.baseDelayMs ?? 200;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (!isRetryable(error) || attempt >= attempts) throw error;
      await sleep(Math.round(random() * base * 2 ** (attempt - 1)));
    }
  }
}
