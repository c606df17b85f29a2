import {
  isThrottlingError,
  isTransientAwsError,
  THROTTLING_ERROR_NAMES,
  TRANSIENT_ERROR_NAMES,
} from '../../../engines/common/aws-errors';
import { RetryPolicy, withRetry } from '../../../engines/common/retry';

const named = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error('boom'), { name }, extra);

describe('isThrottlingError', () => {
  test.each(THROTTLING_ERROR_NAMES)('%s is throttling', (name) => {
    expect(isThrottlingError(named(name))).toBe(true);
  });

  test('the SDK throttling flag counts; faults, other retryable flags, codes and non-objects do not', () => {
    expect(isThrottlingError(named('Whatever', { $retryable: { throttling: true } }))).toBe(true);
    expect(isThrottlingError(named('Whatever', { $retryable: {} }))).toBe(false);
    expect(isThrottlingError(named('InternalFailure', { $metadata: { httpStatusCode: 500 } }))).toBe(false);
    expect(isThrottlingError({ code: 'Throttling' })).toBe(false);
    expect(isThrottlingError('Throttling')).toBe(false);
    expect(isThrottlingError(null)).toBe(false);
  });
});

describe('isTransientAwsError', () => {
  test.each([...THROTTLING_ERROR_NAMES, ...TRANSIENT_ERROR_NAMES])('%s is transient', (name) => {
    expect(isTransientAwsError(named(name))).toBe(true);
  });

  test('Node code when there is no name; an unknown name without a status is not transient', () => {
    expect(isTransientAwsError({ code: 'ECONNRESET' })).toBe(true);
    expect(isTransientAwsError(named('ValidationException'))).toBe(false);
  });

  test('any SDK retryable flag, 429 and every 5xx', () => {
    expect(isTransientAwsError(named('X', { $retryable: {} }))).toBe(true);
    expect(isTransientAwsError(named('X', { $metadata: { httpStatusCode: 429 } }))).toBe(true);
    expect(isTransientAwsError(named('X', { $metadata: { httpStatusCode: 500 } }))).toBe(true);
    expect(isTransientAwsError(named('X', { $metadata: { httpStatusCode: 503 } }))).toBe(true);
  });

  test('client errors and non-objects are answers, not transient', () => {
    expect(isTransientAwsError(named('AccessDeniedException', { $metadata: { httpStatusCode: 403 } }))).toBe(false);
    expect(isTransientAwsError(named('X', { $metadata: { httpStatusCode: 400 } }))).toBe(false);
    expect(isTransientAwsError('Throttling')).toBe(false);
    expect(isTransientAwsError(undefined)).toBe(false);
  });
});

describe('withRetry', () => {
  const policy: RetryPolicy = {
    attempts: 3,
    baseDelayMs: 100,
    retryable: (error) => (error as Error).name === 'Again',
  };

  test('retries retryable errors with doubling back-off scaled by the jitter, then returns the value', async () => {
    const waits: number[] = [];
    let calls = 0;
    const value = await withRetry(async () => (++calls < 3 ? Promise.reject(named('Again')) : 'ok'), policy, {
      sleep: async (ms) => void waits.push(ms),
      random: () => 1,
    });
    expect(value).toBe('ok');
    expect(calls).toBe(3);
    expect(waits).toEqual([100, 200]);
  });

  test('full jitter: the wait is random × base × 2^(attempt-1), rounded', async () => {
    const waits: number[] = [];
    let calls = 0;
    await withRetry(async () => (++calls < 3 ? Promise.reject(named('Again')) : 'ok'), policy, {
      sleep: async (ms) => void waits.push(ms),
      random: () => 0.25,
    });
    expect(waits).toEqual([25, 50]);
  });

  test('gives up after the policy attempts and throws the last error as it is', async () => {
    let calls = 0;
    const error = named('Again');
    await expect(
      withRetry(async () => Promise.reject((++calls, error)), policy, { sleep: async () => undefined }),
    ).rejects.toBe(error);
    expect(calls).toBe(3);
  });

  test('options override the policy attempts and base delay', async () => {
    const waits: number[] = [];
    let calls = 0;
    await expect(
      withRetry(async () => Promise.reject((++calls, named('Again'))), policy, {
        attempts: 2,
        baseDelayMs: 7,
        sleep: async (ms) => void waits.push(ms),
        random: () => 1,
      }),
    ).rejects.toThrow('boom');
    expect(calls).toBe(2);
    expect(waits).toEqual([7]);
  });

  test('other errors are thrown at once', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => Promise.reject((++calls, named('Final'))), policy, { sleep: async () => undefined }),
    ).rejects.toThrow('boom');
    expect(calls).toBe(1);
  });
});
