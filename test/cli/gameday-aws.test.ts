import { CloudWatchClient, DescribeAlarmHistoryCommand } from '@aws-sdk/client-cloudwatch';
import * as FIS from '@aws-sdk/client-fis';
import { GetFunctionUrlConfigCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeGlobalClustersCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { DeleteParameterCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { BackupClient, ListRecoveryPointsByBackupVaultCommand } from '@aws-sdk/client-backup';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { findRecoverySource } from '../../engines/drill/aws/recovery-source';
import type { FleetDatabase } from '../../engines/drill/aws/types';
import { drillEvidence } from '../../engines/drill/evidence';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { FileEvidenceStore, S3EvidenceStore } from '../../engines/evidence/store';
import { tempDir } from '../helpers/temp-dir';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { buildEvidence, evidenceKey, type EvidenceDocument } from '../../engines/evidence/schema';
import { assessReadiness } from '../../engines/readiness/readiness';
import { PeopleRecord } from '../../engines/readiness/records';
import { cliRuntime } from '../../lib/cli/aws';
import { rxdr } from '../helpers/cli';
import { signInWith, useLocalRunbookGateway } from '../helpers/local-runbook-gateway';

/*
 * The AWS game day through the CLI as an operator runs it, with every AWS API answered by aws-sdk-client-mock
 * over an in-memory world: S3 honours If-None-Match (the journal and evidence are never overwritten), FIS moves
 * its experiment through its states, the failover and failback executions appear as the people run them, and
 * the runbook gateway is the real handler behind a local SigV4-checking function URL.
 */
const s3 = mockClient(S3Client);
// @aws-sdk/client-fis is built on an older @smithy/types than aws-sdk-client-mock's: the mock works, the types differ.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fis = mockClient(FIS.FisClient as never) as AwsStub<any, any, any>;
const ListExperimentTemplatesCommand = FIS.ListExperimentTemplatesCommand as never;
const GetExperimentTemplateCommand = FIS.GetExperimentTemplateCommand as never;
const GetExperimentCommand = FIS.GetExperimentCommand as never;
const StartExperimentCommand = FIS.StartExperimentCommand as never;
const StopExperimentCommand = FIS.StopExperimentCommand as never;
const sfn = mockClient(SFNClient);
const sts = mockClient(STSClient);
const rds = mockClient(RDSClient);
const cloudwatch = mockClient(CloudWatchClient);
const lambda = mockClient(LambdaClient);
const ssm = mockClient(SSMClient);

const ENGINEER = 'arn:aws:sts::222222222222:assumed-role/rxdr-staging-operator/engineer-a';
const APPROVER = 'arn:aws:sts::222222222222:assumed-role/rxdr-staging-approver/approver-a';
const FACILITATOR = 'arn:aws:sts::222222222222:assumed-role/rxdr-staging-operator/engineer-b';
const KEYS = {
  AKIAFACILITATOR: { secret: 'facilitator-secret', arn: FACILITATOR },
  AKIAENGINEER: { secret: 'engineer-secret', arn: ENGINEER },
};
const FAILOVER_SM = 'arn:aws:states:us-west-2:222222222222:stateMachine:rxdr-staging-failover';
const FAILBACK_SM = 'arn:aws:states:us-west-2:222222222222:stateMachine:rxdr-staging-failback';
const DRILL_SM = 'arn:aws:states:us-west-2:222222222222:stateMachine:rxdr-staging-drill';

interface Execution {
  arn: string;
  name: string;
  machine: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  start: Date;
  stop?: Date;
  input: Record<string, unknown>;
  history: HistoryEvent[];
}

let objects: Map<string, string>;
let putFailure: Error | undefined;
let experiment: { id: string; status: string; start?: Date; end?: Date } | undefined;
let executions: Execution[];
let alarms: { name: string; at: Date }[];
let instanceStatus: string;
/** Staging's Aurora cluster (adjudication, tier 1): its status, writer, and its global database's members. */
let aurora: {
  status: string;
  hasWriter: boolean;
  exists: boolean;
  writerRegion: 'us-east-1' | 'us-west-2';
  secondaryMember: boolean;
  failoverState?: string;
};
const PRIMARY_CLUSTER_ARN = 'arn:aws:rds:us-east-1:222222222222:cluster:rxdr-staging-adjudication';
const SECONDARY_CLUSTER_ARN = 'arn:aws:rds:us-west-2:222222222222:cluster:rxdr-staging-adjudication-dr';

const signInAs = (key: keyof typeof KEYS) => signInWith(sts, KEYS, key);

function world(): void {
  objects = new Map();
  putFailure = undefined;
  experiment = undefined;
  executions = [];
  alarms = [];
  instanceStatus = 'available';
  aurora = { status: 'available', hasWriter: true, exists: true, writerRegion: 'us-east-1', secondaryMember: true };
  s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: string; IfNoneMatch?: string }) => {
    if (putFailure) throw putFailure;
    if (input.IfNoneMatch === '*' && objects.has(input.Key))
      throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
        name: 'PreconditionFailed',
        $metadata: { httpStatusCode: 412 },
      });
    objects.set(input.Key, input.Body);
    return {};
  });
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string }) => ({
    Contents: [...objects.keys()]
      .filter((k) => k.startsWith(input.Prefix ?? ''))
      .sort()
      .map((Key) => ({ Key })),
  }));
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const body = objects.get(input.Key);
    if (body === undefined) throw Object.assign(new Error('no such key'), { name: 'NoSuchKey' });
    return { Body: { transformToString: async () => body } };
  });
  fis.on(ListExperimentTemplatesCommand).callsFake(() => ({
    experimentTemplates: [
      'primary-instance-failure',
      'primary-region-unreachable',
      'recovery-point-deletion-attempt',
      'isolated-copy-restore',
    ].map((scenario) => ({ id: `EXT-${scenario}`, tags: { Name: `rxdr-staging-${scenario}` } })),
  }));
  fis.on(GetExperimentTemplateCommand).callsFake((input: { id: string }) => ({
    experimentTemplate: {
      id: input.id,
      description: `rxdr staging game day ${input.id}`,
      targets: {
        Subnets: { resourceType: 'aws:ec2:subnet', resourceTags: { 'rxdr:env': 'staging', 'rxdr:gameday': 'target' } },
      },
      actions: { Disrupt: { actionId: 'aws:network:disrupt-connectivity', parameters: { duration: 'PT30M' } } },
      stopConditions: [
        { source: 'aws:cloudwatch:alarm', value: 'arn:aws:cloudwatch:us-east-1:222222222222:alarm:out-of-scope' },
      ],
    },
  }));
  fis.on(StartExperimentCommand).callsFake((input: { clientToken: string }) => {
    experiment ??= { id: `EXP-${input.clientToken.slice(-6)}`, status: 'running', start: new Date() };
    return { experiment: { id: experiment.id, state: { status: experiment.status } } };
  });
  fis.on(GetExperimentCommand).callsFake(() => ({
    experiment: {
      id: experiment?.id,
      state: { status: experiment?.status },
      startTime: experiment?.start,
      ...(experiment?.end ? { endTime: experiment.end } : {}),
      actions: { Disrupt: { startTime: experiment?.start } },
    },
  }));
  fis.on(StopExperimentCommand).callsFake(() => {
    if (!experiment || experiment.status !== 'running')
      throw Object.assign(new Error('experiment is not running'), { name: 'ConflictException' });
    experiment.status = 'stopped';
    experiment.end = new Date();
    return {};
  });
  sfn.on(ListExecutionsCommand).callsFake((input: { stateMachineArn: string }) => ({
    executions: executions
      .filter((e) => e.machine === input.stateMachineArn)
      .map((e) => ({ executionArn: e.arn, name: e.name, status: e.status, startDate: e.start, stopDate: e.stop })),
  }));
  sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => {
    const e = executions.find((x) => x.arn === input.executionArn);
    return { executionArn: e?.arn, status: e?.status, input: JSON.stringify(e?.input ?? {}) };
  });
  sfn.on(GetExecutionHistoryCommand).callsFake((input: { executionArn: string }) => ({
    events: executions.find((x) => x.arn === input.executionArn)?.history ?? [],
  }));
  // The gateway's StartExecution: a failback the end of the game day starts.
  sfn.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string; name: string; input: string }) => {
    const arn = `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`;
    executions.push({
      arn,
      name: input.name,
      machine: input.stateMachineArn,
      status: 'RUNNING',
      start: new Date(),
      input: JSON.parse(input.input) as Record<string, unknown>,
      history: [],
    });
    return { executionArn: arn, startDate: new Date() };
  });
  cloudwatch.on(DescribeAlarmHistoryCommand).callsFake(() => ({
    AlarmHistoryItems: alarms.map((a) => ({
      AlarmName: a.name,
      Timestamp: a.at,
      HistoryItemType: 'StateUpdate',
      HistoryData: JSON.stringify({ oldState: { stateValue: 'OK' }, newState: { stateValue: 'ALARM' } }),
    })),
  }));
  rds.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier: string }) => ({
    DBInstances: [{ DBInstanceIdentifier: input.DBInstanceIdentifier, DBInstanceStatus: instanceStatus }],
  }));
  rds.on(DescribeDBClustersCommand).callsFake((input: { DBClusterIdentifier: string }) => {
    if (!aurora.exists) throw Object.assign(new Error('not found'), { name: 'DBClusterNotFoundFault' });
    return {
      DBClusters: [
        {
          DBClusterIdentifier: input.DBClusterIdentifier,
          Status: aurora.status,
          DBClusterMembers: [
            { DBInstanceIdentifier: `${input.DBClusterIdentifier}-writer`, IsClusterWriter: aurora.hasWriter },
            { DBInstanceIdentifier: `${input.DBClusterIdentifier}-reader-1`, IsClusterWriter: false },
          ],
        },
      ],
    };
  });
  rds.on(DescribeGlobalClustersCommand).callsFake((input: { GlobalClusterIdentifier: string }) => ({
    GlobalClusters: [
      {
        GlobalClusterIdentifier: input.GlobalClusterIdentifier,
        Status: 'available',
        ...(aurora.failoverState ? { FailoverState: { Status: aurora.failoverState } } : {}),
        GlobalClusterMembers: [
          { DBClusterArn: PRIMARY_CLUSTER_ARN, IsWriter: aurora.writerRegion === 'us-east-1' },
          ...(aurora.secondaryMember
            ? [{ DBClusterArn: SECONDARY_CLUSTER_ARN, IsWriter: aurora.writerRegion === 'us-west-2' }]
            : []),
        ],
      },
    ],
  }));
  ssm.on(GetParameterCommand).rejects(Object.assign(new Error('none'), { name: 'ParameterNotFound' }));
}

