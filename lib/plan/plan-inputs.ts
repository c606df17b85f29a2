import type { EvidenceDocument } from '../../engines/evidence/schema';
import { EnvironmentConfig } from '../config/environment-config';
import { ConformanceSummary } from './conformance-section';
import { SynthFacts } from './synth-facts';

/** Runbooks the plan links to when they exist (repository-relative paths). */
export const RUNBOOKS = {
  failover: 'docs/runbooks/failover.md',
  failback: 'docs/runbooks/failback.md',
  drill: 'docs/runbooks/restore-drill.md',
  breakGlass: 'docs/runbooks/break-glass.md',
} as const;

/** The newest evidence, or why none could be read. */
export type EvidenceSummary =
  | { readonly source: string; readonly documents: readonly EvidenceDocument[] }
  | { readonly source: string; readonly error: string };

export interface PlanInputs {
  readonly config: EnvironmentConfig;
  readonly toolVersion: string;
  /** Facts read from the synthesized stacks. Absent when the plan is generated during synthesis. */
  readonly facts?: SynthFacts;
  /** The drill calendar lists the next dates after this moment; absent: the schedule only (a deterministic plan version). */
  readonly now?: Date;
  /** Drill and failover evidence; absent: not consulted. */
  readonly evidence?: EvidenceSummary;
  /** Runbook files that exist, repository-relative (see RUNBOOKS). */
  readonly runbooks?: readonly string[];
  /** The instances' conformance as read now (`rxdr plan --conformance`); absent: no such section. */
  readonly conformance?: ConformanceSummary;
}
