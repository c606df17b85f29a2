import {
  BackupClient,
  DescribeRestoreJobCommand,
  ListRecoveryPointsByBackupVaultCommand,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateDBInstanceReadReplicaCommand,
  DescribeAccountAttributesCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  PromoteReadReplicaCommand,
  RDSClient,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  StopReplicationToReplicaCommand,
} from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import type { EvidenceDocument } from '../../engines/evidence/schema';
import type { RunbookClients, StepDeps } from '../../engines/failover/clients';
import type { Catalog, CatalogInput } from '../../engines/failover/catalog';
import { Catalog as CatalogSchema } from '../../engines/failover/catalog';
import {
  chunkPlanInputSchema,
  validationInputSchema,
  type ChunkPlanInput,
  type ValidationInput,
} from '../../engines/validation/handler';
import { chunkInputSchema } from '../../engines/validation/chunk-handler';
import type { Manifest } from '../../engines/validation';
import { manifestKey } from '../../engines/common/manifest-key';
import { engineReport, type EngineCheckName } from '../drill/engine-checks';
import { backupRestoreCompletedEvent, rdsInstanceEvent, type EmittedEvent } from '../helpers/event-waits';
import { InjectedCrash } from '../helpers/injected-crash';
import { manifestAt } from '../helpers/manifest-at';
import { credentialsOf, type TestDatabase } from '../helpers/postgres';

export const PRIMARY = 'us-east-1';
export const RECOVERY = 'us-west-2';
export const ACCOUNT = '111111111111';

/** Simulated AWS durations (the issue's figures). */
export interface Durations {
  promoteSeconds: number;
  pointInTimeSeconds: number;
  backupRestoreSeconds: number;
  validationSeconds: number;
  recordChangeSeconds: number;
  replicaCreateSeconds: number;
}
export const ISSUE_DURATIONS: Durations = {
  promoteSeconds: 300,
  pointInTimeSeconds: 2400,
  backupRestoreSeconds: 2700,
  validationSeconds: 120,
  recordChangeSeconds: 60,
  replicaCreateSeconds: 1800,
};

interface Instance {
  id: string;
  region: string;
  status: string;
  replicaSource?: string;
  readyAt?: number;
  /** Status once `readyAt` is reached. */
  becomes?: { status: string; replicaSource?: string };
  retention: number;
}

