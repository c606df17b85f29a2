/**
 * Which tables a manifest describes. By default every user table of the database (all schemas but the
 * system ones, and no table an extension owns); `schemas` narrows that to some schemas, `include` and
 * `exclude` to tables matching `schema.table` patterns (`*` matches any run of characters).
 */
export interface TableSelection {
  /** @default - every non-system schema */
  readonly schemas?: readonly string[];
  /** `schema.table` patterns; a table must match one. @default - every table */
  readonly include?: readonly string[];
  /** `schema.table` patterns; a matching table is left out. @default - none */
  readonly exclude?: readonly string[];
  /** `schema.table` -> the timestamp column the cut-off applies to (overrides inference; `''`: none). */
  readonly cutoffColumns?: Readonly<Record<string, string>>;
}

function patternRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'u');
}

export function matchesAny(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => patternRegExp(p).test(name));
}

/** Why a table is left out, or undefined when the selection keeps it. */
export function exclusionReason(schema: string, table: string, selection: TableSelection): string | undefined {
  const name = `${schema}.${table}`;
  if (selection.schemas?.length && !selection.schemas.includes(schema))
    return `schema ${schema} not in --schema ${selection.schemas.join(',')}`;
  if (selection.include?.length && !matchesAny(name, selection.include))
    return `matches no --include ${selection.include.join(',')}`;
  if (selection.exclude?.length && matchesAny(name, selection.exclude)) return 'matches --exclude';
  return undefined;
}
