import { secondsBetween } from '../common/clock';
import type { GameDayObservations, RunbookRunObservation } from './observations';

/** The milestones of a game day, in the order they should happen. */
export const MILESTONES = [
  'fault-injected',
  'alarm-raised',
  'first-runbook-action',
  'approval',
  'recovered',
  'verified',
  'failback',
  'baseline',
] as const;
export type MilestoneName = (typeof MILESTONES)[number];

export interface Milestone {
  readonly name: MilestoneName;
  /** When it happened; absent while it has not (yet). */
  readonly at?: string;
  /** Seconds since the fault was injected. */
  readonly sinceFaultSeconds?: number;
  /** Where the time comes from (`fis`, `cloudwatch`, an execution, the baseline check). */
  readonly source?: string;
  readonly detail?: string;
}

/** The real (not dry-run) failover that recovered the service, or the newest one tried. */
export function recoveringFailover(runs: readonly RunbookRunObservation[]): RunbookRunObservation | undefined {
  const real = runs.filter((r) => r.operation === 'failover' && !r.dryRun);
  return real.find((r) => r.status === 'SUCCEEDED') ?? real.at(-1);
}

/**
 * The run that recovered the service: the real failover, else (the recovery vault declared lost) a drill that
 * restored the isolated copy, the first that was verified or else the newest.
 */
export function recoveringRun(runs: readonly RunbookRunObservation[]): RunbookRunObservation | undefined {
  const failover = recoveringFailover(runs);
  if (failover) return failover;
  const drills = runs.filter((r) => r.operation === 'drill' && r.fromIsolatedCopy);
  return drills.find((r) => r.verifiedAt) ?? drills.at(-1);
}

export function completedFailback(runs: readonly RunbookRunObservation[]): RunbookRunObservation | undefined {
  return runs.find((r) => r.operation === 'failback' && !r.dryRun && r.status === 'SUCCEEDED');
}

/** Each milestone with its time and source, from what the sources said. */
export function buildTimeline(observations: GameDayObservations): Milestone[] {
  const { experiment, alarms, runs, baseline } = observations;
  const fault = experiment?.faultAt;
  const failover = recoveringRun(runs);
  const failback = completedFailback(runs);
  const firstRun = runs[0];
  const firstAlarm = fault
    ? alarms.filter((a) => a.at >= fault).sort((a, b) => a.at.localeCompare(b.at))[0]
    : undefined;
  const milestone = (name: MilestoneName, at: string | undefined, source?: string, detail?: string): Milestone => ({
    name,
    ...(at ? { at } : {}),
    ...(at && fault ? { sinceFaultSeconds: secondsBetween(fault, at) } : {}),
    ...(at && source ? { source } : {}),
    ...(at && detail ? { detail } : {}),
  });
  return [
    milestone(
      'fault-injected',
      fault,
      experiment ? (experiment.source ?? `fis:${experiment.id}`) : undefined,
      experiment?.state,
    ),
    milestone('alarm-raised', firstAlarm?.at, 'cloudwatch', firstAlarm?.name),
    milestone(
      'first-runbook-action',
      firstRun?.startedAt,
      firstRun?.executionArn,
      firstRun ? `${firstRun.dryRun ? 'plan' : firstRun.operation} by ${firstRun.startedBy ?? 'unknown'}` : undefined,
    ),
    milestone('approval', failover?.approvedAt, failover?.executionArn, failover?.approvedBy),
    milestone('recovered', failover?.availableAt, failover?.executionArn, failover?.database),
    failover?.operation === 'drill'
      ? milestone('verified', failover.verifiedAt, failover.executionArn, 'the isolated copy restored and validated')
      : milestone(
          'verified',
          failover?.status === 'SUCCEEDED' ? failover.stoppedAt : undefined,
          failover?.executionArn,
          'failover succeeded: pointers verified',
        ),
    milestone('failback', failback?.stoppedAt, failback?.executionArn, failback?.database),
    milestone('baseline', baseline?.ok ? baseline.at : undefined, `baseline:${baseline?.how ?? ''}`, baseline?.how),
  ];
}

/**
 * Fault injected → service verified on the recovered database; a game day without a failover recovers when the
 * environment is back at its baseline.
 */
export function timeToRecoverSeconds(timeline: readonly Milestone[]): number | undefined {
  const at = (name: MilestoneName) => timeline.find((m) => m.name === name)?.sinceFaultSeconds;
  return at('verified') ?? at('baseline');
}
