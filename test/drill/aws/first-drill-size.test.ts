import {
  DBInstanceNotFoundFault,
  DescribeDBInstancesCommand,
  RDSClient,
  RDSServiceException,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { describedAllocatedStorage, firstDrillSize } from '../../../engines/drill/aws/first-drill-size';
import { planTask } from '../../../engines/drill/aws/plan';
import { fleetDatabaseSchema } from '../../../engines/drill/aws/types';
import { ACCOUNT, databaseSpec } from './drill-stack';

/**
 * The first drill of a database without a configured size: the Plan task reads the source instance's
 * AllocatedStorage (DescribeDBInstances in the source's region), and when it cannot, the prediction is skipped
 * with the reason and the drill runs. The SDK client is mocked; the task code and its retry are real.
 */
const GIB = 1024 ** 3;
const SOURCE = `arn:aws:rds:us-east-1:${ACCOUNT}:db:pharmacy-dispensing`;
const adopted = fleetDatabaseSchema.parse(databaseSpec('dispensing'));
const cluster = fleetDatabaseSchema.parse(
  databaseSpec('adjudication', { kind: 'cluster', sourceArn: `arn:aws:rds:us-east-1:${ACCOUNT}:cluster:adj` }),
);

const rds = mockClient(RDSClient);
afterAll(() => rds.restore());
beforeEach(() => rds.reset());

const awsError = (name: string, status: number, message: string) =>
  new RDSServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message,
  });
const throttled = () => awsError('Throttling', 400, 'Rate exceeded');
const describeCalls = () => rds.commandCalls(DescribeDBInstancesCommand);

/** The real reader with a client per region (recorded) and no back-off waits. */
function reader() {
  const regions: string[] = [];
  const read = describedAllocatedStorage(
    (region) => {
      regions.push(region);
      return new RDSClient({ region });
    },
    { sleep: async () => {} },
  );
  return { read, regions };
}

describe('the size of a first drill: DescribeDBInstances of the source instance', () => {
  test("reads AllocatedStorage of the source's ARN with a client in the source's region", async () => {
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: SOURCE }).resolves({
      DBInstances: [{ DBInstanceIdentifier: 'pharmacy-dispensing', AllocatedStorage: 500 }],
    });
    const { read, regions } = reader();
    expect(await firstDrillSize(adopted, {}, read)).toEqual({
      size: { bytes: 500 * GIB, from: "the source instance's AllocatedStorage (DescribeDBInstances)" },
    });
    expect(regions).toEqual(['us-east-1']);
    expect(describeCalls().map((c) => c.args[0].input)).toEqual([{ DBInstanceIdentifier: SOURCE }]);
  });

  test('throttling is retried, and the size read on a later attempt', async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(awsError('InternalFailure', 500, 'try again'))
      .resolves({ DBInstances: [{ AllocatedStorage: 100 }] });
    const { read } = reader();
    expect((await firstDrillSize(adopted, {}, read)).size?.bytes).toBe(100 * GIB);
    expect(describeCalls()).toHaveLength(3);
  });

  test('throttling that does not end: the prediction is skipped with the reason after the retries', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(throttled());
    const { read } = reader();
    expect(await firstDrillSize(adopted, {}, read)).toEqual({
      skipped:
        "prediction skipped: the source instance's allocated storage could not be read " +
        `(DescribeDBInstances ${SOURCE}: Throttling: Rate exceeded); ` +
        'the next drill predicts from the size and throughput this drill measures',
    });
    expect(describeCalls()).toHaveLength(4);
  });

  test.each([
    ['AccessDenied', () => awsError('AccessDenied', 403, 'not authorized to perform: rds:DescribeDBInstances')],
    ['DBInstanceNotFoundFault', () => new DBInstanceNotFoundFault({ $metadata: {}, message: 'not found' })],
  ])('%s: skipped at once (no retry), with the error named', async (name, error) => {
    rds.on(DescribeDBInstancesCommand).rejects(error());
    const { read } = reader();
    const { size, skipped } = await firstDrillSize(adopted, {}, read);
    expect(size).toBeUndefined();
    expect(skipped).toMatch(new RegExp(`^prediction skipped: .*\\(DescribeDBInstances ${SOURCE}: ${name}: `));
    expect(describeCalls()).toHaveLength(1);
  });

  test('an answer without AllocatedStorage is no size: skipped, saying so', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'pharmacy-dispensing' }] });
    const { read } = reader();
    expect((await firstDrillSize(adopted, {}, read)).skipped).toMatch(/returned no AllocatedStorage/);
  });

  test('an Aurora cluster is not guessed: skipped, without any call', async () => {
    const { read, regions } = reader();
    expect(await firstDrillSize(cluster, {}, read)).toEqual({
      skipped:
        'prediction skipped: Aurora cluster storage size is not known before the first drill; ' +
        'the next drill predicts from the size and throughput this drill measures',
    });
    expect(regions).toEqual([]);
    expect(describeCalls()).toHaveLength(0);
  });

  test('a measured size or a configured allocation needs no call', async () => {
    const { read } = reader();
    expect(await firstDrillSize(adopted, { databaseBytes: GIB }, read)).toEqual({});
    expect(await firstDrillSize(cluster, { databaseBytes: GIB }, read)).toEqual({});
    const sized = fleetDatabaseSchema.parse(databaseSpec('dispensing', { allocatedBytes: 50 * GIB }));
    expect(await firstDrillSize(sized, {}, read)).toEqual({ size: { bytes: 50 * GIB, from: 'the configuration' } });
    expect(describeCalls()).toHaveLength(0);
  });
});

