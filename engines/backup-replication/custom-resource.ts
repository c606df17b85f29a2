import { answerCloudFormation as answer } from '../common/cloudformation-response';
import type { EngineLogger } from '../common/logger';
import { eventSchema, FAILED_CREATE_PREFIX } from './cfn';
import { ClientsFor, handleEvent } from './handle';

/**
 * Custom resource `Custom::RdsAutomatedBackupReplication`: CloudFormation has no resource for
 * StartDBInstanceAutomatedBackupsReplication.
 */
export async function answerCloudFormation(
  raw: unknown,
  requestId: string,
  clientsFor: ClientsFor,
  logger: EngineLogger,
): Promise<void> {
  await answer(
    raw,
    {
      schema: eventSchema,
      handle: (event) => handleEvent(event, clientsFor),
      failedCreateId: `${FAILED_CREATE_PREFIX}${requestId}`,
    },
    logger,
  );
}
