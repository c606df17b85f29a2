/**
 * Pure checks behind the RDS-protection config fields (VPC CIDRs, log retention, maintenance and backup
 * windows). Each returns a problem description without the received value (the schema adds it), or
 * undefined when the value is fine.
 */

/** Retention values CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const DEFAULT_MAINTENANCE_WINDOW = 'sun:06:00-sun:06:30';
export const DEFAULT_BACKUP_WINDOW = '04:00-04:30';

const PRIVATE_RANGES: readonly [string, number][] = [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
];

/** A VPC CIDR must be an aligned private (RFC 1918) IPv4 block from /16 to /24. */
export function cidrProblem(cidr: string): string | undefined {
  const parsed = parseCidr(cidr);
  if (!parsed) return 'must be an IPv4 CIDR block such as "10.80.0.0/16"';
  if (parsed.prefix < 16 || parsed.prefix > 24)
    return `the prefix must be /16 to /24 (room for a subnet per availability zone), found /${parsed.prefix}`;
  if ((parsed.address & ~maskOf(parsed.prefix)) >>> 0 !== 0)
    return `host bits are set; the block starts at ${formatAddress((parsed.address & maskOf(parsed.prefix)) >>> 0)}/${parsed.prefix}`;
  const isPrivate = PRIVATE_RANGES.some(([base, prefix]) => inBlock(parsed.address, toAddress(base) ?? 0, prefix));
  if (!isPrivate) return 'must be a private (RFC 1918) range: 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16';
  return undefined;
}

/** Whether two valid CIDR blocks share any address. */
export function overlappingCidrs(a: string, b: string): boolean {
  const first = parseCidr(a);
  const second = parseCidr(b);
  if (!first || !second) return false;
  const prefix = Math.min(first.prefix, second.prefix);
  return inBlock(first.address, second.address, prefix);
}

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

/** `ddd:hh:mm-ddd:hh:mm` (UTC), at least 30 minutes (RDS rules). */
export function maintenanceWindowProblem(window: string): string | undefined {
  const interval = parseMaintenanceWindow(window);
  if (!interval) return 'must look like "sun:06:00-sun:06:30" (ddd:hh:mm-ddd:hh:mm, UTC)';
  if (interval.length < 30) return `must be at least 30 minutes long, found ${interval.length}`;
  return undefined;
}

/** `hh:mm-hh:mm` (UTC), at least 30 minutes (RDS rules). */
export function backupWindowProblem(window: string): string | undefined {
  const interval = parseBackupWindow(window);
  if (!interval) return 'must look like "04:00-04:30" (hh:mm-hh:mm, UTC)';
  if (interval.length < 30) return `must be at least 30 minutes long, found ${interval.length}`;
  return undefined;
}

/** Whether a weekly maintenance window and a daily backup window (both valid) overlap; RDS rejects that. */
export function windowsOverlap(maintenanceWindow: string, backupWindow: string): boolean {
  const maintenance = parseMaintenanceWindow(maintenanceWindow);
  const backup = parseBackupWindow(backupWindow);
  if (!maintenance || !backup) return false;
  for (let day = 0; day < 7; day += 1) {
    if (
      intersects(
        maintenance.start,
        maintenance.length,
        day * MINUTES_PER_DAY + backup.start,
        backup.length,
        MINUTES_PER_WEEK,
      )
    )
      return true;
  }
  return false;
}

interface Interval {
  /** Minutes from the start of the period (week or day). */
  readonly start: number;
  readonly length: number;
}

function parseMaintenanceWindow(window: string): Interval | undefined {
  const match = /^(mon|tue|wed|thu|fri|sat|sun):(\d{2}):(\d{2})-(mon|tue|wed|thu|fri|sat|sun):(\d{2}):(\d{2})$/.exec(
    window,
  );
  if (!match) return undefined;
  const [, startDay, startHour, startMinute, endDay, endHour, endMinute] = match;
  const start = minuteOfWeek(startDay, startHour, startMinute);
  const end = minuteOfWeek(endDay, endHour, endMinute);
  if (start === undefined || end === undefined) return undefined;
  return { start, length: (end - start + MINUTES_PER_WEEK) % MINUTES_PER_WEEK };
}

function parseBackupWindow(window: string): Interval | undefined {
  const match = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(window);
  if (!match) return undefined;
  const start = minuteOfDay(match[1], match[2]);
  const end = minuteOfDay(match[3], match[4]);
  if (start === undefined || end === undefined) return undefined;
  return { start, length: (end - start + MINUTES_PER_DAY) % MINUTES_PER_DAY };
}

function minuteOfWeek(
  day: string | undefined,
  hour: string | undefined,
  minute: string | undefined,
): number | undefined {
  const dayIndex = DAYS.indexOf((day ?? '') as (typeof DAYS)[number]);
  const ofDay = minuteOfDay(hour, minute);
  return dayIndex < 0 || ofDay === undefined ? undefined : dayIndex * MINUTES_PER_DAY + ofDay;
}

function minuteOfDay(hour: string | undefined, minute: string | undefined): number | undefined {
  const h = Number(hour);
  const m = Number(minute);
  if (!Number.isInteger(h) || !Number.isInteger(m) || h > 23 || m > 59) return undefined;
  return h * 60 + m;
}

/** Do [a, a+aLength) and [b, b+bLength) intersect on a circle of `period` minutes? */
function intersects(a: number, aLength: number, b: number, bLength: number, period: number): boolean {
  const offset = (b - a + period) % period;
  const back = (a - b + period) % period;
  return offset < aLength || back < bLength;
}

function parseCidr(cidr: string): { address: number; prefix: number } | undefined {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr);
  if (!match) return undefined;
  const address = toAddress(match[1] ?? '');
  const prefix = Number(match[2]);
  if (address === undefined || prefix > 32) return undefined;
  return { address, prefix };
}

function toAddress(text: string): number | undefined {
  const octets = text.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return undefined;
  return octets.reduce((acc, octet) => ((acc << 8) | octet) >>> 0, 0);
}

function formatAddress(address: number): string {
  return [24, 16, 8, 0].map((shift) => (address >>> shift) & 255).join('.');
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function inBlock(address: number, base: number, prefix: number): boolean {
  const mask = maskOf(prefix);
  return (address & mask) >>> 0 === (base & mask) >>> 0;
}
