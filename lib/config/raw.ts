/**
 * Reads of raw (not yet validated) configuration in cross-field checks, which run even when fields are invalid
 * so that one run lists every problem.
 */
export type Problem = (path: (string | number)[], message: string) => void;

export function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
