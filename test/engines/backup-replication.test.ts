import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  DBInstanceNotFoundFault,
  DescribeDBInstancesCommand,
  RDSClient,
  StartDBInstanceAutomatedBackupsReplicationCommand,
  StopDBInstanceAutomatedBackupsReplicationCommand,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { FAILED_CREATE_PREFIX, eventSchema } from '../../engines/backup-replication/cfn';
import { reasonOf, sendResponse } from '../../engines/common/cloudformation-response';
import { handleEvent } from '../../engines/backup-replication/handle';
import {
  ReplicationTarget,
  startReplication,
  stopReplication,
  updateReplication,
} from '../../engines/backup-replication/replication';
import { withThrottlingRetry } from '../../engines/backup-replication/retry';
import { isThrottlingError as isThrottling } from '../../engines/common/aws-errors';

const SOURCE_ARN = 'arn:aws:rds:us-east-1:111111111111:db:rxdr-dev-dispensing';
const ALIAS_ARN = 'arn:aws:kms:us-west-2:111111111111:alias/rxdr-dev-recovery';
const KEY_ARN = 'arn:aws:kms:us-west-2:111111111111:key/0b7c6f7e-1111-2222-3333-444455556666';
const REPLICATED_ARN = 'arn:aws:rds:us-west-2:111111111111:auto-backup:ab-abcdefghijklmnop';
const target: ReplicationTarget = {
  sourceDbInstanceArn: SOURCE_ARN,
  destinationRegion: 'us-west-2',
  kmsKeyId: ALIAS_ARN,
  retentionDays: 35,
};

// Three separately constructed clients, as in the handler: source region, destination region, KMS.
const source = new RDSClient({ region: 'us-east-1' });
const destination = new RDSClient({ region: 'us-west-2' });
const kms = new KMSClient({ region: 'us-west-2' });
const sourceMock = mockClient(source);
const destinationMock = mockClient(destination);
const kmsMock = mockClient(kms);
const clients = { source, destination, kms };
const noWait = { retry: { sleep: async () => undefined, random: () => 0 }, sleep: async () => undefined };

function replicatingTo(...arns: string[]) {
  return {
    DBInstances: [
      {
        DBInstanceArn: SOURCE_ARN,
        DBInstanceAutomatedBackupsReplications: arns.map((arn) => ({ DBInstanceAutomatedBackupsArn: arn })),
      },
    ],
  };
}

function throttled(name = 'ThrottlingException'): Error {
  return Object.assign(new Error('Rate exceeded'), { name, $retryable: { throttling: true } });
}

beforeEach(() => {
  sourceMock.reset();
  destinationMock.reset();
  kmsMock.reset();
  kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', Arn: KEY_ARN, KeyState: 'Enabled' } });
  destinationMock
    .on(StartDBInstanceAutomatedBackupsReplicationCommand)
    .resolves({ DBInstanceAutomatedBackup: { DBInstanceAutomatedBackupsArn: REPLICATED_ARN, Status: 'pending' } });
  destinationMock.on(StopDBInstanceAutomatedBackupsReplicationCommand).resolves({});
});

