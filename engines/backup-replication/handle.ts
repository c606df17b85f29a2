import type { CfnResponse } from '../common/cloudformation-response';
import { FAILED_CREATE_PREFIX, physicalIdOf, ReplicationEvent, targetOf } from './cfn';
import {
  ReplicationClients,
  ReplicationOptions,
  startReplication,
  stopReplication,
  updateReplication,
} from './replication';

/** Clients for a source and a destination region (the handler caches one set per region pair). */
export type ClientsFor = (sourceRegion: string, destinationRegion: string) => ReplicationClients;

/**
 * Turn a parsed custom-resource event into the replication change and the answer for CloudFormation.
 * Errors propagate; the handler reports them as FAILED.
 */
export async function handleEvent(
  event: ReplicationEvent,
  clientsFor: ClientsFor,
  options: ReplicationOptions = {},
): Promise<CfnResponse> {
  const target = targetOf(event.ResourceProperties);
  const clients = clientsFor(target.sourceDbInstanceArn.split(':')[3] ?? '', target.destinationRegion);
  switch (event.RequestType) {
    case 'Create': {
      const result = await startReplication(clients, target, options);
      return {
        Status: 'SUCCESS',
        PhysicalResourceId: physicalIdOf(target),
        Data: dataOf(result.replicatedBackupsArn, result.started),
      };
    }
    case 'Update': {
      const previous = targetOf(event.OldResourceProperties);
      const result = await updateReplication(clients, previous, target, options);
      return {
        Status: 'SUCCESS',
        PhysicalResourceId: physicalIdOf(target),
        Data: dataOf(result.replicatedBackupsArn, result.started),
      };
    }
    case 'Delete': {
      if (!event.PhysicalResourceId.startsWith(FAILED_CREATE_PREFIX)) await stopReplication(clients, target, options);
      return { Status: 'SUCCESS', PhysicalResourceId: event.PhysicalResourceId };
    }
  }
}

function dataOf(arn: string | undefined, started: boolean): Record<string, string> {
  return { DBInstanceAutomatedBackupsArn: arn ?? '', Started: String(started) };
}