/** The failover as the engineer and approver run it: the execution and the evidence the runbook writes. */
function failover(operation: 'failover' | 'failback', status: Execution['status'], retried = false): Execution {
  const start = new Date();
  const name = `${operation}-dispensing-${executions.length}`;
  const machine = operation === 'failover' ? FAILOVER_SM : FAILBACK_SM;
  const execution: Execution = {
    arn: `${machine.replace(':stateMachine:', ':execution:')}:${name}`,
    name,
    machine,
    status,
    start,
    ...(status === 'RUNNING' ? {} : { stop: new Date() }),
    input: { database: 'dispensing', reason: 'game day', startedBy: ENGINEER },
    history: retried
      ? ([
          { type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Promote' } },
          { type: 'TaskScheduled' },
          { type: 'TaskFailed' },
          { type: 'TaskScheduled' },
        ] as HistoryEvent[])
      : [],
  };
  executions.push(execution);
  if (status !== 'RUNNING') {
    const doc: EvidenceDocument = buildEvidence({
      runId: name,
      kind: 'failover',
      environment: 'staging',
      provider: 'aws',
      database: 'dispensing',
      tier: 1,
      targets: { rtoSeconds: 3600, rpoSeconds: 300 },
      timestamps: {
        started: start.toISOString(),
        available: new Date().toISOString(),
        recorded: new Date().toISOString(),
      },
      achievedRpoSeconds: 2,
      result: status === 'SUCCEEDED' ? 'passed' : 'failed',
      checks: [],
      cleanup: { status: 'not-needed', resources: [] },
      startedBy: ENGINEER,
      toolVersion: '0.1.0',
      runbook: {
        operation,
        strategy: 'promote-replica',
        reason: 'game day',
        executionArn: execution.arn,
        approvedBy: APPROVER,
        approvedAt: new Date().toISOString(),
        status: status === 'SUCCEEDED' ? 'completed' : 'failed',
        steps: [],
      },
    });
    objects.set(`${operation}/${evidenceKey(doc)}`, JSON.stringify(doc));
  }
  return execution;
}

const journalKeys = () => [...objects.keys()].filter((k) => k.startsWith('gamedays/staging/'));
const gameDayEvidence = () =>
  [...objects.entries()]
    .filter(([k]) => k.startsWith('gameday/staging/'))
    .map(([, v]) => JSON.parse(v) as EvidenceDocument);
const participations = () =>
  [...objects.entries()]
    .filter(([k]) => k.startsWith('people/staging/gameday-participation/'))
    .map(([, v]) => PeopleRecord.parse(JSON.parse(v)));

const gateway = useLocalRunbookGateway(
  KEYS,
  {
    environment: 'staging',
    account: '222222222222',
    stateMachines: { failover: FAILOVER_SM, failback: FAILBACK_SM },
    approvalParameterPrefix: '/rxdr/staging/approvals',
    roles: {
      operator: 'rxdr-staging-operator',
      approver: 'rxdr-staging-approver',
      breakGlass: 'rxdr-staging-break-glass',
    },
  },
  'us-west-2',
);
beforeEach(() => {
  for (const mock of [s3, fis, sfn, sts, rds, cloudwatch, lambda, ssm]) mock.reset();
  lambda.on(GetFunctionUrlConfigCommand).resolves({ FunctionUrl: gateway().url });
  cliRuntime.pollMs = 0;
  world();
  signInAs('AKIAFACILITATOR');
});

describe('rxdr gameday: usage errors exit 2 with what to do', () => {
  test('no --scenario lists the enabled ones; a disabled one is refused before any AWS call', async () => {
    const missing = await rxdr('gameday', 'start', '--env', 'staging');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--scenario <name> is required; enabled in staging: primary-instance-failure/);
    const unknown = await rxdr('gameday', 'plan', '--env', 'staging', '--scenario', 'meteor');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown or disabled scenario "meteor"/);
    expect(sts.calls()).toHaveLength(0);
    expect(fis.calls()).toHaveLength(0);
  });

  test('status and end without a game day in progress say how to plan one', async () => {
    for (const args of [['status'], ['end', '--lesson', 'x']]) {
      const result = await rxdr('gameday', ...args, '--env', 'staging');
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/no game day in progress in staging: plan one with `rxdr gameday plan/);
    }
  });

  test('a scenario whose template is not deployed exits 2 and says to deploy', async () => {
    fis.on(ListExperimentTemplatesCommand).resolves({ experimentTemplates: [] });
    const result = await rxdr('gameday', 'plan', '--env', 'staging', '--scenario', 'primary-instance-failure');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no experiment template "rxdr-staging-primary-instance-failure" in us-east-1/);
  });

  test('expired credentials exit 2 and say to log in again', async () => {
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('expired'), { name: 'ExpiredToken' }));
    const result = await rxdr('gameday', 'start', '--env', 'staging', '--scenario', 'primary-instance-failure');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/log in again/);
    expect(fis.commandCalls(StartExperimentCommand)).toHaveLength(0);
  });
});

describe('rxdr gameday plan', () => {
  test('shows targets by tag, actions, stop conditions, the duration and who takes part', async () => {
    const result = await rxdr('gameday', 'plan', '--env', 'staging', '--scenario', 'primary-region-unreachable');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/aws:ec2:subnet tagged rxdr:env=staging, rxdr:gameday=target/);
    expect(result.stdout).toMatch(/aws:network:disrupt-connectivity/);
    expect(result.stdout).toMatch(/alarm:out-of-scope/);
    expect(result.stdout).toMatch(/at most 30 min/);
    expect(result.stdout).toContain(`engineer Example engineer A (${ENGINEER})`);
    expect(result.stdout).toContain(`approver Example approver (${APPROVER})`);
  });
});

describe('a full game day per scenario, back at baseline each time', () => {
  test('primary-region-unreachable: fault, alarm, failover, approval, failback started by end, then scorecard', async () => {
    const start = await rxdr('gameday', 'start', '--env', 'staging', '--scenario', 'primary-region-unreachable');
    expect(start.stderr).toBe('');
    expect(start.code).toBe(0);
    const [started] = fis.commandCalls(StartExperimentCommand).map((c) => c.args[0].input);
    expect(started).toMatchObject({ experimentTemplateId: 'EXT-primary-region-unreachable' });
    expect(journalKeys()).toHaveLength(2);
    expect(s3.commandCalls(PutObjectCommand).every((c) => c.args[0].input.IfNoneMatch === '*')).toBe(true);

    alarms.push({ name: 'Rxdr-Staging-Primary-ReplicaLag', at: new Date(Date.now() + 5) });
    failover('failover', 'SUCCEEDED', true);
    const status = await rxdr('gameday', 'status', '--env', 'staging', '--json');
    expect(status.code).toBe(0);
    const timeline = (JSON.parse(status.stdout) as { timeline: { name: string; at?: string }[] }).timeline;
    expect(timeline.filter((m) => m.at).map((m) => m.name)).toEqual([
      'fault-injected',
      'alarm-raised',
      'first-runbook-action',
      'approval',
      'recovered',
      'verified',
    ]);

    // The environment runs in the recovery region: end stops the fault and starts the failback, and waits.
    const first = await rxdr('gameday', 'end', '--env', 'staging', '--lesson', 'the alarm named the wrong runbook');
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/not back at its baseline yet/);
    expect(first.stderr).toMatch(/started the failback failback-dispensing-.*`rxdr failback approve/);
    expect(fis.commandCalls(StopExperimentCommand)).toHaveLength(1);
    const failback = executions.find((e) => e.machine === FAILBACK_SM);
    expect(failback?.input).toMatchObject({ database: 'dispensing', startedBy: FACILITATOR });
    expect(gameDayEvidence()).toHaveLength(0);

    // The approver approves the failback; it succeeds; end again finishes the game day.
    Object.assign(failback!, { status: 'SUCCEEDED', stop: new Date() });
    failover('failback', 'SUCCEEDED');
    const second = await rxdr('gameday', 'end', '--env', 'staging', '--json');
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const [doc] = gameDayEvidence();
    expect(doc).toMatchObject({
      kind: 'gameday',
      result: 'passed',
      database: 'dispensing',
      targets: { rtoSeconds: 3600, rpoSeconds: 300 },
      achievedRpoSeconds: 2,
      gameDay: {
        scenario: 'primary-region-unreachable',
        endedEarly: true,
        lessons: ['the alarm named the wrong runbook'],
        baseline: { how: 'failback', problems: [] },
      },
    });
    expect(doc!.gameDay!.timeline.every((m) => m.at)).toBe(true);
    expect(doc!.gameDay!.participants).toEqual(
      expect.arrayContaining([
        { person: FACILITATOR, role: 'facilitator', name: 'Example engineer B', verifiedBy: 'sts' },
        expect.objectContaining({ person: ENGINEER, role: 'engineer', name: 'Example engineer A' }),
        expect.objectContaining({ person: APPROVER, role: 'approver', name: 'Example approver' }),
      ]),
    );
    expect(doc!.gameDay!.interventions).toContainEqual(expect.objectContaining({ kind: 'retry', step: 'Promote' }));
    // The roster becomes current for the engineer and the approver who took part.
    const readiness = assessReadiness(
      {
        engineers: [{ name: 'A', arn: ENGINEER }],
        approvers: [{ name: 'P', arn: APPROVER }],
        readinessDays: 180,
        topics: { engineer: [], approver: [] },
        trainingValidDays: 365,
      },
      participations(),
      new Date(),
    );
    expect(readiness.overdue).toEqual([]);
    expect(await rxdr('gameday', 'status', '--env', 'staging')).toMatchObject({ code: 2 });
  });

  test.each([
    ['primary-instance-failure', 'us-east-1'],
    ['recovery-point-deletion-attempt', 'us-west-2'],
  ])(
    '%s: the fault runs its course, an alarm fires, no failover; end verifies the original topology',
    async (scenario) => {
      expect((await rxdr('gameday', 'start', '--env', 'staging', '--scenario', scenario)).code).toBe(0);
      alarms.push({ name: 'rxdr-staging-recovery-point-deletion', at: new Date(Date.now() + 5) });
      experiment!.status = 'completed';
      experiment!.end = new Date(Date.now() + 10);
      const end = await rxdr('gameday', 'end', '--env', 'staging', '--lesson', 'detections fired in 40 s', '--json');
      expect(end.code).toBe(0);
      expect(fis.commandCalls(StopExperimentCommand)).toHaveLength(0);
      const [doc] = gameDayEvidence();
      expect(doc).toMatchObject({
        kind: 'gameday',
        result: 'passed',
        gameDay: { scenario, endedEarly: false, baseline: { how: 'original-topology' } },
      });
      expect(doc!.gameDay!.timeline.filter((m) => m.at).map((m) => m.name)).toEqual([
        'fault-injected',
        'alarm-raised',
        'baseline',
      ]);
    },
  );
});