describe('startReplication', () => {
  test('starts replication in the destination region with the source ARN, the resolved key ARN and the retention', async () => {
    sourceMock.on(DescribeDBInstancesCommand).resolves(replicatingTo());
    const result = await startReplication(clients, target, noWait);
    expect(result).toEqual({ replicatedBackupsArn: REPLICATED_ARN, started: true });
    expect(kmsMock.commandCalls(DescribeKeyCommand)[0]!.args[0].input).toEqual({ KeyId: ALIAS_ARN });
    const calls = destinationMock.commandCalls(StartDBInstanceAutomatedBackupsReplicationCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      SourceDBInstanceArn: SOURCE_ARN,
      KmsKeyId: KEY_ARN,
      BackupRetentionPeriod: 35,
    });
    expect(sourceMock.commandCalls(DescribeDBInstancesCommand)[0]!.args[0].input).toEqual({
      DBInstanceIdentifier: SOURCE_ARN,
    });
  });

  test('is idempotent: an instance already replicating to the destination is left alone', async () => {
    sourceMock.on(DescribeDBInstancesCommand).resolves(replicatingTo(REPLICATED_ARN));
    const result = await startReplication(clients, target, noWait);
    expect(result).toEqual({ replicatedBackupsArn: REPLICATED_ARN, started: false });
    expect(destinationMock.commandCalls(StartDBInstanceAutomatedBackupsReplicationCommand)).toHaveLength(0);
    expect(kmsMock.commandCalls(DescribeKeyCommand)).toHaveLength(0);
  });

  test('replication to another region does not count as replicating to the destination', async () => {
    sourceMock
      .on(DescribeDBInstancesCommand)
      .resolves(replicatingTo('arn:aws:rds:eu-west-1:111111111111:auto-backup:ab-other'));
    expect((await startReplication(clients, target, noWait)).started).toBe(true);
  });

  test('retries throttling with back-off, then succeeds', async () => {
    sourceMock.on(DescribeDBInstancesCommand).rejectsOnce(throttled('Throttling')).resolves(replicatingTo());
    destinationMock
      .on(StartDBInstanceAutomatedBackupsReplicationCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ DBInstanceAutomatedBackup: { DBInstanceAutomatedBackupsArn: REPLICATED_ARN } });
    const waits: number[] = [];
    const result = await startReplication(clients, target, {
      retry: { sleep: async (ms) => void waits.push(ms), random: () => 1, baseDelayMs: 100 },
    });
    expect(result.started).toBe(true);
    expect(destinationMock.commandCalls(StartDBInstanceAutomatedBackupsReplicationCommand)).toHaveLength(3);
    expect(waits).toEqual([100, 100, 200]); // describe's retry, then start's first and second (doubling)
  });

  test('gives up after the retry budget when throttling persists', async () => {
    sourceMock.on(DescribeDBInstancesCommand).resolves(replicatingTo());
    destinationMock.on(StartDBInstanceAutomatedBackupsReplicationCommand).rejects(throttled());
    await expect(
      startReplication(clients, target, { retry: { attempts: 3, sleep: async () => undefined } }),
    ).rejects.toThrow('Rate exceeded');
    expect(destinationMock.commandCalls(StartDBInstanceAutomatedBackupsReplicationCommand)).toHaveLength(3);
  });

  test('does not retry other errors (e.g. the key is not accessible)', async () => {
    sourceMock.on(DescribeDBInstancesCommand).resolves(replicatingTo());
    destinationMock
      .on(StartDBInstanceAutomatedBackupsReplicationCommand)
      .rejects(Object.assign(new Error('key not accessible'), { name: 'KMSKeyNotAccessibleFault' }));
    await expect(startReplication(clients, target, noWait)).rejects.toThrow('key not accessible');
    expect(destinationMock.commandCalls(StartDBInstanceAutomatedBackupsReplicationCommand)).toHaveLength(1);
  });

  test('refuses a disabled destination key and a destination equal to the source region', async () => {
    sourceMock.on(DescribeDBInstancesCommand).resolves(replicatingTo());
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', Arn: KEY_ARN, KeyState: 'PendingDeletion' } });
    await expect(startReplication(clients, target, noWait)).rejects.toThrow(/is PendingDeletion, not Enabled/);
    await expect(startReplication(clients, { ...target, destinationRegion: 'us-east-1' }, noWait)).rejects.toThrow(
      /must differ from the source instance's region/,
    );
    expect(destinationMock.commandCalls(StartDBInstanceAutomatedBackupsReplicationCommand)).toHaveLength(0);
  });
});

