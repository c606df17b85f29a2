import type { Manifest, TableManifest } from '../manifest-schema';
import type { CheckSuite } from '../types';

/** Aggregates a check needs from the single shared pass over one table. */
export interface PassContribution {
  readonly schema: string;
  readonly table: string;
  /** alias -> aggregate SQL over `t` (the table); $1 is the cut-off, $2 the recovery point time. */
  readonly select: Record<string, string>;
}

export type PassRow = Record<string, unknown>;

export interface CheckContext {
  readonly manifest: Manifest;
  readonly cutoff: Date;
  readonly recoveryPointTime: Date;
  readonly rpoTargetSeconds: number;
  /** The shared pass over a table (rejects when the table cannot be read). */
  pass(schema: string, table: string): Promise<PassRow>;
  /**
   * Run a read-only query on a pooled connection. `isolated`: in its own READ ONLY transaction with the
   * extended protocol (one statement only), for SQL that does not come from rxdr.
   */
  query<R extends Record<string, unknown>>(sql: string, params?: unknown[], mode?: 'isolated'): Promise<R[]>;
  table(schema: string, table: string): TableManifest | undefined;
}

export interface CheckOutcome {
  readonly passed: boolean;
  readonly measured: Record<string, unknown>;
  readonly offendingKeys: string[];
}

export interface CheckDefinition {
  readonly name: string;
  readonly suite: CheckSuite;
  readonly description: string;
  /** Whether the check applies to this manifest (pharmacy checks need the pharmacy section). */
  applies?(manifest: Manifest): boolean;
  passes?(manifest: Manifest): PassContribution[];
  run(context: CheckContext): Promise<CheckOutcome>;
}

export const MAX_KEYS = 5;

/** Numbers from PostgreSQL bigint/numeric text. */
export function num(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}

export function keysOf(value: unknown, prefix: string, limit = MAX_KEYS): string[] {
  if (!Array.isArray(value)) return [];
  return (value as unknown[])
    .map((v) => Number(v))
    .sort((a, b) => a - b)
    .slice(0, limit)
    .map((k) => `${prefix}${k}`);
}