export class VirtualClock {
  constructor(public ms = Date.parse('2026-03-03T03:00:00.000Z')) {}
  now = (): Date => new Date(this.ms);
  sleep = async (ms: number): Promise<void> => {
    this.ms += ms;
  };
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

/** The event an instance emits when its transition ends (`at`: that moment). */
type EventAt = (at: number) => Record<string, unknown>;

function awsError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStub = AwsStub<any, any, any>;

/**
 * A small, stateful stand-in for the AWS account behind aws-sdk-client-mock: instances that take
 * (virtual) time to promote or restore, records whose changes propagate, parameters, a replicated secret,
 * recovery points. Every call is recorded, so tests assert what was (and was not) called.
 */
export class FakeAws {
  readonly clock = new VirtualClock();
  readonly instances = new Map<string, Instance>();
  readonly records = new Map<string, string>();
  readonly otherRecords = new Map<string, string>([['reporting.db.rx.internal.', 'reporting.old.example']]);
  readonly changes = new Map<string, number>();
  readonly parameters = new Map<string, string>();
  secret: { json: Record<string, unknown>; primaryRegion?: string } = { json: {}, primaryRegion: PRIMARY };
  readonly published: { subject: string; message: string }[] = [];
  /** The evidence bucket: every version of every object, oldest first (the bucket is versioned). */
  readonly objects = new Map<string, { id: string; body: string; modified: Date }[]>();
  replicaLag: number | undefined = 2;
  /**
   * The failback replica's `ReplicaLag` in CloudWatch, one datapoint per whole minute from the write freeze's
   * minute on (the last value repeats); see `failbackLagDatapoints`.
   */
  failbackLag: number[] = [5, 0, 0];
  primaryStatus: string | 'unreachable' = 'unreachable';
  /** What the stand-in validator answers (built like the engine's report); see `validatorFunction` for the real one. */
  validator: { passed: boolean; achievedRpoSeconds?: number; failing?: EngineCheckName } = {
    passed: true,
    achievedRpoSeconds: 3,
  };
  /** The validator Lambda's code, when a test runs the real validation engine behind it. */
  validatorFunction?: (event: unknown) => Promise<unknown>;
  /** The chunk validator Lambda's code (the failover's ValidateChunk), with the real engine. */
  chunkValidatorFunction?: (event: unknown) => Promise<unknown>;
  /** Every planning call to the validator, parsed with the engine's input schema. */
  readonly chunkPlanRequests: ChunkPlanInput[] = [];
  /** Mutating calls made so far (see `MUTATING`). */
  mutations = 0;
  private readonly crash = new InjectedCrash(awsError);
  /** Recovery points of the third catalog database, in `vault` (default: the recovery vault). */
  recoveryPoints: { arn: string; created: string; vault?: string }[] = [
    { arn: `arn:aws:backup:${RECOVERY}:${ACCOUNT}:recovery-point:rp-new`, created: '2026-03-03T01:00:00.000Z' },
  ];
  readonly restoreJobs = new Map<string, { id: string; token: string }>();
  /** Every validator request, parsed with the validation engine's input schema. */
  readonly validatorRequests: ValidationInput[] = [];
  private readonly injected: { command: string; error: Error; times: number }[] = [];
  readonly stubs: { client: string; stub: AnyStub }[] = [];
  readonly clients: RunbookClients;
  durations: Durations = { ...ISSUE_DURATIONS };
  /** The RDS and AWS Backup events each instance emitted (or will emit) when a transition ends. */
  private readonly emitted = new Map<string, EmittedEvent[]>();

  constructor(readonly catalog: Catalog) {
    const regional = <C>(make: (region: string) => C, region: string, name: string): C => {
      const client = make(region);
      this.stubs.push({ client: name, stub: mockClient(client as never) as unknown as AnyStub });
      return client;
    };
    this.clients = {
      rdsRecovery: regional((region) => new RDSClient({ region }), RECOVERY, 'rds:recovery'),
      rdsPrimary: regional((region) => new RDSClient({ region }), PRIMARY, 'rds:primary'),
      backup: regional((region) => new BackupClient({ region }), RECOVERY, 'backup'),
      route53: regional((region) => new Route53Client({ region }), RECOVERY, 'route53'),
      ssm: regional((region) => new SSMClient({ region }), RECOVERY, 'ssm'),
      secrets: regional((region) => new SecretsManagerClient({ region }), RECOVERY, 'secrets'),
      kms: regional((region) => new KMSClient({ region }), RECOVERY, 'kms'),
      sns: regional((region) => new SNSClient({ region }), RECOVERY, 'sns'),
      s3: regional((region) => new S3Client({ region }), RECOVERY, 's3'),
      cloudwatch: regional((region) => new CloudWatchClient({ region }), RECOVERY, 'cloudwatch:recovery'),
      cloudwatchPrimary: regional((region) => new CloudWatchClient({ region }), PRIMARY, 'cloudwatch:primary'),
    };
    this.wire();
  }

  deps(): StepDeps {
    return {
      catalog: this.catalog,
      clients: this.clients,
      clock: { now: this.clock.now },
      probe: async (host, port) => ({ ok: true, detail: `${host}:${port} accepted a connection` }),
    };
  }

  /**
   * The function dies right after its `after`-th mutating call from now took effect: that call's answer is
   * lost, and every later call fails (`Rxdr.InjectedCrash`) without effect until `died()` is asked.
   */
  crashAfterMutations(after: number): void {
    this.crash.arm(after);
  }

  /** Whether the armed crash happened; clears it (the next attempt runs normally). */
  died(): boolean {
    return this.crash.died();
  }

