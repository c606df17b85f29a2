import type { EngineLogger } from './logger';

/** What every scheduled check's run is given besides its clients. */
export interface ScheduledCheckDeps {
  readonly logger: EngineLogger;
  readonly now: () => Date;
}

/**
 * A scheduled check that could not read everything fails its invocation, so the function's Errors metric shows it;
 * what was not read published nothing, which the alarms treat as breaching. `failures` name what and why.
 */
export function failWhenIncomplete(check: string, failures: readonly string[]): void {
  if (failures.length > 0) throw new Error(`${check} check incomplete: ${failures.join('; ')}`);
}
