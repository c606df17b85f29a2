import { Match, Template } from 'aws-cdk-lib/assertions';
import { EVENT_WAIT_SAFETY_NET_SECONDS } from '../../engines/failover/aws-helpers';
import { EVENT_DELAY_SECONDS } from '../helpers/event-waits';
import { failAfterWork, LocalStateMachine, stepFunctionsError } from '../helpers/local-state-machine';
import { failedOverWorld, FakeAws, ISSUE_DURATIONS, newWorld } from './fake-aws';
import { runbookStack } from './runbook-stack';
import { ONCALL_ALICE, outageFailoverInput, runbookWaits, runRunbook } from './run-runbook';

/**
 * The failover's recovery wait and the failback's replica and promotion waits end with the instance's RDS or
 * AWS Backup event (the real park and resume code, events from the fake account), on the synthesized state
 * machines; the task timeout is the safety net when an event is lost.
 */
let template: Template;
let catalog: ReturnType<typeof runbookStack>['runbooks']['catalog'];
let failoverMachine: LocalStateMachine;
let failbackMachine: LocalStateMachine;
beforeAll(() => {
  const synthesized = runbookStack();
  template = synthesized.template;
  catalog = synthesized.runbooks.catalog;
  failoverMachine = LocalStateMachine.fromTemplate(template, { stateMachine: 'RunbooksFailover' });
  failbackMachine = LocalStateMachine.fromTemplate(template, { stateMachine: 'RunbooksFailback' });
});

const failbackInput = { database: 'dispensing', reason: 'us-east-1 healthy again', startedBy: ONCALL_ALICE };

/** The account after a promote-replica failover, its waits not a whole number of safety nets long. */
function failedOverWorldWithOddWaits(): FakeAws {
  const world = failedOverWorld();
  // Not a whole number of safety nets: the event, not a timeout, must be what ends the last wait.
  world.durations.replicaCreateSeconds += 17;
  world.durations.promoteSeconds += 17;
  return world;
}

/** Seconds from the moment the instance changed (its event's time) to the runbook seeing it available. */
function lateness(world: FakeAws, instance: string, seenAt: string | undefined): number {
  const changedAt = world.eventsOf(instance).at(-1)!.at;
  return (Date.parse(seenAt!) - changedAt) / 1000;
}

