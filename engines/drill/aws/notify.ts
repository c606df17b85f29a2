import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { TransientAwsError } from './errors';
import { isTransientAwsError } from '../../common/aws-errors';
import { DrillOutcome, notifyEventSchema, parseEvent } from './types';

export interface RunSummary {
  readonly runId: string;
  readonly passed: number;
  readonly failed: number;
  /** One line: which databases failed and why (the execution's failure cause). */
  readonly reason: string;
}

/** Notify: one SNS message per run, pass/fail per database with RTO and RPO against the targets. */
export async function notifyTask(event: unknown, deps: { sns: SNSClient; topicArn: string }): Promise<RunSummary> {
  const { runId, environment, startedBy, outcomes } = parseEvent(notifyEventSchema, event, 'notify event');
  const failed = outcomes.filter((o) => o.result === 'failed');
  const reason =
    failed.length === 0
      ? `all ${outcomes.length} drill(s) passed`
      : `${failed.length} of ${outcomes.length} drill(s) failed: ${failed.map((o) => `${o.database}: ${o.failureReason ?? 'failed'}`).join(' || ')}`.slice(
          0,
          30000,
        );
  const subject = `rxdr ${environment} restore drill ${failed.length === 0 ? 'PASSED' : 'FAILED'}: ${outcomes.length - failed.length}/${outcomes.length} passed`;
  const lines = [
    `Restore drill ${runId} (${environment}), started by ${startedBy}.`,
    '',
    ...outcomes.map(line),
    '',
    'Evidence: one JSON document per database (locations above). Runbook: docs/runbooks/restore-drill.md',
  ];
  try {
    await deps.sns.send(
      new PublishCommand({ TopicArn: deps.topicArn, Subject: subject.slice(0, 100), Message: lines.join('\n') }),
    );
  } catch (error) {
    if (isTransientAwsError(error)) throw new TransientAwsError('Notify', error);
    throw error;
  }
  return { runId, passed: outcomes.length - failed.length, failed: failed.length, reason: reason.slice(0, 32000) };
}

function line(o: DrillOutcome): string {
  const vs = (achieved: number | undefined, target: number) =>
    achieved === undefined
      ? `n/a (target ${target} s)`
      : `${achieved} s (target ${target} s${achieved > target ? ', MISSED' : ''})`;
  const head =
    `${o.result === 'passed' ? 'PASS' : 'FAIL'}  ${o.database} [${o.tierName}]  RTO ` +
    `${vs(o.achievedRtoSeconds, o.targets.rtoSeconds)}  RPO ` +
    `${vs(o.achievedRpoSeconds, o.targets.rpoSeconds)}  cleanup ${o.cleanup}`;
  return [
    head,
    o.failureReason ? `      reason: ${o.failureReason}` : '',
    o.evidence ? `      evidence: ${o.evidence}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}
