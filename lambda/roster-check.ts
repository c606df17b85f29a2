import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { S3PeopleStore } from '../engines/readiness/people-store';
import { checkRoster, RosterCheckEvent } from '../engines/readiness/roster-check';

/* Thin adapter: clients and logger once per container; the logic is `checkRoster` (engines/readiness). */
const clientConfig = { maxAttempts: 3, requestHandler: { requestTimeout: 10_000, connectionTimeout: 3_000 } };
const s3 = new S3Client(clientConfig);
const sns = new SNSClient(clientConfig);
const logger = new Logger({ serviceName: 'rxdr-roster-check' });

export async function handler(event: unknown): Promise<{ overdue: number; untrained: number; notified: boolean }> {
  const request = RosterCheckEvent.parse(event);
  const bucket = process.env.EVIDENCE_BUCKET;
  if (!bucket) throw new Error('EVIDENCE_BUCKET is not set');
  const result = await checkRoster(request, { people: new S3PeopleStore(s3, bucket), sns, now: new Date() });
  logger.info('roster checked', { overdue: result.report.overdue, untrained: result.report.untrained });
  // Fail the invocation so the function's errors show it: an unreadable record may hide a current person.
  if (result.unreadable.length > 0) throw new Error(`people records unreadable: ${result.unreadable.join('; ')}`);
  return {
    overdue: result.report.overdue.length,
    untrained: result.report.untrained.length,
    notified: result.notified,
  };
}