  /**
   * What CloudWatch answers for the failback replica's lag, newest first. Like CloudWatch: one datapoint per
   * whole minute, stamped with the minute's start and published when the minute ends; `StartTime` is rounded
   * down to its minute. Minutes before the write freeze's read 0, a stale zero that says nothing about the
   * writes made just before the freeze; from the freeze's minute on they read `failbackLag` in turn. An empty
   * `failbackLag` publishes nothing (a promoted instance has no `ReplicaLag`).
   */
  private failbackLagDatapoints(input: GetMetricDataCommandInput): number[] {
    const freeze = [...this.parameters.entries()].find(([name]) =>
      name.startsWith(`${this.catalog.writeFreezeParameterPrefix}/`),
    );
    const since = freeze ? (JSON.parse(freeze[1]) as { frozen?: boolean; since?: string }) : undefined;
    if (!since?.frozen || !since.since)
      throw new Error('the fake has no write freeze: nothing reads the failback lag before it');
    const minute = (ms: number) => Math.floor(ms / 60_000);
    const frozenMinute = minute(Date.parse(since.since));
    const first = minute(new Date(input.StartTime ?? 0).getTime());
    const last = Math.min(minute(new Date(input.EndTime ?? 0).getTime()), minute(this.clock.ms)) - 1;
    const values: number[] = [];
    if (this.failbackLag.length === 0) return values;
    for (let m = last; m >= first; m--) {
      const i = m - frozenMinute;
      values.push(i < 0 ? 0 : (this.failbackLag[Math.min(i, this.failbackLag.length - 1)] ?? 0));
    }
    return values;
  }

  /** Write an object version (as the manifest job or a step would). */
  putObject(key: string, body: string, modified = this.clock.now()): void {
    const versions = this.objects.get(key) ?? [];
    versions.push({ id: `v${versions.length + 1}`, body, modified });
    this.objects.set(key, versions);
  }

  /** A manifest version of `database`, written at `written`. */
  putManifest(database: string, manifest: Manifest, written: Date): void {
    this.putObject(manifestKey(database), JSON.stringify(manifest), written);
  }

  /** The failover and failback evidence documents written (the latest version of each). */
  evidence(): EvidenceDocument[] {
    return [...this.objects.entries()]
      .filter(([key]) => /^(failover|failback)\/.*\.json$/.test(key) && !key.endsWith('/validation.json'))
      .map(([, versions]) => JSON.parse(versions.at(-1)!.body) as EvidenceDocument);
  }

  /** The next `times` calls of `command` fail with `error` (e.g. throttling). */
  inject(command: string, error: Error, times = 1): void {
    this.injected.push({ command, error, times });
  }

  /** Every call made so far: `client`, command name and input. */
  calls(): { client: string; command: string; input: Record<string, unknown> }[] {
    return this.stubs.flatMap(({ client, stub }) =>
      stub.calls().map((call) => ({
        client,
        command: (call.args[0] as object).constructor.name.replace(/Command$/, ''),
        input: (call.args[0] as { input: Record<string, unknown> }).input,
      })),
    );
  }

  count(command: string, where: (input: Record<string, unknown>) => boolean = () => true): number {
    return this.calls().filter((c) => c.command === command && where(c.input)).length;
  }

  restore(): void {
    for (const { stub } of this.stubs) stub.restore();
  }

  addInstance(region: string, id: string, status: string, replicaSource?: string): void {
    this.instances.set(`${region}/${id}`, {
      id,
      region,
      status,
      ...(replicaSource ? { replicaSource } : {}),
      retention: 7,
    });
  }

  /** Instances whose endpoint is a real server (a test database standing in for the recovered instance). */
  readonly servers = new Map<string, { host: string; port: number }>();

  endpointOf(id: string, region = RECOVERY): string {
    return this.servers.get(`${region}/${id}`)?.host ?? `${id}.c0ffee.${region}.rds.amazonaws.com`;
  }

  /** The instance `id`, once it exists, is served by the PostgreSQL server at `url`. */
  serveFrom(id: string, url: string, region = RECOVERY): void {
    const parsed = new URL(url);
    this.servers.set(`${region}/${id}`, { host: parsed.hostname, port: Number(parsed.port || 5432) });
  }