describe('the journal beside the evidence', () => {
  test('is not evidence: the evidence store lists neither the entries nor them as unreadable', async () => {
    expect((await rxdr('gameday', 'start', '--env', 'staging', '--scenario', 'primary-instance-failure')).code).toBe(0);
    expect(journalKeys().length).toBeGreaterThan(0);
    const bucket = 'rxdr-staging-evidence-222222222222-us-west-2';
    expect(await new S3EvidenceStore(new S3Client({}), bucket).list()).toEqual({ documents: [], invalid: [] });
    const dir = tempDir('rxdr-gameday-journal-beside-evidence');
    mkdirSync(path.join(dir, 'gamedays', 'staging', 'run'), { recursive: true });
    writeFileSync(path.join(dir, 'gamedays', 'staging', 'run', 'entry.json'), objects.get(journalKeys()[0]!)!);
    expect(await new FileEvidenceStore(dir).list()).toEqual({ documents: [], invalid: [] });
  });
});

describe('interrupted and ended early', () => {
  test('a start interrupted before the experiment resumes with the same client token and records it', async () => {
    fis
      .on(StartExperimentCommand)
      .rejectsOnce(Object.assign(new Error('connect ECONNREFUSED'), { name: 'NetworkingError' }));
    const interrupted = await rxdr('gameday', 'start', '--env', 'staging', '--scenario', 'primary-instance-failure');
    expect(interrupted.code).toBe(2);
    expect(interrupted.stderr).toMatch(/cannot reach AWS/);
    expect(journalKeys()).toHaveLength(1);
    const other = await rxdr('gameday', 'start', '--env', 'staging', '--scenario', 'primary-region-unreachable');
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/resume it with --scenario primary-instance-failure, or end it/);
    const journal = new Map(objects);
    world();
    objects = journal;
    const resumed = await rxdr('gameday', 'start', '--env', 'staging', '--scenario', 'primary-instance-failure');
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/resuming the start of gameday-primary-instance-failure-/);
    const tokens = fis.commandCalls(StartExperimentCommand).map((c) => c.args[0].input.clientToken);
    expect(new Set(tokens).size).toBe(1);
    const again = await rxdr('gameday', 'start', '--env', 'staging', '--scenario', 'primary-instance-failure');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/a game day is already in progress in staging/);
  });

  test('ended early: end stops the running experiment, waits for the primary, then writes the scorecard', async () => {
    const start = await rxdr('gameday', 'start', '--env', 'staging', '--scenario', 'primary-instance-failure');
    expect(start.stderr).toBe('');
    instanceStatus = 'rebooting';
    const first = await rxdr('gameday', 'end', '--env', 'staging', '--lesson', 'stopped at 5 min');
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/is rebooting, not available/);
    expect(experiment!.status).toBe('stopped');
    instanceStatus = 'available';
    const second = await rxdr('gameday', 'end', '--env', 'staging');
    expect(second.code).toBe(0);
    expect(gameDayEvidence()[0]).toMatchObject({ gameDay: { endedEarly: true, lessons: ['stopped at 5 min'] } });
  });

  test('an Aurora cluster failing over: end waits until the cluster is available with a writer again', async () => {
    expect((await rxdr('gameday', 'start', '--env', 'staging', '--scenario', 'primary-instance-failure')).code).toBe(0);
    aurora.status = 'failing-over';
    aurora.hasWriter = false;
    const first = await rxdr('gameday', 'end', '--env', 'staging', '--lesson', 'the writer moved in 30 s');
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/adjudication: cluster rxdr-staging-adjudication is failing-over, not available/);
    expect(first.stdout).toMatch(/adjudication: cluster rxdr-staging-adjudication has no writer instance/);
    // Each problem once: the baseline reads each cluster once.
    expect(first.stdout.match(/has no writer instance/g)).toHaveLength(1);
    expect(rds.commandCalls(DescribeDBClustersCommand).map((c) => c.args[0].input.DBClusterIdentifier)).toContain(
      'rxdr-staging-adjudication',
    );
    Object.assign(aurora, { status: 'available', hasWriter: true });
    const second = await rxdr('gameday', 'end', '--env', 'staging');
    expect(second.code).toBe(0);
    expect(gameDayEvidence()[0]).toMatchObject({ gameDay: { baseline: { problems: [] } } });
  });

  test('a global database not as configured is not the baseline: each problem names the cluster', async () => {
    expect((await rxdr('gameday', 'start', '--env', 'staging', '--scenario', 'primary-instance-failure')).code).toBe(0);
    Object.assign(aurora, { writerRegion: 'us-west-2', failoverState: 'switching-over' });
    const switched = await rxdr('gameday', 'end', '--env', 'staging', '--lesson', 'x');
    expect(switched.code).toBe(1);
    expect(switched.stdout).toMatch(
      /cluster rxdr-staging-adjudication is not the writer of rxdr-staging-adjudication-global \(the writer is arn:aws:rds:us-west-2:222222222222:cluster:rxdr-staging-adjudication-dr\)/,
    );
    expect(switched.stdout).toMatch(/a switchover or failover of rxdr-staging-adjudication-global is under way/);
    Object.assign(aurora, { writerRegion: 'us-east-1', failoverState: undefined, secondaryMember: false });
    const detached = await rxdr('gameday', 'end', '--env', 'staging');
    expect(detached.code).toBe(1);
    expect(detached.stdout).toMatch(
      /the secondary cluster rxdr-staging-adjudication-dr \(us-west-2\) is no longer in rxdr-staging-adjudication-global/,
    );
    Object.assign(aurora, { secondaryMember: true, exists: false });
    const gone = await rxdr('gameday', 'end', '--env', 'staging');
    expect(gone.stdout).toMatch(/adjudication: the primary cluster rxdr-staging-adjudication is gone in us-east-1/);
    aurora.exists = true;
    expect((await rxdr('gameday', 'end', '--env', 'staging')).code).toBe(0);
  });

  test('end without a lesson asks for one (exit 2) and changes nothing', async () => {
    expect((await rxdr('gameday', 'start', '--env', 'staging', '--scenario', 'primary-instance-failure')).code).toBe(0);
    const result = await rxdr('gameday', 'end', '--env', 'staging');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/pass --lesson "<text>"/);
    expect(fis.commandCalls(StopExperimentCommand)).toHaveLength(0);
  });

  test('evidence that cannot be written fails the end (exit 1) and the game day stays open to end again', async () => {
    expect((await rxdr('gameday', 'start', '--env', 'staging', '--scenario', 'primary-instance-failure')).code).toBe(0);
    experiment!.status = 'completed';
    s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: string; IfNoneMatch?: string }) => {
      if (input.Key.startsWith('gameday/')) throw Object.assign(new Error('Internal error'), { name: 'InternalError' });
      objects.set(input.Key, input.Body);
      return {};
    });
    const failed = await rxdr('gameday', 'end', '--env', 'staging', '--lesson', 'x');
    const failedWorld = objects;
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/game-day evidence NOT written: Internal error/);
    expect(participations()).toHaveLength(0);
    world();
    objects = new Map([...failedWorld].filter(([k]) => !k.startsWith('gameday/')));
    experiment = { id: 'EXP-again', status: 'completed' };
    const again = await rxdr('gameday', 'end', '--env', 'staging');
    expect(again.code).toBe(0);
    expect(gameDayEvidence()).toHaveLength(1);
  });
});

