import { drillCalendar } from '../plan/drill-calendar';

/** The drill schedule every tier follows unless `drill.tierSchedules` names it: 06:00 UTC on the 1st, monthly. */
export const DEFAULT_DRILL_SCHEDULE = 'cron(0 6 1 * ? *)';
/** How long a scheduled drill may run before it must have left evidence (the drill's own time limit). */
export const DEFAULT_DRILL_TIMEOUT_MINUTES = 360;

/** The part of an environment's `drill` configuration that says how often each tier is drilled. */
export interface DrillScheduleConfig {
  readonly schedule: string;
  readonly timezone: string;
  readonly tierSchedules: Readonly<Record<string, string>>;
  readonly timeoutMinutes: number;
}

/** How often one database must be drilled: its tier's schedule, and how long a scheduled drill may take. */
export interface DrillCadence {
  /** EventBridge Scheduler expression (`cron(...)`, `rate(...)`, `at(...)`). */
  readonly expression: string;
  readonly timezone: string;
  /** A scheduled drill counts as missed when no drill has started by its time plus this. */
  readonly graceMinutes: number;
  /** One sentence, e.g. "monthly on day 1, at 06:00 UTC". */
  readonly description: string;
  /** True when no configuration was given and the defaults apply. */
  readonly assumed: boolean;
}

/** When the next drill of one database is due, from its newest drill and its cadence. */
export interface DrillDue {
  /** Start of the newest drill (passed or failed: either tested the restore), or null when there has been none. */
  readonly lastDrill: string | null;
  /** The first scheduled drill after the last one; null when there has been none (due now) or none is scheduled. */
  readonly nextDrillDue: string | null;
  /** No drill ever, or the next due drill's time plus the grace has passed without a drill. */
  readonly overdue: boolean;
}

/** The cadence of a database of `tier` in an environment whose drill configuration is `drill`. */
export function drillCadence(drill: DrillScheduleConfig, tier: string): DrillCadence {
  const expression = drill.tierSchedules[tier] ?? drill.schedule;
  return {
    expression,
    timezone: drill.timezone,
    graceMinutes: drill.timeoutMinutes,
    description: describe(expression, drill.timezone),
    assumed: false,
  };
}

/** The cadence rxdr assumes when it has no configuration (the configuration's defaults). */
export function defaultDrillCadence(): DrillCadence {
  return {
    ...drillCadence(
      {
        schedule: DEFAULT_DRILL_SCHEDULE,
        timezone: 'UTC',
        tierSchedules: {},
        timeoutMinutes: DEFAULT_DRILL_TIMEOUT_MINUTES,
      },
      'default',
    ),
    assumed: true,
  };
}

/** Last drill, next due date and whether it is overdue, at `now`. Pure: the caller passes the clock. */
export function drillDue(cadence: DrillCadence, lastDrill: Date | undefined, now: Date): DrillDue {
  if (!lastDrill) return { lastDrill: null, nextDrillDue: null, overdue: true };
  const next = scheduledAfter(cadence, lastDrill);
  return {
    lastDrill: lastDrill.toISOString(),
    nextDrillDue: next?.toISOString() ?? null,
    overdue: next !== undefined && now.getTime() > next.getTime() + cadence.graceMinutes * 60_000,
  };
}

/** Every scheduled drill time in [from, to), oldest first (empty for `rate(...)`, whose runs depend on its start). */
export function scheduledBetween(cadence: DrillCadence, from: Date, to: Date): Date[] {
  const runs: Date[] = [];
  let cursor = new Date(from.getTime() - 1);
  for (;;) {
    const batch = drillCalendar(cadence.expression, cadence.timezone, cursor, 64).next.filter((d) => d < to);
    runs.push(...batch);
    const last = batch.at(-1);
    if (!last || batch.length < 64) return runs;
    cursor = last;
  }
}

/** The first scheduled drill strictly after `after`; `rate(...)` counts its interval from `after`. */
function scheduledAfter(cadence: DrillCadence, after: Date): Date | undefined {
  const rate = /^rate\((\d+)\s+(minute|hour|day)s?\)$/.exec(cadence.expression);
  if (rate) {
    const unit = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[rate[2] as 'minute' | 'hour' | 'day'];
    return new Date(after.getTime() + Number(rate[1]) * unit);
  }
  return drillCalendar(cadence.expression, cadence.timezone, after, 1).next[0];
}

function describe(expression: string, timezone: string): string {
  try {
    return drillCalendar(expression, timezone, new Date(0), 0).description;
  } catch (error) {
    return `${expression} (${(error as Error).message})`;
  }
}
