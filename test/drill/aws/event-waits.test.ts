import { Match, Template } from 'aws-cdk-lib/assertions';
import { resumeWaiters } from '../../../engines/event-waits/resume';
import { LocalStateMachine, stepFunctionsError } from '../../helpers/local-state-machine';
import { LocalEventWaits, rdsClusterEvent, rdsInstanceEvent } from '../../helpers/event-waits';
import { LocalTaskTokens } from '../../helpers/task-tokens';
import { useThrowawayCaBundle } from '../../helpers/tls-postgres';
import { drillStack } from './drill-stack';
import { DrillWorld, EVENT_DELAY_SECONDS, START } from './harness';

useThrowawayCaBundle();

const { stack } = drillStack();
const template = Template.fromStack(stack);
const machine = LocalStateMachine.fromTemplate(template);
const HISTORY = { restoreSeconds: 2700, deletionSeconds: 600 };

function evidence(world: DrillWorld) {
  return world.aws.evidence[0] as {
    result: string;
    cleanup: { status: string };
    timestamps: { restoreStarted: string; available?: string; cleanedUp: string };
  };
}

describe('drill waits driven by events (synthesized state machine, real park/resume code)', () => {
  test('the restore event ends the wait: no polling, the drill goes on within the delivery delay', async () => {
    // The previous drill took as long: the first safety net (1.25 × that) is later than the event.
    const world = new DrillWorld({ concurrency: 1, restoreSeconds: 2700, deletionSeconds: 600, history: HISTORY });
    try {
      const run = await machine.run({ databases: ['dispensing'] }, { tasks: world.tasks() });
      expect(run.status).toBe('SUCCEEDED');
      expect(world.waits.timeouts).toBe(0);
      expect(run.taskInvocations.CheckRestore).toBe(1);
      expect(run.taskInvocations.CheckCleanup).toBe(1);
      expect(world.waits.outcomes).toEqual(['resumed', 'resumed']);
      expect(world.waits.items.size).toBe(0); // every token taken
      const doc = evidence(world);
      expect(doc.result).toBe('passed');
      expect(Date.parse(doc.timestamps.cleanedUp) - Date.parse(doc.timestamps.restoreStarted)).toBe(
        (2700 + 180 + 600 + 2 * EVENT_DELAY_SECONDS) * 1000,
      );
    } finally {
      world.aws.restore();
    }
  });

  test('every event lost: the safety-net timeouts look once each and the drill still passes and cleans up', async () => {
    const world = new DrillWorld({
      concurrency: 1,
      restoreSeconds: 2700,
      deletionSeconds: 600,
      events: { delaySeconds: EVENT_DELAY_SECONDS, lose: () => true },
    });
    try {
      const run = await machine.run({ databases: ['dispensing'] }, { tasks: world.tasks() });
      expect(run.status).toBe('SUCCEEDED');
      expect(world.waits.outcomes).toEqual([]);
      expect(world.waits.timeouts).toBeGreaterThanOrEqual(3); // 900 s safety net: 3 for the restore, 1 for deletion
      expect(run.taskInvocations.CheckRestore).toBe(run.taskInvocations.AwaitRestore);
      expect(evidence(world)).toMatchObject({ result: 'passed', cleanup: { status: 'deleted' } });
      expect(world.aws.deleted).toEqual(world.aws.created);
      expect(run.stateTransitions).toBeLessThanOrEqual(40);
    } finally {
      world.aws.restore();
    }
  });

  test('a duplicate restore event arriving while the drill waits for the deletion costs one extra look, nothing else', async () => {
    const world = new DrillWorld({
      concurrency: 1,
      restoreSeconds: 2700,
      deletionSeconds: 600,
      history: HISTORY,
      events: { delaySeconds: EVENT_DELAY_SECONDS, lateDuplicates: true },
    });
    try {
      const run = await machine.run({ databases: ['dispensing'] }, { tasks: world.tasks() });
      expect(run.status).toBe('SUCCEEDED');
      // The stale restore event resumed the deletion wait: CheckCleanup saw "deleting" and parked again.
      expect(run.taskInvocations.AwaitCleanup).toBe(2);
      expect(run.taskInvocations.CheckCleanup).toBe(2);
      expect(evidence(world)).toMatchObject({ result: 'passed', cleanup: { status: 'deleted' } });
      expect(world.aws.deleted).toEqual(world.aws.created);
    } finally {
      world.aws.restore();
    }
  });

  test.each(['AwaitRestore', 'AwaitCleanup'])(
    'a wait that fails for good (%s) still ends in cleanup and evidence',
    async (state) => {
      const world = new DrillWorld({ concurrency: 1, restoreSeconds: 2700, deletionSeconds: 600 });
      try {
        const tasks = world.tasks();
        const run = await machine.run(
          { databases: ['dispensing'] },
          {
            tasks: {
              ...tasks,
              [state]: () => {
                throw stepFunctionsError('Rxdr.InvalidEvent', 'park event rejected');
              },
            },
          },
        );
        expect(run.status).toBe('FAILED');
        expect(run.error).toBe('Rxdr.DrillFailed');
        expect(world.aws.deleted).toEqual(world.aws.created);
        expect(world.aws.evidence).toHaveLength(1);
        expect(run.path).toContain('RecordEvidence');
      } finally {
        world.aws.restore();
      }
    },
  );
});

