import {
  BackupClient,
  DescribeRestoreJobCommand,
  ListRecoveryPointsByBackupVaultCommand,
  PutRestoreValidationResultCommand,
  StartRestoreJobCommand,
  DescribeRecoveryPointCommand,
} from '@aws-sdk/client-backup';
import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  DBCluster,
  DBInstance,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { CHUNK_RESULTS_PREFIX } from '../../../engines/common/chunk-key';
import {
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { Clock } from '../../../engines/common/clock';
import { DRILL_TAG } from '../../../engines/drill/aws/types';
import { rdsClusterEvent, rdsInstanceEvent, type EmittedEvent } from '../../helpers/event-waits';
import { InjectedCrash } from '../../helpers/injected-crash';
import { credentialsOf, type TestDatabase } from '../../helpers/postgres';

/** Calls that change something (AWS resources, evidence, notices). */
export const MUTATING = /^(Start|Restore|AddTags|Create|Delete|Put|Publish)/;

export type Fault = 'throttle' | '5xx' | 'denied' | 'notfound' | 'invalid';

export const SETTINGS = {
  vaultName: 'rxdr-test-recovery',
  restoreRoleArn: 'arn:aws:iam::111111111111:role/restore',
  subnetGroupName: 'drill-subnets',
  securityGroupIds: ['sg-drill'],
  kmsKeyArn: 'arn:aws:kms:us-west-2:111111111111:key/recovery',
  instanceClass: 'db.t4g.medium',
};

/** A virtual clock per database (each drill has its own timeline in the Map). */
export class VirtualClock implements Clock {
  constructor(public ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
  async sleep(ms: number): Promise<void> {
    this.ms += ms;
  }
}

/** What a drill restores (an instance or a cluster): available at `availableAt`, gone `deletionSeconds` after deletion. */
interface Restored {
  id: string;
  arn: string;
  db: string;
  tags: { Key: string; Value: string }[];
  createdAt: number;
  availableAt: number;
  deleteRequestedAt?: number;
}

interface Instance extends Restored {
  createdByJob?: string;
  request: Record<string, unknown>;
  /** Aurora: the cluster the instance belongs to (a drill's cluster shares its identifier). */
  cluster?: string;
}

/** A restored Aurora cluster: available `restoreSeconds` after the job starts. */
type Cluster = Restored;

function awsError(name: string, status: number, message = name): Error {
  const error = new Error(message) as Error & { $metadata: { httpStatusCode: number } };
  error.name = name;
  error.$metadata = { httpStatusCode: status };
  return error;
}

const NOT_FOUND: Record<string, string> = {
  ListRecoveryPointsByBackupVault: 'ResourceNotFoundException',
  StartRestoreJob: 'ResourceNotFoundException',
  DescribeRestoreJob: 'ResourceNotFoundException',
  DescribeDBInstances: 'DBInstanceNotFoundFault',
  DescribeDBClusters: 'DBClusterNotFoundFault',
  DeleteDBCluster: 'DBClusterNotFoundFault',
  CreateDBInstance: 'DBClusterNotFoundFault',
  DeleteDBInstance: 'DBInstanceNotFoundFault',
  AddTagsToResource: 'DBInstanceNotFoundFault',
  GetSecretValue: 'ResourceNotFoundException',
  GetParameter: 'ParameterNotFound',
  PutObject: 'NoSuchBucket',
  PutRestoreValidationResult: 'ResourceNotFoundException',
  Publish: 'NotFoundException',
  DescribeDBInstanceAutomatedBackups: 'DBInstanceAutomatedBackupNotFoundFault',
  RestoreDBInstanceToPointInTime: 'DBInstanceAutomatedBackupNotFoundFault',
};
const INVALID: Record<string, string> = {
  StartRestoreJob: 'InvalidRequestException',
  DeleteDBInstance: 'InvalidDBInstanceStateFault',
  DeleteDBCluster: 'InvalidDBClusterStateFault',
  CreateDBInstance: 'InvalidDBClusterStateFault',
  RestoreDBInstanceToPointInTime: 'InvalidDBInstanceAutomatedBackupStateFault',
};

function fault(command: string, kind: Fault): Error {
  switch (kind) {
    case 'throttle':
      return awsError('ThrottlingException', 400, 'Rate exceeded');
    case '5xx':
      return awsError('InternalFailure', 500, 'We encountered an internal error');
    case 'denied':
      return awsError('AccessDeniedException', 403, `User is not authorized to perform ${command}`);
    case 'notfound':
      return awsError(NOT_FOUND[command] ?? 'ResourceNotFoundException', 404, `${command}: not found`);
    case 'invalid':
      return awsError(INVALID[command] ?? 'InvalidParameterValueException', 400, `${command}: invalid state`);
  }
}

/**
 * AWS as the drill sees it: a recovery vault with one recovery point per database, restore jobs that
 * create an (untagged) instance, RDS instances that become available after `restoreSeconds` and vanish
 * `deletionSeconds` after deletion, all on the database's virtual clock. Records every mutating call with
 * whether its target carried the drill tag at the time.
 */
export class FakeAws {
  readonly instances = new Map<string, Instance>();
  /** Every instance ever created, deleted ones included (what their events are about). */
  private readonly everCreated = new Map<string, Instance>();
  readonly jobs = new Map<
    string,
    { id: string; instanceId: string; db: string; token?: string; resource: 'db' | 'cluster' }
  >();
  readonly clusters = new Map<string, Cluster>();
  private readonly everCreatedClusters = new Map<string, Cluster>();
  readonly clustersCreated: string[] = [];
  readonly clustersDeleted: string[] = [];
  /** Every StartRestoreJob request (resource type and metadata). */
  readonly restoreJobRequests: { ResourceType?: string; Metadata: Record<string, string> }[] = [];
  /** Every ListRecoveryPointsByBackupVault request's resource type. */
  readonly listedResourceTypes: string[] = [];
  readonly mutations: { command: string; target: string; tagged: boolean; drillNamed: boolean }[] = [];
  readonly created: string[] = [];
  readonly deleted: string[] = [];
  readonly evidence: Record<string, unknown>[] = [];
  /** The evidence bucket's objects by key. */
  readonly objects = new Map<string, string>();
  /** Manifest versions by key (the manifest job overwrites one key; the bucket keeps every version). */
  readonly manifests = new Map<string, { id: string; body: string; written: Date }[]>();
  /** Restored instances are served by this PostgreSQL server (default: a fake endpoint nothing listens on). */
  server?: { host: string; port: number };
  /** The database secret's JSON (default: a user with a fake password). */
  secret: Record<string, unknown> = { username: 'drill', password: 's3cret' };

  /** Restored instances are the test database `served`: its server answers their endpoints, its user is the secret's. */
  serveDatabase(served: TestDatabase): void {
    const url = new URL(served.url);
    this.server = { host: url.hostname, port: Number(url.port || 5432) };
    this.secret = credentialsOf(served);
  }
  readonly published: { Subject?: string; Message?: string }[] = [];
  readonly validationResults: { RestoreJobId?: string; ValidationStatus?: string }[] = [];
  readonly calls: string[] = [];
  /** Source DB instances by ARN with their AllocatedStorage in GiB (DescribeDBInstances of the source). */
  readonly sources = new Map<string, number>();
  /** SSM parameters by name (a game day's declaration that the recovery vault is lost). */
  readonly parameters = new Map<string, string>();
  /** Every RestoreDBInstanceToPointInTime request that created an instance. */
  readonly pointInTimeRequests: Record<string, unknown>[] = [];
  private readonly faults: { command: string; kind: Fault; remaining: number }[] = [];
  readonly mocks;

  constructor(
    readonly clockFor: (db: string) => VirtualClock,
    readonly options: {
      /** Seconds a restore (deletion) takes: one figure, or one per database (uneven fleets). */
      restoreSeconds: number | ((db: string) => number);
      deletionSeconds: number | ((db: string) => number);
      neverAvailable?: boolean;
      pointInTime?: readonly string[];
      /** Seconds a cluster's instance takes to become available after CreateDBInstance (or per database). @default 600 */
      clusterInstanceSeconds?: number | ((db: string) => number);
    } = { restoreSeconds: 2700, deletionSeconds: 600 },
  ) {
    this.mocks = {
      rds: mockClient(RDSClient),
      backup: mockClient(BackupClient),
      s3: mockClient(S3Client),
      secrets: mockClient(SecretsManagerClient),
      sns: mockClient(SNSClient),
      ssm: mockClient(SSMClient),
    };
    const on = <I, O>(
      mock: { on: (c: never) => { callsFake: (f: (input: I) => O) => void } },
      command: unknown,
      name: string,
      body: (input: I) => O,
    ) =>
      mock.on(command as never).callsFake((input: I) => {
        this.calls.push(name);
        this.crash.beforeCall(name);
        const pending = this.faults.find((f) => f.command === name && f.remaining > 0);
        if (pending) {
          pending.remaining -= 1;
          throw fault(name, pending.kind);
        }
        const result = body(input);
        if (MUTATING.test(name)) {
          this.mutatingCalls += 1;
          this.crash.afterMutation(name);
        }
        return result;
      });
    const { rds, backup, s3, secrets, sns, ssm } = this.mocks as unknown as Record<
      string,
      { on: (c: never) => { callsFake: (f: (input: never) => unknown) => void } }
    >;
    on(
      backup!,
      ListRecoveryPointsByBackupVaultCommand,
      'ListRecoveryPointsByBackupVault',
      (input: { BackupVaultName: string; ByResourceArn: string; ByResourceType?: string }) => {
        this.listedResourceTypes.push(input.ByResourceType ?? '(none)');
        return {
          RecoveryPoints: [
            {
              RecoveryPointArn: `arn:aws:backup:us-west-2:111111111111:recovery-point:old-${input.ByResourceArn.split(':').pop()}`,
              ResourceArn: input.ByResourceArn,
              Status: 'COMPLETED',
              CreationDate: new Date('2026-10-01T05:00:00Z'),
            },
            {
              // The newest point's id names its vault, so a test sees which vault a drill restored from.
              RecoveryPointArn: `arn:aws:backup:us-west-2:111111111111:recovery-point:new-${input.BackupVaultName}-${input.ByResourceArn.split(':').pop()}`,
              ResourceArn: input.ByResourceArn,
              Status: 'COMPLETED',
              CreationDate: new Date('2026-10-31T05:00:00Z'),
            },
          ],
        };
      },
    );
    on(ssm!, GetParameterCommand, 'GetParameter', (input: { Name: string }) => {
      const value = this.parameters.get(input.Name);
      if (value === undefined) throw awsError('ParameterNotFound', 400, `parameter ${input.Name} not found`);
      return { Parameter: { Name: input.Name, Type: 'String', Value: value } };
    });
    on(backup!, DescribeRecoveryPointCommand, 'DescribeRecoveryPoint', () => {
      throw awsError('ResourceNotFoundException', 404);
    });
    on(
      backup!,
      StartRestoreJobCommand,
      'StartRestoreJob',
      (input: { IdempotencyToken?: string; ResourceType?: string; Metadata: Record<string, string> }) => {
        const existing = [...this.jobs.values()].find((j) => j.token && j.token === input.IdempotencyToken);
        if (existing) return { RestoreJobId: existing.id };
        this.restoreJobRequests.push(input);
        const cluster = input.Metadata.DBClusterIdentifier !== undefined;
        const id = (cluster ? input.Metadata.DBClusterIdentifier : input.Metadata.DBInstanceIdentifier) ?? '';
        const db = dbOf(id);
        const resource = cluster ? ('cluster' as const) : ('db' as const);
        const job = { id: `job-${this.jobs.size + 1}`, instanceId: id, db, token: input.IdempotencyToken, resource };
        this.jobs.set(job.id, job);
        this.record('StartRestoreJob', id, resource);
        if (cluster) this.createCluster(id, db);
        else this.create(id, db, [], job.id, input.Metadata);
        return { RestoreJobId: job.id };
      },
    );
    on(backup!, DescribeRestoreJobCommand, 'DescribeRestoreJob', (input: { RestoreJobId: string }) => {
      const job = this.jobs.get(input.RestoreJobId);
      if (!job) throw awsError('ResourceNotFoundException', 404);
      const created =
        job.resource === 'cluster'
          ? this.clusters.has(job.instanceId) || this.clustersDeleted.includes(job.instanceId)
          : this.instances.has(job.instanceId) || this.deleted.includes(job.instanceId);
      return {
        RestoreJobId: job.id,
        Status: created ? 'COMPLETED' : 'RUNNING',
        CreatedResourceArn: `arn:aws:rds:us-west-2:111111111111:${job.resource}:${job.instanceId}`,
      };
    });
    on(
      backup!,
      PutRestoreValidationResultCommand,
      'PutRestoreValidationResult',
      (input: { RestoreJobId?: string; ValidationStatus?: string }) => {
        this.validationResults.push(input);
        return {};
      },
    );
    on(rds!, DescribeDBInstancesCommand, 'DescribeDBInstances', (input: { DBInstanceIdentifier?: string }) => {
      const source = input.DBInstanceIdentifier ? this.sources.get(input.DBInstanceIdentifier) : undefined;
      if (source !== undefined) {
        const arn = input.DBInstanceIdentifier!;
        return {
          DBInstances: [{ DBInstanceArn: arn, DBInstanceIdentifier: arn.split(':').pop(), AllocatedStorage: source }],
        };
      }
      const found = input.DBInstanceIdentifier
        ? [this.view(input.DBInstanceIdentifier)].filter((x): x is DBInstance => x !== undefined)
        : [...this.instances.keys()].map((id) => this.view(id)).filter((x): x is DBInstance => x !== undefined);
      if (input.DBInstanceIdentifier && found.length === 0)
        throw awsError('DBInstanceNotFoundFault', 404, `DBInstance ${input.DBInstanceIdentifier} not found`);
      return { DBInstances: found };
    });
    on(
      rds!,
      AddTagsToResourceCommand,
      'AddTagsToResource',
      (input: { ResourceName: string; Tags: { Key: string; Value: string }[] }) => {
        const id = input.ResourceName.split(':').pop() ?? '';
        const resource = input.ResourceName.includes(':cluster:') ? ('cluster' as const) : ('db' as const);
        const instance = resource === 'cluster' ? this.clusters.get(id) : this.instances.get(id);
        this.record('AddTagsToResource', id, resource);
        if (!instance)
          throw awsError(resource === 'cluster' ? 'DBClusterNotFoundFault' : 'DBInstanceNotFoundFault', 404);
        if (input.Tags.some((t) => t.Key !== DRILL_TAG))
          throw new Error(`test: AddTagsToResource with a tag other than ${DRILL_TAG}`);
        instance.tags.push(...input.Tags);
        return {};
      },
    );
    on(
      rds!,
      DeleteDBInstanceCommand,
      'DeleteDBInstance',
      (input: { DBInstanceIdentifier: string; SkipFinalSnapshot?: boolean }) => {
        const instance = this.instances.get(input.DBInstanceIdentifier);
        this.record('DeleteDBInstance', input.DBInstanceIdentifier);
        if (!instance) throw awsError('DBInstanceNotFoundFault', 404);
        if (instance.cluster && input.SkipFinalSnapshot !== undefined)
          throw awsError('InvalidParameterCombination', 400, 'an Aurora instance has no final snapshot of its own');
        if (!instance.cluster && input.SkipFinalSnapshot !== true)
          throw new Error('test: drills delete without a final snapshot');
        this.requestDeletion(instance, this.deleted);
        return {};
      },
    );
    // Replicated automated backups of the databases named in `pointInTime` (source ARN as `databaseSpec` builds it).
    on(rds!, DescribeDBInstanceAutomatedBackupsCommand, 'DescribeDBInstanceAutomatedBackups', () => ({
      DBInstanceAutomatedBackups: (this.options.pointInTime ?? []).map((db) => ({
        DBInstanceArn: `arn:aws:rds:us-east-1:111111111111:db:pharmacy-${db}`,
        DBInstanceAutomatedBackupsArn: `arn:aws:rds:us-west-2:111111111111:auto-backup:ab-${db}`,
        Status: 'replicating',
        RestoreWindow: { EarliestTime: new Date('2026-10-01T00:00:00Z'), LatestTime: new Date('2026-11-01T05:55:00Z') },
      })),
    }));
    on(
      rds!,
      RestoreDBInstanceToPointInTimeCommand,
      'RestoreDBInstanceToPointInTime',
      (
        input: { TargetDBInstanceIdentifier: string; Tags?: { Key: string; Value: string }[] } & Record<
          string,
          unknown
        >,
      ) => {
        const id = input.TargetDBInstanceIdentifier;
        if (this.instances.has(id))
          throw awsError('DBInstanceAlreadyExistsFault', 400, `DB instance ${id} already exists`);
        this.pointInTimeRequests.push(input);
        this.create(id, dbOf(id), [...(input.Tags ?? [])], undefined, input);
        this.record('RestoreDBInstanceToPointInTime', id);
        return { DBInstance: { DBInstanceIdentifier: id } };
      },
    );
    on(rds!, DescribeDBClustersCommand, 'DescribeDBClusters', (input: { DBClusterIdentifier?: string }) => {
      const ids = input.DBClusterIdentifier ? [input.DBClusterIdentifier] : [...this.clusters.keys()];
      const found = ids.map((id) => this.viewCluster(id)).filter((x): x is DBCluster => x !== undefined);
      if (input.DBClusterIdentifier && found.length === 0)
        throw awsError('DBClusterNotFoundFault', 404, `DBCluster ${input.DBClusterIdentifier} not found`);
      return { DBClusters: found };
    });
    on(
      rds!,
      CreateDBInstanceCommand,
      'CreateDBInstance',
      (input: {
        DBInstanceIdentifier: string;
        DBClusterIdentifier?: string;
        Tags?: { Key: string; Value: string }[];
      }) => {
        const cluster = this.viewCluster(input.DBClusterIdentifier ?? '');
        if (!cluster) throw awsError('DBClusterNotFoundFault', 404);
        if (cluster.Status !== 'available') throw awsError('InvalidDBClusterStateFault', 400, 'cluster not available');
        if (this.instances.has(input.DBInstanceIdentifier))
          throw awsError(
            'DBInstanceAlreadyExistsFault',
            400,
            `DB instance ${input.DBInstanceIdentifier} already exists`,
          );
        const db = dbOf(input.DBInstanceIdentifier);
        this.create(
          input.DBInstanceIdentifier,
          db,
          [...(input.Tags ?? [])],
          undefined,
          input,
          cluster.DBClusterIdentifier,
        );
        this.record('CreateDBInstance', input.DBInstanceIdentifier);
        return { DBInstance: { DBInstanceIdentifier: input.DBInstanceIdentifier } };
      },
    );
    on(
      rds!,
      DeleteDBClusterCommand,
      'DeleteDBCluster',
      (input: { DBClusterIdentifier: string; SkipFinalSnapshot?: boolean }) => {
        const cluster = this.clusters.get(input.DBClusterIdentifier);
        this.record('DeleteDBCluster', input.DBClusterIdentifier, 'cluster');
        if (!cluster || !this.viewCluster(cluster.id)) throw awsError('DBClusterNotFoundFault', 404);
        if (input.SkipFinalSnapshot !== true) throw new Error('test: drills delete clusters without a final snapshot');
        const live = [...this.instances.keys()].filter((id) => {
          const view = this.view(id);
          return view?.DBClusterIdentifier === cluster.id && view.DBInstanceStatus !== 'deleting';
        });
        if (live.length > 0)
          throw awsError(
            'InvalidDBClusterStateFault',
            400,
            'Cluster cannot be deleted, it still contains DB instances',
          );
        this.requestDeletion(cluster, this.clustersDeleted);
        return {};
      },
    );
    on(secrets!, GetSecretValueCommand, 'GetSecretValue', () => ({ SecretString: JSON.stringify(this.secret) }));
    on(s3!, ListObjectVersionsCommand, 'ListObjectVersions', (input: { Prefix: string }) => ({
      IsTruncated: false,
      Versions: [...this.manifests.entries()]
        .filter(([key]) => key.startsWith(input.Prefix))
        .flatMap(([key, versions]) => versions.map((v) => ({ Key: key, VersionId: v.id, LastModified: v.written }))),
    }));
    on(s3!, PutObjectCommand, 'PutObject', (input: { Key: string; Body: string; IfNoneMatch?: string }) => {
      if (input.IfNoneMatch === '*' && this.objects.has(input.Key))
        throw awsError('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
      this.objects.set(input.Key, input.Body);
      if (!input.Key.startsWith(CHUNK_RESULTS_PREFIX))
        this.evidence.push(JSON.parse(input.Body) as Record<string, unknown>);
      return {};
    });
    on(s3!, GetObjectCommand, 'GetObject', (input: { Key: string; VersionId?: string }) => {
      const body = input.VersionId
        ? this.manifests.get(input.Key)?.find((v) => v.id === input.VersionId)?.body
        : this.objects.get(input.Key);
      if (body === undefined) throw awsError('NoSuchKey', 404);
      return { Body: { transformToString: async () => body } };
    });
    on(s3!, ListObjectsV2Command, 'ListObjectsV2', () => ({ Contents: [] }));
    on(sns!, PublishCommand, 'Publish', (input: { Subject?: string; Message?: string }) => {
      this.published.push(input);
      return {};
    });
  }

  /** Mutating calls that took effect so far. */
  mutatingCalls = 0;
  private readonly crash = new InjectedCrash((name, message) => awsError(name, 500, message));

  /** The function dies right after its `after`-th mutating call from now took effect; later calls fail without effect. */
  crashAfterMutations(after: number): void {
    this.crash.arm(after);
  }

  /** Whether the armed crash happened; clears it (the next attempt runs normally). */
  died(): boolean {
    return this.crash.died();
  }

  inject(command: string, kind: Fault, times: number): void {
    this.faults.push({ command, kind, remaining: times });
  }

  /** The RDS events an instance emits: restored when it becomes available, deleted when it is gone. */
  eventsOf(id: string): EmittedEvent[] {
    const emitted: EmittedEvent[] = [];
    const c = this.everCreatedClusters.get(id);
    if (c) {
      if (!this.options.neverAvailable)
        emitted.push({
          at: c.availableAt,
          event: rdsClusterEvent(id, 'creation', 'DB cluster created', c.availableAt),
        });
      const at = this.goneAt(c);
      if (at !== undefined) emitted.push({ at, event: rdsClusterEvent(id, 'deletion', 'DB cluster deleted', at) });
    }
    const i = this.everCreated.get(id);
    if (!i) return emitted;
    if (!this.options.neverAvailable)
      emitted.push({
        at: i.availableAt,
        event: i.cluster
          ? rdsInstanceEvent(id, 'creation', 'DB instance created', i.availableAt)
          : rdsInstanceEvent(id, 'restoration', 'Restored from snapshot', i.availableAt),
      });
    const at = this.goneAt(i);
    if (at !== undefined) emitted.push({ at, event: rdsInstanceEvent(id, 'deletion', 'DB instance deleted', at) });
    return emitted;
  }

  restore(): void {
    for (const mock of Object.values(this.mocks)) mock.restore();
  }

  private record(command: string, target: string, resource: 'db' | 'cluster' = 'db'): void {
    const found = resource === 'cluster' ? this.clusters.get(target) : this.instances.get(target);
    this.mutations.push({
      command: resource === 'cluster' && command === 'AddTagsToResource' ? 'AddTagsToResource(cluster)' : command,
      target,
      tagged: found?.tags.some((t) => t.Key === DRILL_TAG) ?? false,
      drillNamed: target.startsWith('rxdr-drill-'),
    });
  }

  /** A resource restored now, in the recovery region, available after `seconds`. */
  private restored(kind: 'db' | 'cluster', id: string, db: string, tags: Restored['tags'], seconds: number): Restored {
    const now = this.clockFor(db).ms;
    const arn = `arn:aws:rds:us-west-2:111111111111:${kind}:${id}`;
    return { id, arn, db, tags, createdAt: now, availableAt: now + seconds * 1000 };
  }

  /** The first deletion request counts; a repeated one changes nothing. */
  private requestDeletion(resource: Restored, deletedIds: string[]): void {
    if (resource.deleteRequestedAt !== undefined) return;
    resource.deleteRequestedAt = this.clockFor(resource.db).ms;
    deletedIds.push(resource.id);
  }

  /** When a deleted resource is gone, `deletionSeconds` after its deletion was requested. */
  private goneAt(resource: Restored): number | undefined {
    if (resource.deleteRequestedAt === undefined) return undefined;
    return resource.deleteRequestedAt + perDatabase(this.options.deletionSeconds, resource.db) * 1000;
  }

  /** The status RDS would describe now, or `gone` once its deletion has finished. */
  private statusOf(resource: Restored): 'gone' | 'deleting' | 'available' | 'creating' {
    const now = this.clockFor(resource.db).ms;
    const goneAt = this.goneAt(resource);
    if (goneAt !== undefined) return now >= goneAt ? 'gone' : 'deleting';
    return !this.options.neverAvailable && now >= resource.availableAt ? 'available' : 'creating';
  }

  private createCluster(id: string, db: string): void {
    this.clustersCreated.push(id);
    const cluster = this.restored('cluster', id, db, [], perDatabase(this.options.restoreSeconds, db));
    this.clusters.set(id, cluster);
    this.everCreatedClusters.set(id, cluster);
  }

  private viewCluster(id: string): DBCluster | undefined {
    const c = this.clusters.get(id);
    if (!c) return undefined;
    const status = this.statusOf(c);
    if (status === 'gone') {
      this.clusters.delete(id);
      return undefined;
    }
    const members = [...this.instances.keys()]
      .map((i) => this.view(i))
      .filter((i): i is DBInstance => i?.DBClusterIdentifier === id);
    return {
      DBClusterIdentifier: id,
      DBClusterArn: c.arn,
      Status: status,
      Engine: 'aurora-postgresql',
      EngineVersion: '17.6',
      Endpoint: this.server ? this.server.host : `${id}.cluster-fake.us-west-2.rds.amazonaws.com`,
      Port: this.server ? this.server.port : 5432,
      StorageEncrypted: true,
      KmsKeyId: SETTINGS.kmsKeyArn,
      DBSubnetGroup: SETTINGS.subnetGroupName,
      VpcSecurityGroups: SETTINGS.securityGroupIds.map((g) => ({ VpcSecurityGroupId: g, Status: 'active' })),
      DeletionProtection: false,
      DBClusterMembers: members.map((m) => ({ DBInstanceIdentifier: m.DBInstanceIdentifier, IsClusterWriter: true })),
      ClusterCreateTime: new Date(c.createdAt),
      TagList: [...c.tags],
    };
  }

  private create(
    id: string,
    db: string,
    tags: Instance['tags'],
    job: string | undefined,
    request: Record<string, unknown>,
    cluster?: string,
  ): void {
    this.created.push(id);
    const seconds = perDatabase(
      cluster ? (this.options.clusterInstanceSeconds ?? 600) : this.options.restoreSeconds,
      db,
    );
    const instance: Instance = { ...this.restored('db', id, db, tags, seconds), createdByJob: job, request, cluster };
    this.instances.set(id, instance);
    this.everCreated.set(id, instance);
  }

  private view(id: string): DBInstance | undefined {
    const i = this.instances.get(id);
    if (!i) return undefined;
    const status = this.statusOf(i);
    if (status === 'gone') {
      this.instances.delete(id);
      return undefined;
    }
    return {
      DBInstanceIdentifier: id,
      DBInstanceArn: i.arn,
      DBInstanceStatus: status,
      Engine: i.cluster ? 'aurora-postgresql' : 'postgres',
      EngineVersion: '17.6',
      ...(i.cluster ? { DBClusterIdentifier: i.cluster } : {}),
      DBInstanceClass: SETTINGS.instanceClass,
      Endpoint: this.server
        ? { Address: this.server.host, Port: this.server.port }
        : { Address: `${id}.fake.us-west-2.rds.amazonaws.com`, Port: 5432 },
      StorageEncrypted: true,
      KmsKeyId: SETTINGS.kmsKeyArn,
      PubliclyAccessible: false,
      MultiAZ: false,
      DeletionProtection: false,
      DBSubnetGroup: { DBSubnetGroupName: SETTINGS.subnetGroupName, VpcId: 'vpc-drill' },
      VpcSecurityGroups: SETTINGS.securityGroupIds.map((g) => ({ VpcSecurityGroupId: g, Status: 'active' })),
      InstanceCreateTime: new Date(i.createdAt),
      TagList: [...i.tags],
    };
  }
}

export function dbOf(instanceId: string): string {
  return instanceId.slice('rxdr-drill-'.length, instanceId.lastIndexOf('-'));
}

function perDatabase(seconds: number | ((db: string) => number), db: string): number {
  return typeof seconds === 'number' ? seconds : seconds(db);
}
