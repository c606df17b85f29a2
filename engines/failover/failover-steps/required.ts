/** A state field the state machine must have filled in by now. */
import { Errors, StepError } from '../catalog';

export function required<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null)
    throw new StepError(
      Errors.invalidInput,
      `the execution state has no ${what}: the state machine and the function disagree`,
    );
  return value;
}