describe('stopReplication (resource deleted)', () => {
  test('stops replication in the destination region', async () => {
    sourceMock.on(DescribeDBInstancesCommand).resolves(replicatingTo(REPLICATED_ARN));
    expect(await stopReplication(clients, target, noWait)).toEqual({ stopped: true });
    expect(destinationMock.commandCalls(StopDBInstanceAutomatedBackupsReplicationCommand)[0]!.args[0].input).toEqual({
      SourceDBInstanceArn: SOURCE_ARN,
    });
  });

  test('is a no-op when nothing replicates there or the instance is gone', async () => {
    sourceMock
      .on(DescribeDBInstancesCommand)
      .resolvesOnce(replicatingTo())
      .rejectsOnce(new DBInstanceNotFoundFault({ message: 'not found', $metadata: {} }));
    expect(await stopReplication(clients, target, noWait)).toEqual({ stopped: false });
    expect(await stopReplication(clients, target, noWait)).toEqual({ stopped: false });
    expect(destinationMock.commandCalls(StopDBInstanceAutomatedBackupsReplicationCommand)).toHaveLength(0);
  });

  test('retries a throttled stop', async () => {
    sourceMock.on(DescribeDBInstancesCommand).resolves(replicatingTo(REPLICATED_ARN));
    destinationMock.on(StopDBInstanceAutomatedBackupsReplicationCommand).rejectsOnce(throttled()).resolves({});
    expect(await stopReplication(clients, target, noWait)).toEqual({ stopped: true });
    expect(destinationMock.commandCalls(StopDBInstanceAutomatedBackupsReplicationCommand)).toHaveLength(2);
  });
});

describe('updateReplication', () => {
  test('unchanged settings only make sure replication runs', async () => {
    sourceMock.on(DescribeDBInstancesCommand).resolves(replicatingTo(REPLICATED_ARN));
    expect(await updateReplication(clients, target, target, noWait)).toEqual({
      replicatedBackupsArn: REPLICATED_ARN,
      started: false,
    });
    expect(destinationMock.commandCalls(StopDBInstanceAutomatedBackupsReplicationCommand)).toHaveLength(0);
  });

  test('a new key or retention stops, waits for the stop, and starts again', async () => {
    sourceMock
      .on(DescribeDBInstancesCommand)
      .resolvesOnce(replicatingTo(REPLICATED_ARN)) // stop: is it replicating?
      .resolvesOnce(replicatingTo(REPLICATED_ARN)) // first poll: still stopping
      .resolvesOnce(replicatingTo()) // second poll: gone
      .resolves(replicatingTo()); // start: not replicating
    const result = await updateReplication(clients, target, { ...target, retentionDays: 14 }, noWait);
    expect(result.started).toBe(true);
    expect(destinationMock.commandCalls(StopDBInstanceAutomatedBackupsReplicationCommand)).toHaveLength(1);
    expect(
      destinationMock.commandCalls(StartDBInstanceAutomatedBackupsReplicationCommand)[0]!.args[0].input,
    ).toMatchObject({ BackupRetentionPeriod: 14 });
  });

  test('a stop that never finishes fails the update instead of starting a second replication', async () => {
    sourceMock.on(DescribeDBInstancesCommand).resolves(replicatingTo(REPLICATED_ARN));
    await expect(
      updateReplication(clients, target, { ...target, retentionDays: 14 }, { ...noWait, stopPolls: 2 }),
    ).rejects.toThrow(/did not stop within 2 polls/);
    expect(destinationMock.commandCalls(StartDBInstanceAutomatedBackupsReplicationCommand)).toHaveLength(0);
  });
});

