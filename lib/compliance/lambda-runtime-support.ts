/**
 * Deprecation date per Lambda runtime: from this day Lambda no longer patches the runtime, blocks creating
 * functions on it about a month later and updating them (every deploy) about two months later. Maintained by hand.
 *
 * Source: "Lambda runtimes", supported and deprecated runtime tables (AWS Lambda Developer Guide,
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html). Review this table when AWS adds a runtime
 * or moves a date; last reviewed 2026-12-06.
 */
export const LAMBDA_RUNTIME_DEPRECATION: Readonly<Record<string, string>> = {
  'nodejs18.x': '2025-09-01',
  'nodejs20.x': '2026-04-30',
  'nodejs22.x': '2027-04-30',
  'nodejs24.x': '2028-04-30',
};

/** A runtime deprecated within this many days fails synth: there is no time left to move it in a release. */
export const FAIL_WITHIN_DAYS = 180;
/** A runtime deprecated within this many days warns at synth: plan the move. */
export const WARN_WITHIN_DAYS = 365;

export interface RuntimeDeprecation {
  readonly runtime: string;
  /** `YYYY-MM-DD`, undefined when the table does not list the runtime. */
  readonly deprecation?: string;
  /** Whole days from `today` to the deprecation date (negative once past it). */
  readonly daysLeft?: number;
}

/** How far `runtime` is from its deprecation on `today` (`YYYY-MM-DD`, UTC). */
export function runtimeDeprecation(runtime: string, today: string): RuntimeDeprecation {
  const deprecation = LAMBDA_RUNTIME_DEPRECATION[runtime];
  if (deprecation === undefined) return { runtime };
  const daysLeft = Math.round((Date.parse(`${deprecation}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
  return { runtime, deprecation, daysLeft };
}
