import { IConstruct } from 'constructs';

/** Context key that pins the day compliance rules judge by (`-c rxdr:today=2026-12-01`); tests set it. */
export const COMPLIANCE_DAY_CONTEXT = 'rxdr:today';

/**
 * The day (YYYY-MM-DD, UTC) date-dependent compliance rules judge by: the `rxdr:today` context when set,
 * otherwise the real date. The only place the app reads the clock for compliance.
 */
export function complianceDay(scope?: IConstruct): string {
  const pinned: unknown = scope?.node.tryGetContext(COMPLIANCE_DAY_CONTEXT);
  if (pinned === undefined) return new Date().toISOString().slice(0, 10);
  if (typeof pinned !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(pinned) || Number.isNaN(Date.parse(pinned))) {
    throw new Error(`context ${COMPLIANCE_DAY_CONTEXT} must be a date as YYYY-MM-DD, got ${JSON.stringify(pinned)}`);
  }
  return pinned;
}
