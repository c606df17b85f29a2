import type { EngineLogger } from '../common/logger';
import { eventSchema, FAILED_CREATE_PREFIX, reasonOf, replyToSchema, sendResponse } from './cfn';
import { ClientsFor, handleEvent } from './handle';

/**
 * Custom resource `Custom::RdsAutomatedBackupReplication`: CloudFormation has no resource for
 * StartDBInstanceAutomatedBackupsReplication. Always answers CloudFormation, also when the event does not
 * parse, so a stack never waits an hour for a timeout.
 */
export async function answerCloudFormation(
  raw: unknown,
  requestId: string,
  clientsFor: ClientsFor,
  logger: EngineLogger,
): Promise<void> {
  const replyTo = replyToSchema.safeParse(raw);
  if (!replyTo.success) {
    logger.error('not a CloudFormation custom-resource event; nothing to answer', {
      issues: replyTo.error.issues.map((i) => i.message),
    });
    return;
  }
  const event = eventSchema.safeParse(raw);
  const fallbackId = replyTo.data.PhysicalResourceId ?? `${FAILED_CREATE_PREFIX}${requestId}`;
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
