import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { manifestKey } from '../../engines/common/manifest-key';
import { buildManifest, silentLogger } from '../../engines/validation';
import { createManifestJobSteps } from '../../engines/validation/manifest-job';
import { ManifestJob } from '../../lib/constructs/validation/manifest-job';
import { seedDatabase } from '../../lib/seed';
import { failAfterWork, LocalStateMachine, type TaskInvocation } from '../helpers/local-state-machine';
import { testApp } from '../helpers/synth';
import { useTlsTestDatabase } from '../helpers/tls-postgres';
import { inMemoryBucket } from './manifest-job-run';

/**
 * The SYNTHESIZED manifest job state machine (PlanManifest → DescribeChunks Map → FinishManifest) running
 * the job's own step code against real PostgreSQL over verified TLS, its chunk plan and results in an
 * in-memory evidence bucket: with 16 KiB chunks the reference schema plans into hundreds of chunks, each is
 * described once at the configured parallelism, and the manifest written equals the unchunked one.
 */
const END = new Date('2026-11-01T00:00:00Z');
const SECRET = 'arn:aws:secretsmanager:us-west-2:111111111111:secret:rxdr/test/dispensing-AbCdEf';
const db = useTlsTestDatabase('manifest_sm');
const s3 = mockClient(S3Client);
const secrets = mockClient(SecretsManagerClient);
let unchunked: string;

beforeAll(async () => {
  await seedDatabase({ url: db().url, prescriptions: 2000, seed: 7, endTime: END, historyDays: 60 });
  unchunked = JSON.stringify({ ...(await buildManifest({ url: db().url, cutoff: END })), createdAt: '' });
}, 120_000);

function jobStack(parallelism = 3) {
  const stack = new Stack(testApp(), 'ManifestTest', { env: { account: '111111111111', region: 'us-west-2' } });
  const job = new ManifestJob(stack, 'ManifestJob', {
    adopterNetwork: { subnetIds: ['subnet-0a1b2c3d4e5f60718'], securityGroupIds: ['sg-0123456789abcdef0'] },
    targets: [{ name: 'dispensing', secretId: SECRET, parallelism, chunkBytes: 16 * 1024 }],
    evidenceBucketName: 'evidence-bucket',
    key: new kms.Key(stack, 'Key', { enableKeyRotation: true }),
    alertsTopic: new sns.Topic(stack, 'Alerts'),
    schedule: 'rate(1 day)',
    statementTimeout: Duration.minutes(10),
    logRetention: logs.RetentionDays.ONE_YEAR,
  });
  return { stack, job, template: Template.fromStack(stack) };
}

const { template } = jobStack();
const machine = LocalStateMachine.fromTemplate(template);

/** The schedule's input is the execution input. */
const scheduleInput = () => {
  const [schedule] = Object.values(template.findResources('AWS::Scheduler::Schedule')) as {
    Properties: { Target: { Input: string } };
  }[];
  return JSON.parse(schedule!.Properties.Target.Input) as Record<string, unknown>;
};

async function runJob(around?: Parameters<typeof failAfterWork>[0]) {
  s3.reset();
  secrets.reset();
  const url = new URL(db().url);
  secrets.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({
    SecretString: JSON.stringify({
      username: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      host: url.hostname,
      port: Number(url.port),
      dbname: db().name,
    }),
  });
  const objects = inMemoryBucket(s3);
  const steps = createManifestJobSteps({
    s3: new S3Client({}),
    secrets: new SecretsManagerClient({}),
    clock: { now: () => new Date('2026-11-01T00:05:00Z') },
    logger: silentLogger,
    bucket: 'evidence-bucket',
  });
  const calls = new Map<number, number>();
  let running = 0;
  let mostAtOnce = 0;
  const disturb = around ? failAfterWork(around, 'Lambda.Unknown') : undefined;
  const run = await machine.run(
    { ...scheduleInput(), cutoff: END.toISOString() },
    {
      functions: {
        ManifestJobPlanFunction: steps.plan,
        ManifestJobChunkFunction: steps.chunk,
        ManifestJobFinishFunction: steps.finish,
      },
      aroundTask: async (invocation: TaskInvocation, proceed) => {
        if (invocation.stateName !== 'DescribeChunk') return proceed();
        const id = (invocation.taskInput as { chunk: number }).chunk;
        calls.set(id, (calls.get(id) ?? 0) + 1);
        mostAtOnce = Math.max(mostAtOnce, ++running);
        try {
          return await (disturb ? disturb(invocation, proceed) : proceed());
        } finally {
          running--;
        }
      },
    },
  );
  return { run, objects, calls, mostAtOnce };
}

const written = (objects: Map<string, string>) =>
  JSON.stringify({ ...JSON.parse(objects.get(manifestKey('dispensing')) ?? '{}'), createdAt: '' });

