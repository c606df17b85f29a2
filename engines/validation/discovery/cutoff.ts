import type { DescribedColumn } from './column-hash';

export interface ChosenCutoff {
  readonly column?: string;
  readonly reason: string;
}

const TIMESTAMP_TYPES = /^(timestamp|date)/;
/** Names that say when a row was written (not when it was last changed). */
const CREATION_NAME =
  /(^|_|[a-z])(created|inserted|recorded|occurred|submitted|reported|filled|counted|added|placed|logged|entered|issued|written)(_?at|_?on|_?time)?$/i;

/**
 * The column the manifest cut-off applies to: the configured one, else one inferred from a not-null
 * timestamp column named like a creation time, else none (every row is described).
 */
export function chooseCutoff(
  columns: readonly (DescribedColumn & { notNull?: boolean })[],
  configured: string | undefined,
): ChosenCutoff {
  if (configured === '') return { reason: 'configured: none (every row is described)' };
  if (configured !== undefined) {
    if (!columns.some((c) => c.name === configured))
      throw new Error(`configured cut-off column ${configured} does not exist`);
    return { column: configured, reason: `configured: ${configured}` };
  }
  const candidate = columns.find((c) => c.notNull && TIMESTAMP_TYPES.test(c.type) && CREATION_NAME.test(c.name));
  if (!candidate) return { reason: 'none found (no not-null creation timestamp): every row is described' };
  return {
    column: candidate.name,
    reason: `inferred: ${candidate.name} (not-null timestamp named like a creation time)`,
  };
}
