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
  DBInstance,
  DeleteDBInstanceCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
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
import { rdsInstanceEvent, type EmittedEvent } from '../../helpers/event-waits';

/** Calls that change something (AWS resources, evidence, notices). */
export const MUTATING = /^(Start|Restore|AddTags|Delete|Put|Publish)/;

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

interface Instance {
  id: string;
  arn: string;
  db: string;
  tags: { Key: string; Value: string }[];
  createdAt: number;
  availableAt: number;
  deleteRequestedAt?: number;
  createdByJob?: string;
  request: Record<string, unknown>;
}

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
  readonly jobs = new Map<string, { id: string; instanceId: string; db: string; token?: string }>();
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
  readonly published: { Subject?: string; Message?: string }[] = [];
  readonly validationResults: { RestoreJobId?: string; ValidationStatus?: string }[] = [];
  readonly calls: string[] = [];
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
        if (this.dead) throw awsError('Rxdr.InjectedCrash', 500, `injected: the function is dead (${name} not sent)`);
        const pending = this.faults.find((f) => f.command === name && f.remaining > 0);
        if (pending) {
          pending.remaining -= 1;
          throw fault(name, pending.kind);
        }
        const result = body(input);
        if (MUTATING.test(name)) {
          this.mutatingCalls += 1;
          if (this.crash && ++this.crash.seen === this.crash.after) {
            this.dead = true;
            throw awsError('Rxdr.InjectedCrash', 500, `injected: the function died right after ${name} took effect`);
          }
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
      (input: { BackupVaultName: string; ByResourceArn: string }) => ({
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
      }),
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
      (input: { IdempotencyToken?: string; Metadata: Record<string, string> }) => {
        const existing = [...this.jobs.values()].find((j) => j.token && j.token === input.IdempotencyToken);
        if (existing) return { RestoreJobId: existing.id };
        const id = input.Metadata.DBInstanceIdentifier ?? '';
        const db = dbOf(id);
        const job = { id: `job-${this.jobs.size + 1}`, instanceId: id, db, token: input.IdempotencyToken };
        this.jobs.set(job.id, job);
        this.record('StartRestoreJob', id);
        this.create(id, db, [], job.id, input.Metadata);
        return { RestoreJobId: job.id };
      },
    );
    on(backup!, DescribeRestoreJobCommand, 'DescribeRestoreJob', (input: { RestoreJobId: string }) => {
      const job = this.jobs.get(input.RestoreJobId);
      if (!job) throw awsError('ResourceNotFoundException', 404);
      const instance = this.instances.get(job.instanceId);
      return {
        RestoreJobId: job.id,
        Status: instance || this.deleted.includes(job.instanceId) ? 'COMPLETED' : 'RUNNING',
        CreatedResourceArn: `arn:aws:rds:us-west-2:111111111111:db:${job.instanceId}`,
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
        const instance = this.instances.get(id);
        this.record('AddTagsToResource', id);
        if (!instance) throw awsError('DBInstanceNotFoundFault', 404);
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
        if (input.SkipFinalSnapshot !== true) throw new Error('test: drills delete without a final snapshot');
        if (instance.deleteRequestedAt === undefined) {
          instance.deleteRequestedAt = this.clockFor(instance.db).ms;
          this.deleted.push(instance.id);
        }
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
  private crash?: { after: number; seen: number };
  private dead = false;

  /** The function dies right after its `after`-th mutating call from now took effect; later calls fail without effect. */
  crashAfterMutations(after: number): void {
    this.crash = { after, seen: 0 };
    this.dead = false;
  }

  /** Whether the armed crash happened; clears it (the next attempt runs normally). */
  died(): boolean {
    const died = this.dead;
    this.dead = false;
    this.crash = undefined;
    return died;
  }

  inject(command: string, kind: Fault, times: number): void {
    this.faults.push({ command, kind, remaining: times });
  }

  /** The RDS events an instance emits: restored when it becomes available, deleted when it is gone. */
  eventsOf(id: string): EmittedEvent[] {
    const i = this.everCreated.get(id);
    if (!i) return [];
    const emitted: EmittedEvent[] = [];
    if (!this.options.neverAvailable)
      emitted.push({
        at: i.availableAt,
        event: rdsInstanceEvent(id, 'restoration', 'Restored from snapshot', i.availableAt),
      });
    if (i.deleteRequestedAt !== undefined) {
      const at = i.deleteRequestedAt + perDatabase(this.options.deletionSeconds, i.db) * 1000;
      emitted.push({ at, event: rdsInstanceEvent(id, 'deletion', 'DB instance deleted', at) });
    }
    return emitted;
  }

  restore(): void {
    for (const mock of Object.values(this.mocks)) mock.restore();
  }

  private record(command: string, target: string): void {
    const instance = this.instances.get(target);
    this.mutations.push({
      command,
      target,
      tagged: instance?.tags.some((t) => t.Key === DRILL_TAG) ?? false,
      drillNamed: target.startsWith('rxdr-drill-'),
    });
  }

  private create(
    id: string,
    db: string,
    tags: Instance['tags'],
    job: string | undefined,
    request: Record<string, unknown>,
  ): void {
    const now = this.clockFor(db).ms;
    this.created.push(id);
    const instance: Instance = {
      id,
      arn: `arn:aws:rds:us-west-2:111111111111:db:${id}`,
      db,
      tags,
      createdAt: now,
      availableAt: now + perDatabase(this.options.restoreSeconds, db) * 1000,
      createdByJob: job,
      request,
    };
    this.instances.set(id, instance);
    this.everCreated.set(id, instance);
  }

  private view(id: string): DBInstance | undefined {
    const i = this.instances.get(id);
    if (!i) return undefined;
    const now = this.clockFor(i.db).ms;
    if (
      i.deleteRequestedAt !== undefined &&
      now >= i.deleteRequestedAt + perDatabase(this.options.deletionSeconds, i.db) * 1000
    ) {
      this.instances.delete(id);
      return undefined;
    }
    const status =
      i.deleteRequestedAt !== undefined
        ? 'deleting'
        : !this.options.neverAvailable && now >= i.availableAt
          ? 'available'
          : 'creating';
    return {
      DBInstanceIdentifier: id,
      DBInstanceArn: i.arn,
      DBInstanceStatus: status,
      Engine: 'postgres',
      EngineVersion: '17.6',
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