describe('manifest job state machine (synthesized) on real PostgreSQL', () => {
  test('hundreds of chunks, each described once, at most the configured parallelism; the manifest equals the unchunked one', async () => {
    const { run, objects, calls, mostAtOnce } = await runJob();
    expect(run.status).toBe('SUCCEEDED');
    const output = run.output as { chunks: number; key: string };
    expect(output.key).toBe(manifestKey('dispensing'));
    expect(output.chunks).toBeGreaterThanOrEqual(100);
    expect(calls.size).toBe(output.chunks);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    expect(mostAtOnce).toBeLessThanOrEqual(3);
    expect(written(objects)).toBe(unchunked);
    // The state carried chunk ids only: the plan and each chunk's rows are in the bucket.
    expect([...objects.keys()].filter((k) => /^manifest-chunks\/dispensing\/[^/]+\/chunks\//.test(k))).toHaveLength(
      output.chunks,
    );
  }, 120_000);

  test('a chunk whose answer is lost after it succeeded is redone alone, and the manifest does not change', async () => {
    const { run, objects, calls } = await runJob('DescribeChunk');
    expect(run.status).toBe('SUCCEEDED');
    expect(run.retries.DescribeChunk).toBe(1);
    expect([...calls.values()].filter((n) => n === 2)).toHaveLength(1);
    expect([...calls.values()].filter((n) => n !== 1 && n !== 2)).toHaveLength(0);
    expect(written(objects)).toBe(unchunked);
  }, 120_000);
});

describe('manifest job template', () => {
  test('Plan → DescribeChunks (Map over chunk ids, parallelism from the input, result discarded) → Finish', () => {
    const definition = JSON.stringify(machine.definition);
    expect(machine.definition.StartAt).toBe('PlanManifest');
    const map = (machine.definition.States as unknown as Record<string, Record<string, unknown>>).DescribeChunks!;
    expect(map).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.chunking.ids',
      MaxConcurrencyPath: '$.chunking.parallel',
      ResultPath: null,
      Next: 'FinishManifest',
    });
    expect(definition).toContain('"Rxdr.ChunkFailed"');
    expect(scheduleInput()).toMatchObject({ name: 'dispensing', parallelism: 3, chunkBytes: 16 * 1024 });
  });

  test('least privilege: only Plan and Chunk write chunk results, only Finish writes manifests, nothing deletes', () => {
    const policies = template.findResources('AWS::IAM::ManagedPolicy');
    const statements = (role: string) =>
      Object.entries(policies)
        .filter(([id]) => id.startsWith(`ManifestJob${role}Role`))
        .flatMap(
          ([, p]) =>
            (p as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument.Statement,
        )
        .map((s) => JSON.stringify(s));
    const s3Actions = (role: string) =>
      statements(role)
        .filter((s) => s.includes('"s3:'))
        .map(
          (s) =>
            `${JSON.parse(s).Sid} ${JSON.parse(s).Action} ${s.includes('manifest-chunks/') ? 'chunks' : 'manifests'}`,
        )
        .sort();
    expect(s3Actions('Plan')).toEqual(['WriteChunkPlan s3:PutObject chunks']);
    expect(s3Actions('Chunk')).toEqual(['ReadChunkPlan s3:GetObject chunks', 'WriteChunkRows s3:PutObject chunks']);
    expect(s3Actions('Finish')).toEqual(['ReadChunkRows s3:GetObject chunks', 'WriteManifests s3:PutObject manifests']);
    for (const role of ['Plan', 'Chunk', 'Finish']) expect(statements(role).join()).not.toMatch(/Delete|"\*"|:\*"/);
    // The schedule starts the state machine; its role can do nothing else but dead-letter an unstarted run.
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^ManifestJobStateMachine') } }),
    });
    const chunkFn = Object.values(
      template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.chunk' } }),
    ) as { Properties: { Timeout: number; ReservedConcurrentExecutions: number } }[];
    expect(chunkFn).toHaveLength(1);
    expect(chunkFn[0]!.Properties.Timeout).toBe(300);
    expect(chunkFn[0]!.Properties.ReservedConcurrentExecutions).toBe(4);
  });

  test('invalid chunk settings are all named', () => {
    expect(() => {
      const stack = new Stack(testApp(), 'Bad', { env: { account: '111111111111', region: 'us-west-2' } });
      new ManifestJob(stack, 'ManifestJob', {
        adopterNetwork: { subnetIds: ['subnet-0a1b2c3d4e5f60718'], securityGroupIds: ['sg-0123456789abcdef0'] },
        targets: [{ name: 'dispensing', secretId: SECRET, parallelism: 41, chunkBytes: 100 }],
        evidenceBucketName: 'evidence-bucket',
        key: new kms.Key(stack, 'Key'),
        alertsTopic: new sns.Topic(stack, 'Alerts'),
        schedule: 'rate(1 day)',
        statementTimeout: Duration.minutes(10),
        logRetention: logs.RetentionDays.ONE_YEAR,
      });
    }).toThrow(/parallelism must be a whole number 1-40 \(inline Map\), got 41; .*chunkBytes must be .*got 100/);
  });
});