  /** The instance `id` is the test database `served`: its server answers the endpoint, its user is the secret's. */
  serveDatabase(id: string, served: TestDatabase): void {
    this.serveFrom(id, served.url);
    this.secret = { ...this.secret, json: { ...this.secret.json, ...credentialsOf(served) } };
  }

  /** Events about instance `id` (either region), as EventBridge delivers them to the waits. */
  eventsOf(id: string): EmittedEvent[] {
    return this.emitted.get(id) ?? [];
  }

  private describe(region: string, id: string) {
    const instance = this.instances.get(`${region}/${id}`);
    if (!instance) throw awsError('DBInstanceNotFoundFault', `DBInstance ${id} not found.`);
    if (instance.readyAt !== undefined && this.clock.ms >= instance.readyAt && instance.becomes) {
      instance.status = instance.becomes.status;
      if (instance.becomes.replicaSource) instance.replicaSource = instance.becomes.replicaSource;
      else delete instance.replicaSource;
      delete instance.readyAt;
      delete instance.becomes;
    }
    return {
      DBInstanceIdentifier: id,
      DBInstanceArn: `arn:aws:rds:${region}:${ACCOUNT}:db:${id}`,
      DBInstanceStatus: instance.status,
      BackupRetentionPeriod: instance.retention,
      ...(instance.replicaSource ? { ReadReplicaSourceDBInstanceIdentifier: instance.replicaSource } : {}),
      Endpoint: { Address: this.endpointOf(id, region), Port: this.servers.get(`${region}/${id}`)?.port ?? 5432 },
    };
  }

  /** `id` is `status` now and `becomes` something else `seconds` (virtual) from now. */
  transition(
    region: string,
    id: string,
    status: string,
    seconds: number,
    becomes: Instance['becomes'],
    event: EventAt,
    replicaSource?: string,
  ): void {
    const existing = this.instances.get(`${region}/${id}`);
    const instance: Instance = existing ?? { id, region, status, retention: 7 };
    instance.status = status;
    if (replicaSource) instance.replicaSource = replicaSource;
    instance.readyAt = this.clock.ms + seconds * 1000;
    instance.becomes = becomes;
    this.instances.set(`${region}/${id}`, instance);
    this.emit(id, instance.readyAt, event(instance.readyAt));
  }

  /** The resource `id` emits `event` at `at` (a cluster world's cluster and global database events). */
  emit(id: string, at: number, event: Record<string, unknown>): void {
    this.emitted.set(id, [...this.eventsOf(id), { at, event }]);
  }

  /**
   * Answer `command` on the client `name` with `fn`, through the fake's injected errors, crash and mutation
   * counting (a cluster world adds its calls this way: `fake-aurora.ts`).
   */
  handle(name: string, command: new (input: never) => object, fn: (input: Record<string, unknown>) => unknown): void {
    const entry = this.stubs.find((s) => s.client === name);
    if (!entry) throw new Error(name);
    const commandName = command.name.replace(/Command$/, '');
    entry.stub.on(command as never).callsFake(async (input: Record<string, unknown>) => {
      this.crash.beforeCall(commandName);
      const injected = this.injected.find((i) => i.command === commandName && i.times > 0);
      if (injected) {
        injected.times -= 1;
        throw injected.error;
      }
      const result = await fn(input);
      if (MUTATING.test(commandName)) {
        this.mutations += 1;
        this.crash.afterMutation(commandName);
      }
      return result;
    });
  }