describe('resume: late, foreign and cluster events', () => {
  const DRILL_ID = 'rxdr-drill-adjudication-0123456789';
  const clock = { now: () => new Date(START), sleep: async () => undefined };

  test('an event for a task that already timed out is answered TaskTimedOut by Step Functions and ignored', async () => {
    const waits = new LocalEventWaits({ delaySeconds: 0 });
    const { token, result } = waits.tokens.issue('AwaitRestore');
    result.catch(() => undefined);
    waits.items.set('rds-instance:rxdr-drill-dispensing-abc', { token, expiresAt: 0 });
    waits.tokens.timeOut(token);
    await waits.deliver(rdsInstanceEvent('rxdr-drill-dispensing-abc', 'restoration', 'Restored', START), clock);
    expect(waits.outcomes).toEqual(['late']);
    expect(waits.tokens.calls).toEqual([{ token, answer: 'TaskTimedOut' }]);
  });

  test.each([
    [
      'the restored cluster was created (RDS cluster event)',
      rdsClusterEvent(DRILL_ID, 'creation', 'DB cluster created', START),
    ],
    [
      'its instance was created (RDS instance event)',
      rdsInstanceEvent(DRILL_ID, 'creation', 'DB instance created', START),
    ],
    ['the cluster was deleted (RDS cluster event)', rdsClusterEvent(DRILL_ID, 'deletion', 'DB cluster deleted', START)],
    [
      'the AWS Backup restore job created the cluster',
      {
        source: 'aws.backup',
        'detail-type': 'Restore Job State Change',
        detail: { status: 'COMPLETED', createdResourceArn: `arn:aws:rds:us-west-2:111111111111:cluster:${DRILL_ID}` },
      },
    ],
  ])('a cluster drill waiting on its shared identifier is resumed when %s', async (_what, event) => {
    const waits = new LocalEventWaits({ delaySeconds: 0 });
    const { token, result } = waits.tokens.issue('AwaitRestore');
    waits.items.set(`rds-instance:${DRILL_ID}`, { token, expiresAt: 0 });
    await waits.deliver(event, clock);
    expect(waits.outcomes).toEqual(['resumed']);
    await expect(result).resolves.toBeDefined();
    expect(waits.items.size).toBe(0);
  });

  test('events that name no instance, or another service, resume nothing', async () => {
    const tokens = new LocalTaskTokens();
    const table = { dynamodb: { send: jest.fn() } as never, tableName: 't' };
    for (const event of [{}, { source: 'aws.ec2', detail: { SourceIdentifier: 'x' } }, null])
      expect(await resumeWaiters(event, { table, sfn: tokens.client(), clock })).toEqual([]);
    expect((table.dynamodb as { send: jest.Mock }).send).not.toHaveBeenCalled();
  });
});

describe('event-wait resources in the template', () => {
  const statements = () =>
    Object.values(template.findResources('AWS::IAM::ManagedPolicy')).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }).Properties
          .PolicyDocument.Statement,
    );

  test("the rule matches only rxdr's drill instances and clusters, and only events that can end a wait", () => {
    template.resourceCountIs('AWS::Events::Rule', 2); // this one and the execution-ended sweep
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        $or: [
          {
            source: ['aws.rds'],
            'detail-type': ['RDS DB Instance Event'],
            detail: {
              SourceType: ['DB_INSTANCE'],
              SourceIdentifier: [{ prefix: 'rxdr-drill-' }],
              EventCategories: ['restoration', 'creation', 'deletion', 'read replica', 'failure'],
            },
          },
          {
            source: ['aws.rds'],
            'detail-type': ['RDS DB Cluster Event'],
            detail: {
              SourceType: ['CLUSTER'],
              SourceIdentifier: [{ prefix: 'rxdr-drill-' }],
              EventCategories: ['creation', 'deletion', 'failure'],
            },
          },
          {
            source: ['aws.backup'],
            'detail-type': ['Restore Job State Change'],
            detail: {
              status: ['COMPLETED'],
              createdResourceArn: [
                { prefix: 'arn:aws:rds:us-west-2:111111111111:db:rxdr-drill-' },
                { prefix: 'arn:aws:rds:us-west-2:111111111111:cluster:rxdr-drill-' },
              ],
            },
          },
        ],
      },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue() })],
    });
  });

  test('states:SendTaskSuccess only on the drill state machine; the token table only to its two functions', () => {
    const send = statements().filter((s) => JSON.stringify(s.Action).includes('states:SendTaskSuccess'));
    expect(send).toHaveLength(1);
    expect(send[0]!.Resource).toEqual(
      Match.anyValue() && expect.stringMatching(/^arn:aws:states:us-west-2:111111111111:stateMachine:rxdr-test-drill$/),
    );
    const tableStatements = statements().filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
    expect(tableStatements.map((s) => s.Action)).toEqual(
      expect.arrayContaining([['dynamodb:DeleteItem', 'dynamodb:PutItem'], 'dynamodb:PutItem']),
    );
    for (const s of tableStatements) expect(JSON.stringify(s.Resource)).toMatch(/WaitsTokens.*Arn/);
  });

  test('the token table: CMK-encrypted, time to live on expiresAt, on demand', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
    });
  });
});
