import { Logger } from '@aws-lambda-powertools/logger';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import type { Context } from 'aws-lambda';
import {
  eventSchema,
  FAILED_CREATE_PREFIX,
  reasonOf,
  replyToSchema,
  sendResponse,
} from '../engines/backup-replication/cfn';
import { handleEvent } from '../engines/backup-replication/handle';
import { ReplicationClients } from '../engines/backup-replication/replication';

const logger = new Logger({ serviceName: 'rxdr-backup-replication' });
const clients = new Map<string, ReplicationClients>();

/** One set of clients per source/destination pair, created once per container. */
function clientsFor(sourceRegion: string, destinationRegion: string): ReplicationClients {
  const key = `${sourceRegion}>${destinationRegion}`;
  let found = clients.get(key);
  if (!found) {
    found = {
      source: new RDSClient({ region: sourceRegion, maxAttempts: 5 }),
      destination: new RDSClient({ region: destinationRegion, maxAttempts: 5 }),
      kms: new KMSClient({ region: destinationRegion, maxAttempts: 5 }),
    };
    clients.set(key, found);
  }
  return found;
}

/**
 * Custom resource `Custom::RdsAutomatedBackupReplication`: CloudFormation has no resource for
 * StartDBInstanceAutomatedBackupsReplication. Always answers CloudFormation, also when the event does not
 * parse, so a stack never waits an hour for a timeout.
 */
export async function handler(raw: unknown, context: Context): Promise<void> {
  const replyTo = replyToSchema.safeParse(raw);
  if (!replyTo.success) {
    logger.error('not a CloudFormation custom-resource event; nothing to answer', {
      issues: replyTo.error.issues.map((i) => i.message),
    });
    return;
  }
  const event = eventSchema.safeParse(raw);
  const fallbackId = replyTo.data.PhysicalResourceId ?? `${FAILED_CREATE_PREFIX}${context.awsRequestId}`;
  if (!event.success) {
    const reason = `invalid properties: ${event.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`;
    logger.error('rejected event', { reason });
    await sendResponse(replyTo.data, { Status: 'FAILED', Reason: reason, PhysicalResourceId: fallbackId });
    return;
  }
  logger.info('request', { requestType: event.data.RequestType, properties: event.data.ResourceProperties });
  try {
    const response = await handleEvent(event.data, clientsFor);
    logger.info('done', { response });
    await sendResponse(replyTo.data, response);
  } catch (error) {
    logger.error('failed', { error: reasonOf(error) });
    await sendResponse(replyTo.data, { Status: 'FAILED', Reason: reasonOf(error), PhysicalResourceId: fallbackId });
  }
}
