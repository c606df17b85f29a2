import { decideOutcome } from '../evidence/outcome';
import { buildEvidence, EvidenceDocument } from '../evidence/schema';
import { secondsBetween } from '../common/clock';
import type { DrillState } from './steps';

/**
 * The evidence document of a finished drill (after cleanup, so it records whether cleanup worked).
 * Achieved RTO runs from the disaster (local) or restore start (AWS) to validated.
 */
export function drillEvidence(
  state: DrillState,
  provider: string,
  recordedAt: Date,
  metrics?: Record<string, number>,
): EvidenceDocument {
  const { input } = state;
  const rtoFrom = input.disasterAt ?? state.restore?.startedAt;
  const achievedRtoSeconds = rtoFrom && state.validation ? secondsBetween(rtoFrom, state.validation.at) : undefined;
  const achievedRpoSeconds = state.validation?.achievedRpoSeconds;
  const outcome = decideOutcome({
    targets: input.targets,
    achievedRtoSeconds,
    achievedRpoSeconds,
    validation: state.validation,
    failure: state.failure,
  });
  let result = outcome.result;
  let failureReason = outcome.failureReason;
  let failedStep = outcome.failedStep;
  if (state.cleanup?.status === 'failed') {
    // A drill that leaves a restored copy of patient data behind has failed, whatever validation said.
    result = 'failed';
    failureReason = [failureReason, `cleanup failed: ${state.cleanup.message ?? 'unknown reason'}`]
      .filter(Boolean)
      .join(' | ');
    failedStep ??= 'cleanup';
  }
  return buildEvidence({
    runId: input.drillId,
    kind: 'drill',
    environment: input.environment,
    provider,
    database: input.database,
    tier: input.tier,
    targets: input.targets,
    source: state.source && { ...state.source },
    target: state.available?.target,
    timestamps: {
      started: state.startedAt,
      disaster: input.disasterAt,
      restoreStarted: state.restore?.startedAt,
      available: state.available?.at,
      validated: state.validation?.at,
      cleanedUp: state.cleanup?.finishedAt,
      recorded: recordedAt.toISOString(),
    },
    achievedRtoSeconds,
    achievedRpoSeconds,
    result,
    failureReason,
    failedStep,
    checks: outcome.checks,
    cleanup: {
      status: cleanupStatus(state),
      message: state.cleanup?.message,
      resources: state.restore ? [state.restore.handle.id] : [],
    },
    startedBy: input.startedBy,
    toolVersion: input.toolVersion,
    metrics,
  });
}

function cleanupStatus(state: DrillState): 'deleted' | 'kept' | 'failed' | 'not-needed' {
  const status = state.cleanup?.status;
  if (!status) return state.restore ? 'failed' : 'not-needed';
  // 'deleting' here means the run stopped confirming (e.g. aborted): not proven deleted.
  return status === 'deleting' ? 'failed' : status;
}
