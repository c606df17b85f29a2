import { PutRestoreValidationResultCommand } from '@aws-sdk/client-backup';
import type { BackupClient } from '@aws-sdk/client-backup';
import type { EvidenceCheck, EvidenceDocument } from '../../evidence/schema';
import { parseEvidence } from '../../evidence/schema';
import type { EvidenceStore } from '../../evidence/store';
import type { Clock } from '../../common/clock';
import { drillEvidence } from '../evidence';
import type { DrillState } from '../steps';
import { errorName, TransientAwsError } from './errors';
import { predictionSkippedCheck } from './fit';
import { isTransientAwsError } from '../../common/aws-errors';
import { describeCrash, parseItem } from './tasks';
import type { DrillOutcome } from './types';
import { DRILL_METRICS, drillDatabaseDimensions } from '../../common/metrics-contract';

/** Where per-database figures go (Powertools Metrics in Lambda, an array in tests). */
export interface MetricsSink {
  publish(
    dimensions: Readonly<Record<string, string>>,
    values: Readonly<Record<string, { value: number; unit: 'Seconds' | 'Count' }>>,
  ): void;
}

export interface RecordDeps {
  readonly backup: BackupClient;
  readonly store: EvidenceStore;
  readonly metrics: MetricsSink;
  readonly clock: Clock;
}

/** Evidence is written but not kept: the task fails with this (not retried) and the run fails. */
export class EvidenceNotRecordedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Rxdr.EvidenceNotRecorded';
  }
}

/**
 * RecordEvidence: the evidence document (S3, Object Lock bucket), CloudWatch metrics for RTO, RPO and
 * pass/fail, and `PutRestoreValidationResult` when an AWS Backup restore job did the restore. Idempotent:
 * a retried task finds its document already written (the store's `put` treats this run's own earlier write as
 * done) and reports the same outcome.
 */
export async function recordEvidenceTask(event: unknown, deps: RecordDeps): Promise<DrillOutcome> {
  const item = parseItem(event);
  let state: DrillState = item.drill;
  if (item.crash) {
    // Cleanup itself crashed: whatever it had not confirmed is not proven deleted.
    const message = `cleanup step failed: ${describeCrash(item.crash)}`;
    const now = deps.clock.now().toISOString();
    const cleanup = state.cleanup ?? { requestedAt: now, polls: 0, nextPollSeconds: 0, status: 'failed' as const };
    state =
      cleanup.status === 'deleted'
        ? state
        : { ...state, cleanup: { ...cleanup, status: 'failed', finishedAt: now, message } };
  }
  let doc: EvidenceDocument = { ...drillEvidence(state, 'aws', deps.clock.now()), tierName: item.database.tierName };
  const skipped = item.expect.predictionSkipped;
  if (skipped) doc = { ...doc, checks: [...doc.checks, predictionSkippedCheck(skipped)] };

  const restoreJobId = state.restore?.handle.details.restoreJobId;
  if (restoreJobId) doc = await reportToBackup(doc, restoreJobId, deps.backup);

  let location: string;
  try {
    location = await deps.store.put(parseEvidence(doc));
  } catch (error) {
    if (isTransientAwsError(error)) throw new TransientAwsError('RecordEvidence', error);
    throw new EvidenceNotRecordedError(
      `evidence for ${doc.database} could not be written: ${errorName(error)}: ${(error as Error).message}`,
    );
  }

  deps.metrics.publish(drillDatabaseDimensions(doc.environment, doc.database), {
    [DRILL_METRICS.drillPassed]: { value: doc.result === 'passed' ? 1 : 0, unit: 'Count' },
    [DRILL_METRICS.drillFailed]: { value: doc.result === 'failed' ? 1 : 0, unit: 'Count' },
    ...(doc.achievedRtoSeconds !== undefined
      ? { [DRILL_METRICS.achievedRtoSeconds]: { value: doc.achievedRtoSeconds, unit: 'Seconds' as const } }
      : {}),
    ...(doc.achievedRpoSeconds !== undefined
      ? { [DRILL_METRICS.achievedRpoSeconds]: { value: doc.achievedRpoSeconds, unit: 'Seconds' as const } }
      : {}),
  });

  return {
    database: doc.database,
    tierName: item.database.tierName,
    result: doc.result,
    ...(doc.failureReason ? { failureReason: doc.failureReason.slice(0, 1000) } : {}),
    ...(doc.achievedRtoSeconds !== undefined ? { achievedRtoSeconds: doc.achievedRtoSeconds } : {}),
    ...(doc.achievedRpoSeconds !== undefined ? { achievedRpoSeconds: doc.achievedRpoSeconds } : {}),
    targets: doc.targets,
    cleanup: doc.cleanup.status,
    evidence: location,
  };
}

/** Tell AWS Backup how the restore test went; a refusal fails the drill (the evidence says why). */
async function reportToBackup(
  doc: EvidenceDocument,
  restoreJobId: string,
  backup: BackupClient,
): Promise<EvidenceDocument> {
  const passed = doc.result === 'passed';
  let check: EvidenceCheck;
  try {
    await backup.send(
      new PutRestoreValidationResultCommand({
        RestoreJobId: restoreJobId,
        ValidationStatus: passed ? 'SUCCESSFUL' : 'FAILED',
        ValidationStatusMessage: (passed
          ? `rxdr drill ${doc.runId}: all checks passed`
          : `rxdr drill ${doc.runId}: ${doc.failureReason ?? 'failed'}`
        ).slice(0, 1000),
      }),
    );
    check = {
      id: 'drill.backup-validation-reported',
      category: 'drill',
      status: 'passed',
      message: `validation result ${passed ? 'SUCCESSFUL' : 'FAILED'} reported on restore job ${restoreJobId}`,
    };
  } catch (error) {
    if (isTransientAwsError(error)) throw new TransientAwsError('RecordEvidence', error);
    check = {
      id: 'drill.backup-validation-reported',
      category: 'drill',
      status: 'failed',
      message: `PutRestoreValidationResult on restore job ${restoreJobId} failed: ${errorName(error)}: ${(error as Error).message}`,
    };
    return {
      ...doc,
      result: 'failed',
      failureReason: [doc.failureReason, check.message].filter(Boolean).join(' | '),
      failedStep: doc.failedStep ?? 'record-evidence',
      checks: [...doc.checks, check],
    };
  }
  return { ...doc, checks: [...doc.checks, check] };
}
