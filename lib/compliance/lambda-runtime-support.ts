import { IConstruct } from 'constructs';

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

/**
 * CDK context key that sets the day the runtime rules judge by (`YYYY-MM-DD`, UTC), e.g.
 * `cdk synth -c rxdr:today=2027-01-01` to see what a deploy on that day will say. Default: today.
 */
export const TODAY_CONTEXT_KEY = 'rxdr:today';

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

/** The day rules judge by: the `rxdr:today` context of the construct's app, or today (UTC). */
export function judgementDay(scope: IConstruct): string {
  const configured: unknown = scope.node.tryGetContext(TODAY_CONTEXT_KEY);
  if (configured === undefined) return new Date().toISOString().slice(0, 10);
  if (typeof configured !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(configured) || Number.isNaN(Date.parse(configured))) {
    throw new Error(`context ${TODAY_CONTEXT_KEY} must be a date as YYYY-MM-DD, got ${JSON.stringify(configured)}`);
  }
  return configured;
}