  private wire(): void {
    const on = this.handle.bind(this);
    for (const { stub } of this.stubs)
      stub.onAnyCommand().rejects(awsError('UnexpectedCall', 'the fake AWS does not implement this call'));
    for (const [name, region] of [
      ['rds:recovery', RECOVERY],
      ['rds:primary', PRIMARY],
    ] as const) {
      on(name, DescribeDBInstancesCommand, (input) => {
        if (
          (region === PRIMARY && input.DBInstanceIdentifier === this.catalog.databases[0]?.primaryInstanceIdentifier) ||
          (region === PRIMARY &&
            this.catalog.databases.some((d) => d.primaryInstanceIdentifier === input.DBInstanceIdentifier))
        ) {
          if (this.primaryStatus === 'unreachable') throw awsError('TimeoutError', 'connect ETIMEDOUT');
          return {
            DBInstances: [{ DBInstanceIdentifier: input.DBInstanceIdentifier, DBInstanceStatus: this.primaryStatus }],
          };
        }
        return { DBInstances: [this.describe(region, String(input.DBInstanceIdentifier))] };
      });
      on(name, PromoteReadReplicaCommand, (input) => {
        const id = String(input.DBInstanceIdentifier);
        const instance = this.instances.get(`${region}/${id}`);
        if (!instance?.replicaSource || instance.status !== 'available')
          throw awsError('InvalidDBInstanceStateFault', `${id} is not a read replica in state available`);
        this.transition(
          region,
          id,
          'modifying',
          this.durations.promoteSeconds,
          { status: 'available' },
          // A promotion ends with RDS restarting the instance.
          (at) => rdsInstanceEvent(id, 'availability', 'DB instance restarted', at, region),
          instance.replicaSource,
        );
        return {};
      });
    }
    on('rds:recovery', RestoreDBInstanceToPointInTimeCommand, (input) => {
      const id = String(input.TargetDBInstanceIdentifier);
      if (this.instances.has(`${RECOVERY}/${id}`)) throw awsError('DBInstanceAlreadyExistsFault');
      this.transition(RECOVERY, id, 'creating', this.durations.pointInTimeSeconds, { status: 'available' }, (at) =>
        rdsInstanceEvent(
          id,
          'restoration',
          `Restored from DB instance ${String(input.SourceDBInstanceAutomatedBackupsArn)}`,
          at,
        ),
      );
      return {};
    });
    on('rds:recovery', DescribeDBInstanceAutomatedBackupsCommand, (input) => ({
      DBInstanceAutomatedBackups: [
        {
          DBInstanceIdentifier: input.DBInstanceIdentifier,
          Status: 'replicating',
          DBInstanceAutomatedBackupsArn: `arn:aws:rds:${RECOVERY}:${ACCOUNT}:auto-backup:ab-${String(input.DBInstanceIdentifier)}`,
          RestoreWindow: {
            EarliestTime: new Date(this.clock.ms - 7 * 86400_000),
            LatestTime: new Date(this.clock.ms - 240_000),
          },
        },
      ],
    }));
    on('rds:recovery', DescribeAccountAttributesCommand, () => ({
      AccountQuotas: [{ AccountQuotaName: 'DBInstances', Used: 12, Max: 40 }],
    }));
    on('rds:primary', CreateDBInstanceReadReplicaCommand, (input) => {
      const id = String(input.DBInstanceIdentifier);
      if (this.instances.has(`${PRIMARY}/${id}`)) throw awsError('DBInstanceAlreadyExistsFault');
      this.transition(
        PRIMARY,
        id,
        'creating',
        this.durations.replicaCreateSeconds,
        { status: 'available', replicaSource: String(input.SourceDBInstanceIdentifier) },
        (at) => rdsInstanceEvent(id, 'read replica', 'Replication for the Read Replica resumed.', at, PRIMARY),
        String(input.SourceDBInstanceIdentifier),
      );
      return {};
    });
    on('backup', ListRecoveryPointsByBackupVaultCommand, (input) => ({
      RecoveryPoints: [
        ...this.recoveryPoints
          .filter((p) => (p.vault ?? this.catalog.recoveryVaultName) === input.BackupVaultName)
          .map((p) => ({
            RecoveryPointArn: p.arn,
            CreationDate: new Date(p.created),
            Status: 'COMPLETED',
            ResourceArn: `arn:aws:rds:${PRIMARY}:${ACCOUNT}:db:${this.catalog.databases[2]?.primaryInstanceIdentifier ?? 'x'}`,
          })),
        {
          RecoveryPointArn: 'arn:aws:backup:other',
          CreationDate: new Date(this.clock.ms),
          Status: 'COMPLETED',
          ResourceArn: `arn:aws:rds:${PRIMARY}:${ACCOUNT}:db:someone-else`,
        },
      ],
    }));
    on('backup', StartRestoreJobCommand, (input) => {
      const token = String(input.IdempotencyToken);
      const existing = this.restoreJobs.get(token);
      if (existing) return { RestoreJobId: existing.id };
      const id = `job-${this.restoreJobs.size + 1}`;
      this.restoreJobs.set(token, { id, token });
      const metadata = input.Metadata as Record<string, string>;
      const instance = String(metadata.DBInstanceIdentifier);
      this.transition(
        RECOVERY,
        instance,
        'creating',
        this.durations.backupRestoreSeconds,
        { status: 'available' },
        (at) => backupRestoreCompletedEvent(instance, id, at),
      );
      return { RestoreJobId: id };
    });
    on('backup', DescribeRestoreJobCommand, () => ({ Status: 'RUNNING' }));
    on('cloudwatch:recovery', GetMetricDataCommand, () => ({
      MetricDataResults: [{ Id: 'm', Values: this.replicaLag === undefined ? [] : [this.replicaLag] }],
    }));
    on('cloudwatch:primary', GetMetricDataCommand, (input) => ({
      MetricDataResults: [
        { Id: 'm', Values: this.failbackLagDatapoints(input as unknown as GetMetricDataCommandInput) },
      ],
    }));
    on('kms', DescribeKeyCommand, () => ({ KeyMetadata: { KeyId: 'k', Enabled: true, KeyState: 'Enabled' } }));
    on('secrets', DescribeSecretCommand, () => ({
      ARN: 'secret',
      ...(this.secret.primaryRegion ? { PrimaryRegion: this.secret.primaryRegion } : {}),
    }));
    on('secrets', GetSecretValueCommand, () => ({ SecretString: JSON.stringify(this.secret.json) }));
    on('secrets', StopReplicationToReplicaCommand, () => {
      delete this.secret.primaryRegion;
      return {};
    });
    on('secrets', PutSecretValueCommand, (input) => {
      if (this.secret.primaryRegion && this.secret.primaryRegion !== RECOVERY)
        throw awsError(
          'InvalidRequestException',
          "Operation not permitted on a replica secret. Call must be made in primary secret's region.",
        );
      this.secret.json = JSON.parse(String(input.SecretString)) as Record<string, unknown>;
      return {};
    });
    on('route53', ListResourceRecordSetsCommand, (input) => {
      const name = String(input.StartRecordName);
      const value = this.records.get(name);
      return {
        ResourceRecordSets: value ? [{ Name: name, Type: 'CNAME', TTL: 30, ResourceRecords: [{ Value: value }] }] : [],
      };
    });
    on('route53', ChangeResourceRecordSetsCommand, (input) => {
      const batch = input.ChangeBatch as {
        Changes: { ResourceRecordSet: { Name: string; ResourceRecords: { Value: string }[] } }[];
      };
      for (const change of batch.Changes)
        this.records.set(change.ResourceRecordSet.Name, change.ResourceRecordSet.ResourceRecords[0]!.Value);
      const id = `/change/C${this.changes.size + 1}`;
      this.changes.set(id, this.clock.ms + this.durations.recordChangeSeconds * 1000);
      return { ChangeInfo: { Id: id, Status: 'PENDING' } };
    });
    on('route53', GetChangeCommand, (input) => ({
      ChangeInfo: {
        Id: input.Id,
        Status: this.clock.ms >= (this.changes.get(String(input.Id)) ?? 0) ? 'INSYNC' : 'PENDING',
      },
    }));
    on('ssm', GetParameterCommand, (input) => {
      const value = this.parameters.get(String(input.Name));
      if (value === undefined) throw awsError('ParameterNotFound');
      return { Parameter: { Name: input.Name, Value: value } };
    });
    on('ssm', PutParameterCommand, (input) => {
      this.parameters.set(String(input.Name), String(input.Value));
      return { Version: 1 };
    });
    on('ssm', DeleteParameterCommand, (input) => {
      if (!this.parameters.delete(String(input.Name))) throw awsError('ParameterNotFound');
      return {};
    });
    on('sns', PublishCommand, (input) => {
      this.published.push({ subject: String(input.Subject), message: String(input.Message) });
      return { MessageId: `m-${this.published.length}` };
    });
    on('s3', PutObjectCommand, (input) => {
      const key = String(input.Key);
      if (input.IfNoneMatch === '*' && this.objects.has(key))
        throw Object.assign(
          awsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'),
          { $metadata: { httpStatusCode: 412 } },
        );
      this.putObject(key, String(input.Body));
      return {};
    });
    on('s3', GetObjectCommand, (input) => {
      const versions = this.objects.get(String(input.Key)) ?? [];
      const version = input.VersionId ? versions.find((v) => v.id === input.VersionId) : versions.at(-1);
      if (!version) throw awsError('NoSuchKey', 'The specified key does not exist.');
      return { VersionId: version.id, Body: { transformToString: async () => version.body } };
    });
    on('s3', ListObjectVersionsCommand, (input) => ({
      IsTruncated: false,
      Versions: [...this.objects.entries()]
        .filter(([key]) => key.startsWith(String(input.Prefix ?? '')))
        .flatMap(([key, versions]) =>
          versions.map((v, i) => ({
            Key: key,
            VersionId: v.id,
            LastModified: v.modified,
            IsLatest: i === versions.length - 1,
          })),
        ),
    }));
  }