describe('isolated-copy-restore: the recovery vault declared lost, the engineer restores the isolated copy', () => {
  const DECLARATION = '/rxdr/staging/gameday/vault-declared-lost';
  const AIR_GAPPED = 'rxdr-staging-air-gapped';
  const backup = mockClient(BackupClient);
  let parameters: Map<string, string>;
  /** What a still-running automation does: declare the vault lost again after a withdrawal. */
  let redeclareAfterDelete: boolean;
  let config: string;

  beforeAll(() => {
    // The shipped staging environment with a logically air-gapped vault (what the scenario needs).
    const shipped = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'config', 'rxdr.config.json'), 'utf8'));
    shipped.environments.staging.isolatedBackup = { mode: 'air-gapped' };
    config = path.join(tempDir('rxdr-gameday-isolated'), 'rxdr.config.json');
    writeFileSync(config, JSON.stringify(shipped));
  });
  afterAll(() => backup.restore());
  afterEach(() => delete process.env.RXDR_CONFIG);
  beforeEach(() => {
    process.env.RXDR_CONFIG = config;
    parameters = new Map();
    redeclareAfterDelete = false;
    backup.reset();
    ssm.on(GetParameterCommand).callsFake((input: { Name: string }) => {
      const value = parameters.get(input.Name);
      if (value === undefined) throw Object.assign(new Error('none'), { name: 'ParameterNotFound' });
      return { Parameter: { Name: input.Name, Value: value } };
    });
    ssm.on(DeleteParameterCommand).callsFake((input: { Name: string }) => {
      if (!parameters.delete(input.Name)) throw Object.assign(new Error('none'), { name: 'ParameterNotFound' });
      if (redeclareAfterDelete) {
        redeclareAfterDelete = false;
        parameters.set(input.Name, '{"vault":"rxdr-staging-recovery","automation":"again"}');
      }
      return {};
    });
    // Each vault holds one completed recovery point of dispensing, named after the vault.
    backup.on(ListRecoveryPointsByBackupVaultCommand).callsFake((input: { BackupVaultName: string }) => ({
      RecoveryPoints: [
        {
          RecoveryPointArn: `arn:aws:backup:us-west-2:222222222222:recovery-point:${input.BackupVaultName}-1`,
          ResourceArn: DISPENSING,
          Status: 'COMPLETED',
          CreationDate: new Date(Date.now() - 3600_000),
        },
      ],
    }));
  });

  const DISPENSING = 'arn:aws:rds:us-east-1:222222222222:db:rxdr-staging-dispensing';
  const gameday = (...args: string[]) => rxdr('gameday', ...args, '--env', 'staging');

  /**
   * The restore drill the engineer started, as the drill's steps leave it: the source chosen by the drill's own
   * recovery-source code (it reads the declaration and lists the vaults through the mocks above), restored,
   * validated and cleaned up, recorded by the drill's own evidence builder.
   */
  async function drillRuns(execution: Execution, passed = true): Promise<void> {
    const source = await findRecoverySource(
      {
        rds: new RDSClient({}),
        backup: new BackupClient({}),
        secrets: new SecretsManagerClient({}),
        ssm: new SSMClient({}),
      },
      {
        vaultName: 'rxdr-staging-recovery',
        isolatedVaultName: AIR_GAPPED,
        vaultLostParameterName: DECLARATION,
        restoreRoleArn: 'arn:aws:iam::222222222222:role/restore',
        subnetGroupName: 'drill',
        securityGroupIds: ['sg-drill'],
        kmsKeyArn: 'arn:aws:kms:us-west-2:222222222222:key/recovery',
        instanceClass: 'db.t4g.medium',
      },
      { name: 'dispensing', source: 'backup', sourceArn: DISPENSING } as FleetDatabase,
      'dispensing',
      { kind: 'latest' },
    );
    const at = (ms: number) => new Date(execution.start.getTime() + ms).toISOString();
    const doc = drillEvidence(
      {
        input: {
          drillId: `${execution.name}-dispensing`,
          environment: 'staging',
          database: 'dispensing',
          tier: 1,
          targets: { rtoSeconds: 3600, rpoSeconds: 300 },
          selector: { kind: 'latest' },
          startedBy: ENGINEER,
          toolVersion: '0.1.0',
          restoreTimeoutSeconds: 10800,
        },
        startedAt: at(0),
        source,
        restore: {
          handle: { id: 'rxdr-drill-dispensing-0123456789', details: {} },
          startedAt: at(1000),
          status: 'available',
          polls: 1,
          nextPollSeconds: 60,
        },
        available: {
          at: at(20_000),
          target: { identifier: 'rxdr-drill-dispensing-0123456789', engine: 'postgres' },
          checks: [],
        },
        validation: { at: at(30_000), passed, achievedRpoSeconds: 120, checks: [], endpoint: 'drill:5432' },
        cleanup: { status: 'deleted', requestedAt: at(31_000), finishedAt: at(40_000), polls: 1, nextPollSeconds: 60 },
      },
      'aws',
      new Date(at(41_000)),
    );
    objects.set(evidenceKey(doc), JSON.stringify(doc));
    Object.assign(execution, { status: 'SUCCEEDED', stop: new Date(at(41_000)) });
  }

  async function startAndRespond(passed = true) {
    const start = await gameday('start', '--scenario', 'isolated-copy-restore');
    expect(start.stderr).toBe('');
    expect(start.code).toBe(0);
    expect(fis.commandCalls(StartExperimentCommand)[0]!.args[0].input).toMatchObject({
      experimentTemplateId: 'EXT-isolated-copy-restore',
    });
    // FIS runs the scenario's automation: its first step declares the recovery vault lost.
    parameters.set(DECLARATION, '{"vault":"rxdr-staging-recovery","automation":"exec-1"}');
    signInAs('AKIAENGINEER');
    const drill = await rxdr('drill', 'start', '--env', 'staging', '--database', 'dispensing', '--no-follow');
    expect(drill.code).toBe(0);
    const execution = executions.find((e) => e.machine === DRILL_SM)!;
    expect(execution.input).toMatchObject({ startedBy: ENGINEER, databases: ['dispensing'] });
    await drillRuns(execution, passed);
    signInAs('AKIAFACILITATOR');
    return execution;
  }

  test('fault, the drill restores the isolated copy (recovered, verified), end withdraws the declaration, scorecard', async () => {
    await startAndRespond();
    const status = await gameday('status', '--json');
    expect(status.code).toBe(0);
    const timeline = (JSON.parse(status.stdout) as { timeline: { name: string; at?: string; detail?: string }[] })
      .timeline;
    expect(timeline.filter((m) => m.at).map((m) => m.name)).toEqual([
      'fault-injected',
      'first-runbook-action',
      'recovered',
      'verified',
    ]);

    ssm.resetHistory();
    const end = await gameday('end', '--lesson', 'nobody knew where the air-gapped vault was', '--json');
    expect(end.stderr).toMatch(/stopped the experiment/);
    expect(end.stderr).toMatch(/withdrew the declaration that the recovery vault is lost/);
    expect(end.code).toBe(0);
    expect(parameters.has(DECLARATION)).toBe(false);
    // Withdrawn, then asked again whether it is gone (the Operator may delete it, never read it).
    expect(ssm.commandCalls(DeleteParameterCommand).map((c) => c.args[0].input.Name)).toEqual([
      DECLARATION,
      DECLARATION,
    ]);
    expect(ssm.commandCalls(GetParameterCommand).length).toBe(0);
    const [doc] = gameDayEvidence();
    expect(doc).toMatchObject({
      kind: 'gameday',
      result: 'passed',
      database: 'dispensing',
      achievedRpoSeconds: 120,
      gameDay: {
        scenario: 'isolated-copy-restore',
        endedEarly: true,
        baseline: { how: 'original-topology', problems: [] },
      },
    });
    expect(doc!.gameDay!.timeline.filter((m) => m.at).map((m) => m.name)).toEqual([
      'fault-injected',
      'first-runbook-action',
      'recovered',
      'verified',
      'baseline',
    ]);
    expect(doc!.gameDay!.runbookEvidence).toEqual([expect.stringMatching(/staging\/dispensing\/.*-drill-drill-/)]);
    expect(doc!.gameDay!.participants).toContainEqual(
      expect.objectContaining({ person: ENGINEER, role: 'engineer', name: 'Example engineer A' }),
    );
    expect(participations().map((p) => p.person)).toEqual([ENGINEER]);
  });

  test('the drill restored the isolated vault because the vault was declared lost', async () => {
    await startAndRespond();
    const [key] = [...objects.keys()].filter((k) => k.startsWith('staging/dispensing/'));
    const drill = JSON.parse(objects.get(key!)!) as EvidenceDocument;
    expect(drill.source).toMatchObject({
      id: `arn:aws:backup:us-west-2:222222222222:recovery-point:${AIR_GAPPED}-1`,
      details: { vault: AIR_GAPPED, recoveryVaultDeclaredLost: expect.stringContaining('exec-1') },
    });
  });

  test('declared lost again after the withdrawal (automation still running): not at baseline until withdrawn', async () => {
    await startAndRespond();
    redeclareAfterDelete = true;
    const first = await gameday('end', '--lesson', 'stop the automation first');
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/the recovery vault was declared lost again after the withdrawal/);
    expect(gameDayEvidence()).toHaveLength(0);
    const second = await gameday('end');
    expect(second.code).toBe(0);
    expect(parameters.has(DECLARATION)).toBe(false);
    expect(gameDayEvidence()[0]).toMatchObject({ result: 'passed' });
  });

  test('a drill whose validation failed does not verify the isolated copy: the scorecard fails and says so', async () => {
    await startAndRespond(false);
    const end = await gameday('end', '--lesson', 'the copy was stale');
    expect(end.code).toBe(1);
    const [doc] = gameDayEvidence();
    expect(doc!.gameDay!.timeline.find((m) => m.name === 'verified')!.at).toBeUndefined();
    expect(doc).toMatchObject({ result: 'failed' });
    expect(doc!.failureReason).toMatch(/the drill drill-.* did not verify the isolated copy of dispensing/);
  });

  test('a scheduled drill during the game day is not a response: no recovered milestone', async () => {
    const start = await gameday('start', '--scenario', 'isolated-copy-restore');
    expect(start.code).toBe(0);
    parameters.set(DECLARATION, '{"vault":"rxdr-staging-recovery"}');
    const scheduled: Execution = {
      arn: `${DRILL_SM.replace(':stateMachine:', ':execution:')}:scheduled-1`,
      name: 'scheduled-1',
      machine: DRILL_SM,
      status: 'RUNNING',
      start: new Date(Date.now() + 5),
      input: { databases: 'all', startedBy: 'schedule:default' },
      history: [],
    };
    executions.push(scheduled);
    await drillRuns(scheduled);
    const status = await gameday('status', '--json');
    const timeline = (JSON.parse(status.stdout) as { timeline: { name: string; at?: string }[] }).timeline;
    expect(timeline.filter((m) => m.at).map((m) => m.name)).toEqual(['fault-injected']);
  });
});
