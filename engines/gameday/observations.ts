/**
 * What a game day's timeline is made of, read from each source by the AWS side (`lib/cli/gameday/`): the FIS
 * experiment, the alarms that fired, the failover and failback runs started since the game day began (the
 * runbook gateway recorded who started each; the evidence who approved it), the restore drills a person started
 * while the recovery vault was declared lost, and the baseline check.
 */
export type ExperimentState =
  'pending' | 'initiating' | 'running' | 'completed' | 'stopping' | 'stopped' | 'failed' | 'cancelled';

export const EXPERIMENT_DONE: readonly ExperimentState[] = ['completed', 'stopped', 'failed', 'cancelled'];

export interface ExperimentObservation {
  readonly id: string;
  /** Where the fault came from, when not an FIS experiment (a fault injected on one machine). @default fis:<id> */
  readonly source?: string;
  readonly state: ExperimentState;
  readonly reason?: string;
  /** The first action started: the fault is injected. */
  readonly faultAt?: string;
  readonly endedAt?: string;
}

export interface AlarmObservation {
  readonly name: string;
  /** The alarm entered ALARM. */
  readonly at: string;
}

export type RunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

export interface RunbookRunObservation {
  /** A drill appears once per database it restored (its evidence), or once while it has none yet. */
  readonly operation: 'failover' | 'failback' | 'drill';
  readonly executionArn: string;
  readonly name: string;
  readonly database?: string;
  readonly dryRun: boolean;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly stoppedAt?: string;
  /** Verified by the runbook gateway (the execution input). */
  readonly startedBy?: string;
  readonly approvedBy?: string;
  readonly approvedAt?: string;
  /** The recovered (failover) or returned (failback) database accepted connections. */
  readonly availableAt?: string;
  readonly achievedRpoSeconds?: number;
  /** A drill's restored database passed validation (its evidence's `validated` time). */
  readonly verifiedAt?: string;
  /** A drill restored the isolated vault's copy because the recovery vault was declared lost. */
  readonly fromIsolatedCopy?: boolean;
  readonly forcedReason?: string;
  /** States that failed and were run again by the state machine's retry. */
  readonly retries: readonly { readonly step: string; readonly failures: number }[];
  /** Steps a resumed run found done by an earlier one. */
  readonly resumedSteps: readonly string[];
  readonly evidenceLocation?: string;
  readonly evidenceResult?: 'passed' | 'failed';
}

export interface BaselineObservation {
  readonly at: string;
  readonly ok: boolean;
  /** What is not as before the game day, each with what to do. */
  readonly problems: readonly string[];
  /** How the baseline was established: `failback` (a failback run succeeded) or `original-topology`. */
  readonly how: 'failback' | 'original-topology';
}

export interface GameDayObservations {
  readonly experiment?: ExperimentObservation;
  readonly alarms: readonly AlarmObservation[];
  /** Oldest first. */
  readonly runs: readonly RunbookRunObservation[];
  readonly baseline?: BaselineObservation;
}
