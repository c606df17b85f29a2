/**
 * The next run times of an EventBridge Scheduler expression (`cron(...)`, `rate(...)`, `at(...)`) in its
 * time zone, for the contingency plan's drill calendar. Pure: the caller passes `from`.
 *
 * Cron fields: minutes hours day-of-month month day-of-week year; day-of-week 1-7 is SUN-SAT; day-of-month
 * supports `L`, `L-n`, `nW`, `LW`; day-of-week supports `nL` and `n#k` (EventBridge Scheduler syntax).
 */
export interface DrillCalendar {
  /** One sentence describing the cadence. */
  readonly description: string;
  /** The next runs, UTC, oldest first. Empty for `rate(...)` (anchored at the schedule's creation) or a past `at(...)`. */
  readonly next: readonly Date[];
}

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
/** How far ahead to look for matching days (a yearly schedule on 29 Feb needs up to 8 years). */
const SEARCH_DAYS = 366 * 9;

export function drillCalendar(expression: string, timeZone: string, from: Date, count = 6): DrillCalendar {
  assertTimeZone(timeZone);
  const rate = /^rate\((\d+)\s+(minutes?|hours?|days?)\)$/.exec(expression);
  if (rate) return { description: `every ${rate[1]} ${rate[2]}, counted from when the schedule was created`, next: [] };

  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(expression);
  if (at) {
    const [y, mo, d, h, mi] = at.slice(1, 6).map(Number) as [number, number, number, number, number];
    const when = zonedToUtc(y, mo, d, h, mi, timeZone);
    return {
      description: `once, at ${at[1]}-${at[2]}-${at[3]} ${at[4]}:${at[5]} (${timeZone})`,
      next: when > from ? [when] : [],
    };
  }

  const cron = /^cron\((.*)\)$/.exec(expression);
  const fields = (cron?.[1] ?? '').trim().split(/\s+/);
  if (!cron || fields.length !== 6) throw new Error(`not a schedule expression rxdr can read: "${expression}"`);
  const [minuteField, hourField, domField, monthField, dowField, yearField] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const minutes = expand(minuteField, 0, 59);
  const hours = expand(hourField, 0, 23);
  const months = expand(monthField, 1, 12, MONTH_NAMES);
  const years = yearField === '*' ? undefined : expand(yearField, 1970, 2199);

  const next: Date[] = [];
  const start = wallClock(from, timeZone);
  for (let offset = 0; offset < SEARCH_DAYS && next.length < count; offset += 1) {
    const day = new Date(Date.UTC(start.year, start.month - 1, start.day + offset));
    const y = day.getUTCFullYear();
    const m = day.getUTCMonth() + 1;
    const d = day.getUTCDate();
    if (years && !years.has(y)) continue;
    if (!months.has(m)) continue;
    if (!matchesDayOfMonth(domField, y, m, d) || !matchesDayOfWeek(dowField, y, m, d)) continue;
    for (const h of [...hours].sort((a, b) => a - b)) {
      for (const mi of [...minutes].sort((a, b) => a - b)) {
        const when = zonedToUtc(y, m, d, h, mi, timeZone);
        if (when > from && next.length < count) next.push(when);
      }
    }
  }
  return { description: describeCron(minuteField, hourField, domField, monthField, dowField, timeZone), next };
}

function describeCron(minute: string, hour: string, dom: string, month: string, dow: string, timeZone: string): string {
  const time =
    /^\d+$/.test(minute) && /^\d+$/.test(hour)
      ? `at ${hour.padStart(2, '0')}:${minute.padStart(2, '0')} ${timeZone}`
      : `at minute ${minute} of hour ${hour} (${timeZone})`;
  const months = month === '*' ? '' : ` in month ${month}`;
  if (dow === '?' && /^\d+$/.test(dom)) return `monthly on day ${dom}${months}, ${time}`;
  if (dow === '?' && dom === 'L') return `on the last day of the month${months}, ${time}`;
  if (dom === '?' && dow === '*') return `daily${months}, ${time}`;
  if (dom === '?') return `on day-of-week ${dow} (1 = Sunday)${months}, ${time}`;
  return `on day-of-month ${dom}${months}, ${time}`;
}

function expand(field: string, min: number, max: number, names?: readonly string[]): Set<number> {
  const values = new Set<number>();
  if (field === '*' || field === '?') {
    for (let v = min; v <= max; v += 1) values.add(v);
    return values;
  }
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let low: number;
    let high: number;
    if (range === '*') {
      low = min;
      high = max;
    } else {
      const [a = '', b] = range.split('-');
      low = value(a, min, names);
      high = b === undefined ? (stepText === undefined ? low : max) : value(b, min, names);
    }
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return values;
}

function value(token: string, min: number, names?: readonly string[]): number {
  if (/^\d+$/.test(token)) return Number(token);
  const index = names?.indexOf(token.toUpperCase()) ?? -1;
  if (index < 0) throw new Error(`cannot read "${token}" in a cron field`);
  return index + min;
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function weekday(y: number, m: number, d: number): number {
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

function matchesDayOfMonth(field: string, y: number, m: number, d: number): boolean {
  if (field === '*' || field === '?') return true;
  const last = daysInMonth(y, m);
  if (field === 'L') return d === last;
  const lastMinus = /^L-(\d{1,2})$/.exec(field);
  if (lastMinus) return d === last - Number(lastMinus[1]);
  if (field === 'LW') return d === nearestWeekday(y, m, last);
  const nearest = /^(\d{1,2})W$/.exec(field);
  if (nearest) return d === nearestWeekday(y, m, Math.min(Number(nearest[1]), last));
  return expand(field, 1, 31).has(d);
}

/** The weekday nearest to day `target` without leaving the month (cron `W`). */
function nearestWeekday(y: number, m: number, target: number): number {
  const dow = weekday(y, m, target);
  if (dow === 6) return target === 1 ? 3 : target - 1;
  if (dow === 0) return target === daysInMonth(y, m) ? target - 2 : target + 1;
  return target;
}

function matchesDayOfWeek(field: string, y: number, m: number, d: number): boolean {
  if (field === '*' || field === '?') return true;
  const dow = weekday(y, m, d) + 1; // 1 = SUN
  const lastOf = /^([1-7]|[A-Za-z]{3})L$/.exec(field);
  if (lastOf) return dow === value(lastOf[1] ?? '', 1, DAY_NAMES) && d + 7 > daysInMonth(y, m);
  const nth = /^([1-7]|[A-Za-z]{3})#([1-5])$/.exec(field);
  if (nth) return dow === value(nth[1] ?? '', 1, DAY_NAMES) && Math.ceil(d / 7) === Number(nth[2]);
  return expand(field, 1, 7, DAY_NAMES).has(dow);
}

interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

function assertTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new Error(`unknown time zone "${timeZone}" (use an IANA name such as "America/New_York")`);
  }
}

function wallClock(instant: Date, timeZone: string): WallClock {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return { year: part('year'), month: part('month'), day: part('day'), hour: part('hour'), minute: part('minute') };
}

/** The UTC instant at which the wall clock in `timeZone` shows the given time (DST gaps move forward). */
export function zonedToUtc(y: number, m: number, d: number, h: number, mi: number, timeZone: string): Date {
  const wanted = Date.UTC(y, m - 1, d, h, mi);
  let guess = wanted;
  for (let i = 0; i < 3; i += 1) {
    const shown = wallClock(new Date(guess), timeZone);
    const shownMs = Date.UTC(shown.year, shown.month - 1, shown.day, shown.hour, shown.minute);
    if (shownMs === wanted) break;
    guess += wanted - shownMs;
  }
  return new Date(guess);
}