describe('custom-resource events', () => {
  const base = {
    ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?sig=1',
    StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/Rxdr-Dev-Primary/1',
    RequestId: 'r1',
    LogicalResourceId: 'Replication',
    ResourceType: 'Custom::RdsAutomatedBackupReplication',
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:f',
      SourceDBInstanceArn: SOURCE_ARN,
      DestinationRegion: 'us-west-2',
      KmsKeyId: ALIAS_ARN,
      BackupRetentionPeriod: '35',
    },
  };
  const clientsFor = jest.fn(() => clients);

  test('Create parses string properties, starts replication and names the resource after source and destination', async () => {
    sourceMock.on(DescribeDBInstancesCommand).resolves(replicatingTo());
    const response = await handleEvent(eventSchema.parse({ ...base, RequestType: 'Create' }), clientsFor, noWait);
    expect(response).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: `${SOURCE_ARN}|us-west-2`,
      Data: { DBInstanceAutomatedBackupsArn: REPLICATED_ARN, Started: 'true' },
    });
    expect(clientsFor).toHaveBeenCalledWith('us-east-1', 'us-west-2');
  });

  test('Delete stops replication, except for the marker of a failed Create', async () => {
    sourceMock.on(DescribeDBInstancesCommand).resolves(replicatingTo(REPLICATED_ARN));
    await handleEvent(
      eventSchema.parse({ ...base, RequestType: 'Delete', PhysicalResourceId: `${FAILED_CREATE_PREFIX}abc` }),
      clientsFor,
      noWait,
    );
    expect(destinationMock.commandCalls(StopDBInstanceAutomatedBackupsReplicationCommand)).toHaveLength(0);
    const response = await handleEvent(
      eventSchema.parse({ ...base, RequestType: 'Delete', PhysicalResourceId: `${SOURCE_ARN}|us-west-2` }),
      clientsFor,
      noWait,
    );
    expect(response.Status).toBe('SUCCESS');
    expect(destinationMock.commandCalls(StopDBInstanceAutomatedBackupsReplicationCommand)).toHaveLength(1);
  });

  test('invalid properties are rejected before any call', () => {
    const parsed = eventSchema.safeParse({
      ...base,
      RequestType: 'Create',
      ResourceProperties: { ...base.ResourceProperties, BackupRetentionPeriod: '90', KmsKeyId: 'alias/x' },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'ResourceProperties.BackupRetentionPeriod',
      'ResourceProperties.KmsKeyId',
    ]);
  });

  test('the response is PUT to the pre-signed URL with the request identifiers; the reason carries no internals', async () => {
    const put = jest.fn(async () => new Response(null, { status: 200 }));
    await sendResponse(
      { ...base, PhysicalResourceId: 'p' },
      {
        Status: 'FAILED',
        Reason: reasonOf(
          Object.assign(new Error('boom'), { name: 'KMSKeyNotAccessibleFault', $metadata: { secret: 1 } }),
        ),
        PhysicalResourceId: 'p',
      },
      put as unknown as typeof fetch,
    );
    const [url, init] = put.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe(base.ResponseURL);
    expect(init.method).toBe('PUT');
    expect(JSON.parse(String(init.body))).toEqual({
      Status: 'FAILED',
      Reason: 'KMSKeyNotAccessibleFault: boom',
      PhysicalResourceId: 'p',
      StackId: base.StackId,
      RequestId: 'r1',
      LogicalResourceId: 'Replication',
      NoEcho: false,
    });
  });
});

describe('withThrottlingRetry', () => {
  test('recognises throttling by name or by the SDK retryable flag', () => {
    expect(isThrottling(Object.assign(new Error('x'), { name: 'TooManyRequestsException' }))).toBe(true);
    expect(isThrottling(Object.assign(new Error('x'), { name: 'Whatever', $retryable: { throttling: true } }))).toBe(
      true,
    );
    expect(isThrottling(Object.assign(new Error('x'), { name: 'InvalidDBInstanceStateFault' }))).toBe(false);
    expect(isThrottling('Throttling')).toBe(false);
  });

  test('returns the first successful result', async () => {
    let calls = 0;
    const value = await withThrottlingRetry(async () => (++calls < 3 ? Promise.reject(throttled()) : 'ok'), {
      sleep: async () => undefined,
    });
    expect([value, calls]).toEqual(['ok', 3]);
  });
});
