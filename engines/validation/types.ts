/**
 * Public types of the restore-validation engine. Other parts of rxdr (local drill, AWS drill/failover
 * workflows) build on these: keep them stable, add fields rather than change them.
 */
import { systemClock, type Clock as FullClock } from '../common/clock';

/** The three check suites. */
export type CheckSuite = 'generic' | 'pharmacy' | 'custom';

/** The engine only reads the time (tests and drills control "now"); the one clock is `engines/common/clock`. */
export type Clock = Pick<FullClock, 'now'>;
export { systemClock };

export { silentLogger } from '../common/logger';
export type { EngineLogger } from '../common/logger';

/** A table the manifest describes and the generic checks compare. */
export interface TableSpec {
  readonly schema: string;
  readonly table: string;
  /**
   * An integer column that identifies a row (reported as the offending key; its ranges are the buckets).
   * @default - the first column of `keyColumns` when it is an integer, else buckets by key hash (or none)
   */
  readonly keyColumn?: string;
  /** The columns that identify a row. @default - `[keyColumn]`, or none: the table is checksummed whole */
  readonly keyColumns?: readonly string[];
  /**
   * The timestamp column the manifest cut-off applies to: only rows with `cutoffColumn <= cutoff` are
   * counted and hashed, so rows written after the manifest (a drill keeps writing) change nothing.
   * @default - every row is described
   */
  readonly cutoffColumn?: string;
  /** Why the key and cut-off column are these (recorded in the manifest). */
  readonly chosen?: { readonly key: string; readonly cutoff: string };
}

/** A timestamp column whose newest value measures how recent the restored data is. */
export interface FreshnessColumn {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
}

/** An adopter's own assertion, run read-only with the statement timeout. */
export interface CustomCheck {
  /** Reported as `custom:<name>`; letters, digits, `-`, `_`, `.`. */
  readonly name: string;
  readonly description?: string;
  /** One SQL statement (no `;`-separated lists). */
  readonly sql: string;
  /**
   * `no-rows`: the query must return no rows (the first column of up to five returned rows is reported
   * as the offending keys, so select keys, never patient data). `true`: the query returns one row whose
   * first column must be boolean `true`.
   */
  readonly expect: 'no-rows' | 'true';
}

/** The outcome of one check. */
export interface CheckResult {
  readonly name: string;
  readonly suite: CheckSuite;
  readonly passed: boolean;
  /** What the check measured (counts, differences, times): numbers and identifiers, never patient data. */
  readonly measured: Record<string, unknown>;
  /** Up to a few keys (`table:key` or key ranges) of offending rows. Never data values. */
  readonly offendingKeys: string[];
  readonly durationMs: number;
  /** Set when the check could not run (timeout, missing table, SQL error); the check then fails. */
  readonly error?: string;
}

export interface ValidationReport {
  readonly passed: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  /** The time the database was restored to; freshness and the audit head are measured against it. */
  readonly recoveryPointTime: string;
  readonly manifestCutoff: string;
  /**
   * Recovery point time minus the newest value of the configured freshness columns, in seconds
   * (null when the freshness check did not run or found no rows).
   */
  readonly achievedRpoSeconds: number | null;
  readonly checks: CheckResult[];
  /**
   * Present when the validation ran in chunks: how many were planned and how many connections ran them, and
   * the chunks whose count or checksum differ from the manifest (their key ranges).
   */
  readonly chunks?: { readonly planned: number; readonly parallel: number; readonly mismatched: string[] };
}

/** Progress events for long runs (the CLI prints them on stderr). */
export type ProgressEvent =
  | { readonly kind: 'check-started'; readonly name: string }
  | { readonly kind: 'check-finished'; readonly name: string; readonly passed: boolean; readonly durationMs: number }
  | { readonly kind: 'seed'; readonly table: string; readonly rows: number }
  | { readonly kind: 'manifest-table'; readonly table: string; readonly rows: number };
