/**
 * How the drill treats AWS errors. Transient ones (throttling, 5xx, networking) make the task fail with
 * `Rxdr.AwsTransient`, which the state machine retries with backoff (the steps are idempotent); everything
 * else is a verdict the step records in the drill state. Which errors are transient: `isTransientAwsError`.
 */

export function errorName(error: unknown): string {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : 'Error';
}

/** `DBInstanceNotFound`/`DBInstanceNotFoundFault` and friends. */
export function isNotFound(error: unknown, ...names: string[]): boolean {
  const name = errorName(error);
  return names.some((candidate) => name === candidate || name === `${candidate}Fault`);
}

/** Thrown out of a task so that Step Functions retries it (the state is unchanged: retrying is safe). */
export class TransientAwsError extends Error {
  constructor(step: string, cause: unknown) {
    super(
      `${step}: AWS answered with a transient error (${errorName(cause)}: ${cause instanceof Error ? cause.message : String(cause)}); the state machine retries the step`,
    );
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
