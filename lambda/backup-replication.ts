import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import type { Context } from 'aws-lambda';
import { powertoolsLogger } from '../engines/common/logger';
import { answerCloudFormation } from '../engines/backup-replication/custom-resource';
import { ReplicationClients } from '../engines/backup-replication/replication';

const logger = powertoolsLogger('rxdr-backup-replication');
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

/** The `Custom::RdsAutomatedBackupReplication` provider: always answers CloudFormation (see the engine). */
export async function handler(raw: unknown, context: Context): Promise<void> {
  await answerCloudFormation(raw, context.awsRequestId, clientsFor, logger);
}
