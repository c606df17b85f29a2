/** Seconds in the unit a person reads best. */
export function secs(value: number | undefined): string {
  if (value === undefined) return 'n/a';
  if (value < 60) return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} s`;
  if (value < 3600) return `${(value / 60).toFixed(1)} min`;
  return `${(value / 3600).toFixed(1)} h`;
}

/** `2026-10-01 06:00` from an ISO time (UTC). */
export function shortTime(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Oct` (UTC), the same in every locale. */
export function monthShort(date: Date): string {
  return MONTHS[date.getUTCMonth()] ?? '';
}

/** `Oct 2026` (UTC). */
export function monthYear(date: Date): string {
  return `${monthShort(date)} ${date.getUTCFullYear()}`;
}

/** `1 Oct 2026` (UTC). */
export function day(iso: string): string {
  const date = new Date(iso);
  return `${date.getUTCDate()} ${monthYear(date)}`;
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `1,031` */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** `1 table` / `12 tables` */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}