describe('the Plan task: a prediction failure never stops a drill', () => {
  const event = (databases: unknown[]) => ({
    request: { databases: 'all' },
    execution: {
      id: 'arn:aws:states:us-west-2:111111111111:execution:d:run-1',
      name: 'run-1',
      startTime: '2026-11-01T06:00:00Z',
    },
    fleet: {
      environment: 'test',
      toolVersion: '0.1.0',
      restoreTimeoutSeconds: 3600,
      deletionTimeoutSeconds: 3600,
      poll: { initialSeconds: 30, factor: 2, maxSeconds: 300 },
      databases,
    },
  });

  test('predicted from AllocatedStorage; a denied read plans the drill anyway, the reason in its expectation', async () => {
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: SOURCE })
      .resolves({ DBInstances: [{ AllocatedStorage: 200 }] });
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: `arn:aws:rds:us-east-1:${ACCOUNT}:db:pharmacy-billing` })
      .rejects(awsError('AccessDenied', 403, 'denied'));
    const { read } = reader();
    const planned = await planTask(
      event([databaseSpec('dispensing'), databaseSpec('billing'), { ...databaseSpec('adjudication'), ...cluster }]),
      { allocatedStorage: read },
    );
    const [dispensing, billing, adjudication] = planned.drills.map((d) => d.expect!);
    expect(dispensing!.fit).toMatchObject({ basis: 'defaults', problems: [] });
    expect(dispensing!.fit!.assumed[0]).toBe(
      "size: the allocated storage of 200 GiB from the source instance's AllocatedStorage (DescribeDBInstances)",
    );
    expect(dispensing!.predictionSkipped).toBeUndefined();
    expect(billing).toEqual({
      predictionSkipped: expect.stringMatching(/^prediction skipped: .*AccessDenied: denied/),
    });
    expect(adjudication!.predictionSkipped).toMatch(/^prediction skipped: Aurora cluster storage size is not known/);
    expect(planned.drills).toHaveLength(3);
  });

  test("the cluster's next drill predicts from what its first drill measured", async () => {
    const planned = await planTask(event([{ ...databaseSpec('adjudication'), ...cluster }]), {
      history: async () => ({ databaseBytes: 40 * GIB, validationBytesPerSecond: 50 * 1024 ** 2, restoreSeconds: 900 }),
      allocatedStorage: reader().read,
    });
    const expectation = planned.drills[0]!.expect!;
    expect(expectation.fit).toMatchObject({ basis: 'previous-drill', assumed: [] });
    expect(expectation.predictionSkipped).toBeUndefined();
    expect(describeCalls()).toHaveLength(0);
  });
});