describe('failover: the recovery wait ends with the instance event', () => {
  test.each([
    ['dispensing', 'promote-replica', 'dispensing-prod-replica', ISSUE_DURATIONS.promoteSeconds],
    ['inventory', 'point-in-time', 'inventory-prod-dr', ISSUE_DURATIONS.pointInTimeSeconds],
    ['analytics', 'latest-backup', 'analytics-prod-dr', ISSUE_DURATIONS.backupRestoreSeconds],
  ])('%s (%s): seen available one event delivery after it became so', async (database, strategy, instance, took) => {
    const world = newWorld(database);
    // Not a whole number of safety nets: the event, not a timeout, must be what ends the last wait.
    const seconds = took + 17;
    for (const key of ['promoteSeconds', 'pointInTimeSeconds', 'backupRestoreSeconds'] as const)
      world.durations[key] += 17;
    const waits = runbookWaits();
    try {
      const run = await runRunbook('failover', failoverMachine, world, outageFailoverInput(database), { waits });
      expect(run.status).toBe('SUCCEEDED');
      const doc = world.evidence()[0]!;
      expect(doc.runbook?.strategy).toBe(strategy);
      expect(lateness(world, instance, recoveryAvailableAt(world))).toBe(EVENT_DELAY_SECONDS);
      expect(waits.outcomes.at(-1)).toBe('resumed');
      // The safety net fired only while the instance was still changing: one look a minute at most.
      expect(waits.timeouts).toBe(Math.floor(seconds / EVENT_WAIT_SAFETY_NET_SECONDS));
      expect(run.taskInvocations.CheckRecovery).toBe(waits.timeouts + 1);
      expect(waits.items.size).toBe(0); // the token the event resumed was taken
    } finally {
      world.restore();
    }
  });

  test('every event lost: the safety net still finds the instance, at most one safety net late', async () => {
    const world = newWorld('inventory');
    const waits = runbookWaits({ delaySeconds: EVENT_DELAY_SECONDS, lose: () => true });
    try {
      const run = await runRunbook('failover', failoverMachine, world, outageFailoverInput('inventory'), { waits });
      expect(run.status).toBe('SUCCEEDED');
      expect(waits.outcomes).toEqual([]);
      expect(run.taskInvocations.CheckRecovery).toBe(waits.timeouts);
      const late = lateness(world, 'inventory-prod-dr', recoveryAvailableAt(world));
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThanOrEqual(EVENT_WAIT_SAFETY_NET_SECONDS);
      expect(world.count('RestoreDBInstanceToPointInTime')).toBe(1);
    } finally {
      world.restore();
    }
  });

  test('an event arriving after its wait timed out is answered TaskTimedOut and changes nothing', async () => {
    const world = newWorld('inventory');
    // Later than the safety net: the wait times out and the runbook goes on without the event.
    const waits = runbookWaits({ delaySeconds: EVENT_WAIT_SAFETY_NET_SECONDS + 30 });
    try {
      const run = await runRunbook('failover', failoverMachine, world, outageFailoverInput('inventory'), { waits });
      expect(run.status).toBe('SUCCEEDED');
      expect(waits.outcomes).toEqual([]);
      const parked = waits.items.get('rds-instance:inventory-prod-dr');
      expect(parked).toBeDefined(); // the last wait's token, left for the late event (time to live removes it)
      await waits.deliver(world.eventsOf('inventory-prod-dr').at(-1)!.event, world.clock);
      expect(waits.outcomes).toEqual(['late']);
      expect(waits.tokens.calls.at(-1)).toEqual({ token: parked!.token, answer: 'TaskTimedOut' });
      expect(world.evidence()).toHaveLength(1);
    } finally {
      world.restore();
    }
  });

  test('the wait run again after it already succeeded (a lost answer) parks again and the failover still completes once', async () => {
    const world = newWorld();
    world.durations.promoteSeconds = 30; // the first wait ends with the event, not the safety net
    const waits = runbookWaits();
    try {
      const run = await runRunbook('failover', failoverMachine, world, outageFailoverInput('dispensing'), {
        waits,
        aroundTask: failAfterWork('AwaitRecovery', 'Lambda.ServiceException'),
      });
      expect(run.status).toBe('SUCCEEDED');
      expect(run.retries.AwaitRecovery).toBe(1);
      expect(waits.outcomes).toEqual(['resumed']);
      expect(waits.timeouts).toBe(1); // the retry parked again; no second event, so the safety net looked
      expect(world.count('PromoteReadReplica')).toBe(1);
      expect(world.evidence()[0]).toMatchObject({ result: 'passed' });
    } finally {
      world.restore();
    }
  });
});

describe('failback: the replica and promotion waits end with events forwarded from the primary region', () => {
  test('both waits end one event delivery after the change', async () => {
    const world = failedOverWorldWithOddWaits();
    const waits = runbookWaits();
    try {
      const run = await runRunbook('failback', failbackMachine, world, failbackInput, { waits });
      expect(run.status).toBe('SUCCEEDED');
      const [created, promoted] = world.eventsOf('dispensing-prod-fb');
      expect(created!.event).toMatchObject({ region: 'us-east-1', detail: { EventCategories: ['read replica'] } });
      expect(promoted!.event).toMatchObject({ region: 'us-east-1', detail: { EventCategories: ['availability'] } });
      const output = run.output as { replica: { availableAt: string }; promotion: { availableAt: string } };
      expect(Date.parse(output.replica.availableAt) - created!.at).toBe(EVENT_DELAY_SECONDS * 1000);
      expect(Date.parse(output.promotion.availableAt) - promoted!.at).toBe(EVENT_DELAY_SECONDS * 1000);
      expect(waits.outcomes).toEqual(['resumed', 'resumed']);
      expect(world.count('PromoteReadReplica')).toBe(1);
    } finally {
      world.restore();
    }
  });

  test("a late duplicate of the replica's event wakes the promotion wait early: one extra look, nothing else", async () => {
    const world = failedOverWorldWithOddWaits();
    const waits = runbookWaits({ delaySeconds: EVENT_DELAY_SECONDS, lateDuplicates: true });
    try {
      const run = await runRunbook('failback', failbackMachine, world, failbackInput, { waits });
      expect(run.status).toBe('SUCCEEDED');
      // The stale event resumed the promotion wait at once: its look found the promotion going on.
      expect(waits.outcomes).toEqual(['resumed', 'resumed', 'resumed']);
      const promotionTimeouts = Math.floor(world.durations.promoteSeconds / EVENT_WAIT_SAFETY_NET_SECONDS);
      expect(run.taskInvocations.AwaitFailbackPromotion).toBe(2 + promotionTimeouts);
      expect(run.taskInvocations.FailbackCheckPromoted).toBe(2 + promotionTimeouts);
      expect(world.count('PromoteReadReplica')).toBe(1);
      expect(world.count('CreateDBInstanceReadReplica')).toBe(1);
      expect(world.evidence()[0]).toMatchObject({ result: 'passed' });
    } finally {
      world.restore();
    }
  });

  test('the replica wait run again after it already succeeded parks again; one replica, one promotion', async () => {
    const world = failedOverWorldWithOddWaits();
    world.durations.replicaCreateSeconds = 30;
    const waits = runbookWaits();
    try {
      const run = await runRunbook('failback', failbackMachine, world, failbackInput, {
        waits,
        aroundTask: failAfterWork('AwaitFailbackReplica', 'Lambda.ServiceException'),
      });
      expect(run.status).toBe('SUCCEEDED');
      expect(run.retries.AwaitFailbackReplica).toBe(1);
      expect(world.count('CreateDBInstanceReadReplica')).toBe(1);
      expect(world.count('PromoteReadReplica')).toBe(1);
      expect(world.evidence()[0]).toMatchObject({ result: 'passed' });
    } finally {
      world.restore();
    }
  });

  test('a wait that fails for good records failed evidence naming the wait', async () => {
    const world = failedOverWorldWithOddWaits();
    try {
      const run = await runRunbook('failback', failbackMachine, world, failbackInput, {
        aroundTask: async (invocation, proceed) => {
          if (invocation.stateName === 'AwaitFailbackPromotion')
            throw stepFunctionsError('Rxdr.InvalidEvent', 'park event rejected');
          return proceed();
        },
      });
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('Rxdr.FailbackFailed');
      expect(world.evidence()[0]).toMatchObject({ result: 'failed', failedStep: 'await-promotion' });
    } finally {
      world.restore();
    }
  });
});