  /**
   * The validator function (the failover state machine's PlanChunks and Validate tasks): the request must be
   * what the validation engine accepts (`lambda/validate.ts`); the stand-in plans one chunk and answers a report
   * built like the engine's, `validatorFunction` runs the real engine.
   */
  async invokeValidator(event: unknown): Promise<unknown> {
    if (typeof event === 'object' && event !== null && 'planChunks' in event) {
      const request = chunkPlanInputSchema.parse(event);
      this.chunkPlanRequests.push(request);
      // The stand-in plans one chunk (ValidateChunk then runs once); the real engine plans by table sizes.
      return this.validatorFunction
        ? this.validatorFunction(event)
        : { prefix: request.planChunks.prefix, ids: [0], parallel: 1, bytes: 0 };
    }
    this.validatorRequests.push(validationInputSchema.parse(event));
    if (this.validatorFunction) return this.validatorFunction(event);
    const startedAt = this.clock.now();
    this.clock.advance(this.durations.validationSeconds);
    return engineReport({ ...this.validator, startedAt, finishedAt: this.clock.now() });
  }

  /** The chunk validator function: the request must be what the engine accepts; the stand-in finds no damage. */
  async validateChunk(event: unknown): Promise<unknown> {
    const request = chunkInputSchema.parse(event);
    if (this.chunkValidatorFunction) return this.chunkValidatorFunction(event);
    return { chunk: request.chunk, matches: true };
  }
}

export const TEST_CATALOG: CatalogInput = {
  environment: 'test',
  account: ACCOUNT,
  primaryRegion: PRIMARY,
  recoveryRegion: RECOVERY,
  recoveryKeyArn: `arn:aws:kms:${RECOVERY}:${ACCOUNT}:key/recovery`,
  primaryKeyArn: `arn:aws:kms:${PRIMARY}:${ACCOUNT}:key/primary`,
  recoveryVaultName: 'rxdr-test-recovery',
  backupRestoreRoleArn: `arn:aws:iam::${ACCOUNT}:role/restore`,
  evidenceBucket: 'evidence',
  topicArn: `arn:aws:sns:${RECOVERY}:${ACCOUNT}:alerts`,
  approvalParameterPrefix: '/rxdr/test/approvals',
  writeFreezeParameterPrefix: '/rxdr/test/write-freeze',
  probeConnectivity: true,
  toolVersion: '0.1.0',
  databases: [
    {
      name: 'dispensing',
      tier: 1,
      rtoSeconds: 3600,
      rpoSeconds: 300,
      defaultStrategy: 'promote-replica',
      primaryInstanceIdentifier: 'dispensing-prod',
      replicaInstanceIdentifier: 'dispensing-prod-replica',
      recoveredInstanceIdentifier: 'dispensing-prod-dr',
      failbackInstanceIdentifier: 'dispensing-prod-fb',
      repoint: {
        secretArn: 'arn:aws:secretsmanager:us-west-2:111111111111:secret:dispensing',
        route53: { hostedZoneId: 'Z1', recordName: 'dispensing.db.rx.internal', ttl: 30 },
        parameterName: '/rx/dispensing/endpoint',
      },
    },
    {
      name: 'inventory',
      tier: 2,
      rtoSeconds: 14400,
      rpoSeconds: 3600,
      defaultStrategy: 'point-in-time',
      primaryInstanceIdentifier: 'inventory-prod',
      recoveredInstanceIdentifier: 'inventory-prod-dr',
      failbackInstanceIdentifier: 'inventory-prod-fb',
      repoint: {
        secretArn: 'arn:aws:secretsmanager:us-west-2:111111111111:secret:inventory',
        route53: { hostedZoneId: 'Z1', recordName: 'inventory.db.rx.internal', ttl: 30 },
        parameterName: '/rx/inventory/endpoint',
      },
    },
    {
      name: 'analytics',
      tier: 3,
      rtoSeconds: 86400,
      rpoSeconds: 86400,
      defaultStrategy: 'latest-backup',
      primaryInstanceIdentifier: 'analytics-prod',
      recoveredInstanceIdentifier: 'analytics-prod-dr',
      failbackInstanceIdentifier: 'analytics-prod-fb',
      repoint: {
        secretArn: 'arn:aws:secretsmanager:us-west-2:111111111111:secret:analytics',
        route53: { hostedZoneId: 'Z1', recordName: 'analytics.db.rx.internal', ttl: 30 },
        parameterName: '/rx/analytics/endpoint',
      },
    },
  ],
};

/** A fresh fake account: primary unreachable, replica available, clients pointing at the old primary. */
export function newWorld(database = 'dispensing', catalogInput: CatalogInput = TEST_CATALOG): FakeAws {
  const catalog = CatalogSchema.parse(catalogInput);
  const world = new FakeAws(catalog);
  const db = catalog.databases.find((d) => d.name === database)!;
  if (db.replicaInstanceIdentifier)
    world.addInstance(
      RECOVERY,
      db.replicaInstanceIdentifier,
      'available',
      `arn:aws:rds:${PRIMARY}:${ACCOUNT}:db:${db.primaryInstanceIdentifier}`,
    );
  const old = `${db.primaryInstanceIdentifier}.c0ffee.${PRIMARY}.rds.amazonaws.com`;
  world.records.set(`${db.repoint.route53!.recordName}.`, old);
  world.parameters.set(db.repoint.parameterName!, old);
  world.parameters.set('/rx/unrelated', 'keep-me');
  // The manifest job's last run before every recovery point the tests use.
  for (const d of catalog.databases)
    world.putManifest(d.name, manifestAt(d.name, '2026-03-02T23:00:00.000Z'), new Date('2026-03-02T23:01:00.000Z'));
  world.secret = {
    json: { engine: 'postgres', username: 'rx_app', password: 's3cret', host: old, port: 5432, dbname: 'rx' },
    primaryRegion: PRIMARY,
  };
  return world;
}

/**
 * The account after a promote-replica failover of `dispensing` (the failback's starting point): the promoted
 * replica serves every client pointer and the old primary is stopped; the failback replica lags 5 s, then none.
 */
export function failedOverWorld(): FakeAws {
  const world = newWorld();
  const replica = 'dispensing-prod-replica';
  world.addInstance(RECOVERY, replica, 'available');
  world.primaryStatus = 'stopped';
  const host = world.endpointOf(replica);
  world.records.set('dispensing.db.rx.internal.', host);
  world.parameters.set('/rx/dispensing/endpoint', host);
  world.secret = { json: { ...world.secret.json, host }, primaryRegion: RECOVERY };
  world.failbackLag = [5, 0];
  return world;
}

export const MUTATING =
  /^(Promote|Restore|Create|Delete|Put|Change|Stop|Start|Modify|Publish|Invoke|Send|Update|Tag|Add|Switchover|Failover|Remove)/;
