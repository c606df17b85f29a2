import { CreateDBInstanceCommand } from '@aws-sdk/client-rds';
import { CreateStateMachineCommand } from '@aws-sdk/client-sfn';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { clients } from '../../engines/drill/aws/commons';
import { DRILL_ENV as ENV } from '../../engines/drill/environment';
import { handler } from '../../lambda/drill-sweeper';
import { DRILL_TAG } from '../../engines/drill/aws/types';
import { ACCOUNT, instances, manualSnapshots, recordCalls, RECOVERY, resetMoto, snapshotOf } from './moto';

/** The orphan sweeper's Lambda handler (its own clients, its environment) against moto. */

const FAILED_RUN = `arn:aws:states:${RECOVERY}:${ACCOUNT}:execution:rxdr-drill:failed-run`;
const OTHER_RUN = `arn:aws:states:${RECOVERY}:${ACCOUNT}:execution:rxdr-drill:other-run`;

async function instance(id: string, drill?: string): Promise<void> {
  await clients.rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: 'postgres',
      DBInstanceClass: 'db.t4g.medium',
      MasterUsername: 'rx',
      MasterUserPassword: 'not-a-real-password',
      AllocatedStorage: 20,
      ...(drill ? { Tags: [{ Key: DRILL_TAG, Value: drill }] } : {}),
    }),
  );
}

beforeEach(async () => {
  await resetMoto();
  const machine = await clients.sfn.send(
    new CreateStateMachineCommand({
      name: 'rxdr-drill',
      definition: '{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/sfn`,
    }),
  );
  const topic = await clients.sns.send(new CreateTopicCommand({ Name: 'rxdr-alerts' }));
  process.env[ENV.stateMachineArn] = machine.stateMachineArn;
  process.env[ENV.topicArn] = topic.TopicArn;
  process.env[ENV.maxAgeSeconds] = '0';
  process.env[ENV.environment] = 'prod';
  await instance('rxdr-drill-dispensing-aaaaaaaaaa', FAILED_RUN);
  await instance('rxdr-drill-inventory-bbbbbbbbbb', OTHER_RUN);
  await instance('rxdr-drill-claims-cccccccccc');
  await instance('dispensing-replica');
});

test("after a failed drill execution it deletes only that execution's tagged instances, without a final snapshot", async () => {
  const calls = recordCalls({ rds: clients.rds, sns: clients.sns });
  const untouched = await Promise.all(
    ['rxdr-drill-inventory-bbbbbbbbbb', 'rxdr-drill-claims-cccccccccc', 'dispensing-replica'].map((id) =>
      snapshotOf(clients.rds, id),
    ),
  );

  const result = await handler({
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    detail: { executionArn: FAILED_RUN, status: 'FAILED' },
  });

  expect(result.deleted.map((d) => d.identifier)).toEqual(['rxdr-drill-dispensing-aaaaaaaaaa']);
  expect(result.untagged).toEqual(['rxdr-drill-claims-cccccccccc']);
  expect([...(await instances(clients.rds)).keys()].sort()).toEqual([
    'dispensing-replica',
    'rxdr-drill-claims-cccccccccc',
    'rxdr-drill-inventory-bbbbbbbbbb',
  ]);
  expect(
    await Promise.all(
      ['rxdr-drill-inventory-bbbbbbbbbb', 'rxdr-drill-claims-cccccccccc', 'dispensing-replica'].map((id) =>
        snapshotOf(clients.rds, id),
      ),
    ),
  ).toEqual(untouched);
  expect(calls.filter((c) => c.command === 'DeleteDBInstance').map((c) => c.input)).toEqual([
    { DBInstanceIdentifier: 'rxdr-drill-dispensing-aaaaaaaaaa', SkipFinalSnapshot: true, DeleteAutomatedBackups: true },
  ]);
  expect(await manualSnapshots(clients.rds)).toEqual([]);
  expect(calls.filter((c) => c.command === 'Publish')).toHaveLength(1);
});

test('the scheduled sweep deletes every tagged drill instance older than the limit and reports the untagged one', async () => {
  await new Promise((resolve) => setTimeout(resolve, 1100)); // older than RXDR_DRILL_MAX_AGE_SECONDS=0
  const result = await handler({ mode: 'sweep' });

  expect(result.deleted.map((d) => d.identifier).sort()).toEqual([
    'rxdr-drill-dispensing-aaaaaaaaaa',
    'rxdr-drill-inventory-bbbbbbbbbb',
  ]);
  expect(result.untagged).toEqual(['rxdr-drill-claims-cccccccccc']);
  expect(result.failed).toEqual([]);
  // No execution yet: hours since the epoch, so the missed-drill alarm fires rather than stays silent.
  expect(result.hoursSinceLastDrill).toBeGreaterThan(24 * 365 * 50);
  expect([...(await instances(clients.rds)).keys()].sort()).toEqual([
    'dispensing-replica',
    'rxdr-drill-claims-cccccccccc',
  ]);
});