/** When the failover's recovery step saw the instance available (the evidence's wait-available step). */
function recoveryAvailableAt(world: FakeAws): string | undefined {
  const doc = world.evidence()[0]!;
  return doc.runbook?.steps.find((s) => s.name === 'wait-available')?.endedAt;
}

describe('event-wait resources of the runbooks', () => {
  test('the waits are task-token tasks whose timeout is the check step’s safety net, caught into one look', () => {
    const definitions = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).map((sm) =>
      JSON.stringify(sm.Properties.DefinitionString),
    );
    const all = definitions.join('\n');
    for (const [wait, check, seconds] of [
      ['AwaitRecovery', 'CheckRecovery', '$.recovery.waitSeconds'],
      ['AwaitFailbackReplica', 'FailbackCheckReplica', '$.replica.waitSeconds'],
      ['AwaitFailbackPromotion', 'FailbackCheckPromoted', '$.promotion.waitSeconds'],
    ]) {
      expect(all).toContain(`\\"${wait}\\":{\\"Next\\":\\"${check}\\"`);
      expect(all).toContain(`\\"TimeoutSecondsPath\\":\\"${seconds}\\"`);
    }
    expect(all).not.toMatch(/WaitRecovery|WaitFailbackReplica|WaitFailbackPromotion/);
    expect(all).toContain('lambda:invoke.waitForTaskToken');
  });

  test('the rule matches RDS events of the runbooks’ own instances (both regions) and their AWS Backup restores', () => {
    const recovery = catalog.databases.flatMap((d) => [d.replicaInstanceIdentifier, d.recoveredInstanceIdentifier]);
    const primary = catalog.databases.map((d) => d.failbackInstanceIdentifier);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        $or: [
          {
            source: ['aws.rds'],
            'detail-type': ['RDS DB Instance Event'],
            detail: {
              SourceType: ['DB_INSTANCE'],
              SourceIdentifier: [...recovery.filter((id) => id !== undefined), ...primary],
              EventCategories: Match.arrayWith(['restoration', 'read replica', 'availability', 'creation']),
            },
          },
          Match.objectLike({ source: ['aws.backup'], detail: Match.objectLike({ status: ['COMPLETED'] }) }),
        ],
      },
    });
  });

  test('the resume function may send task success to the two runbooks only', () => {
    const sends = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]).filter((s) =>
        [s.Action].flat().includes('states:SendTaskSuccess'),
      ),
    );
    expect(sends).toHaveLength(1);
    expect(sends[0]!.Resource).toEqual([
      { Ref: expect.stringMatching(/^RunbooksFailback/) },
      { Ref: expect.stringMatching(/^RunbooksFailover/) },
    ]);
  });
});
