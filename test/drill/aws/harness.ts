import { BackupClient } from '@aws-sdk/client-backup';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { S3EvidenceStore } from '../../../engines/evidence/store';
import { notifyTask } from '../../../engines/drill/aws/notify';
import { Expectation, planTask } from '../../../engines/drill/aws/plan';
import { describedAllocatedStorage } from '../../../engines/drill/aws/first-drill-size';
import { recordEvidenceTask } from '../../../engines/drill/aws/record';
import {
  checkCleanupTask,
  checkRestoreTask,
  pickSourceTask,
  requestCleanupTask,
  startRestoreTask,
  TaskDeps,
  validateTask,
} from '../../../engines/drill/aws/tasks';
import type { DrillValidator } from '../../../engines/drill/validator';
import type { AwsDrillSettings } from '../../../engines/drill/aws/restore-provider-base';
import { ChunkTaskDeps, planChunksTask, validateChunkTask } from '../../../engines/drill/aws/chunk-tasks';
import { drillValidatorFor, type EngineValidatorOptions } from '../../../engines/drill/aws/validator';
import { engineEvidenceChecks } from '../engine-checks';
import type { Json, LocalHandler } from '../../helpers/local-state-machine';
import { dbOf, FakeAws, SETTINGS, VirtualClock } from './fake-aws';
import { EVENT_DELAY_SECONDS, LocalEventWaits, type EventDelivery } from '../../helpers/event-waits';

export const START = Date.parse('2026-11-01T06:00:00Z');
export { EVENT_DELAY_SECONDS };

/**
 * Real task code wired to the synthesized state machine's Task states, over a fake AWS. Each database
 * runs on its own virtual clock; a Map slot hands its free time to the next database (so fleet time is
 * simulated as the Map's concurrency limit schedules it).
 */
export class DrillWorld {
  readonly clocks = new Map<string, VirtualClock>();
  readonly aws: FakeAws;
  readonly metrics: { dimensions: Record<string, string>; values: Record<string, { value: number }> }[] = [];
  private readonly slots: number[];
  active = 0;
  maxActive = 0;
  finishedAt = START;
  validationSeconds: number;
  validatorResult: { passed: boolean; rpo?: number } = { passed: true, rpo: 120 };
  /** The restore and deletion waits: the real park/resume code, events from the fake AWS. */
  readonly waits: LocalEventWaits;

  constructor(options: {
    concurrency: number;
    restoreSeconds?: number | ((db: string) => number);
    deletionSeconds?: number | ((db: string) => number);
    /** Seconds a restored cluster's instance takes to become available (Aurora). @default 600 */
    clusterInstanceSeconds?: number | ((db: string) => number);
    validationSeconds?: number;
    neverAvailable?: boolean;
    /** What the database's previous drill took (Plan reads it from evidence); per database for uneven fleets. */
    history?: Expectation | ((db: string) => Expectation);
    pointInTime?: readonly string[];
    /** How events reach the waiting tasks (default: every one, after {@link EVENT_DELAY_SECONDS}). */
    events?: EventDelivery;
    /** The drill functions' settings (default: {@link SETTINGS}). */
    settings?: AwsDrillSettings;
  }) {
    this.settings = options.settings ?? SETTINGS;
    this.waits = new LocalEventWaits(options.events ?? { delaySeconds: EVENT_DELAY_SECONDS });
    this.slots = Array.from({ length: options.concurrency }, () => START);
    this.validationSeconds = options.validationSeconds ?? 180;
    this.history = options.history;
    this.aws = new FakeAws((db) => this.clock(db), {
      restoreSeconds: options.restoreSeconds ?? 2700,
      deletionSeconds: options.deletionSeconds ?? 600,
      neverAvailable: options.neverAvailable,
      pointInTime: options.pointInTime,
      ...(options.clusterInstanceSeconds !== undefined
        ? { clusterInstanceSeconds: options.clusterInstanceSeconds }
        : {}),
    });
  }

  private readonly history?: Expectation | ((db: string) => Expectation);
  /** The regions the Plan task read a source's allocated storage in. */
  readonly sourceRegions: string[] = [];
  private readonly settings: AwsDrillSettings;

  clock(db: string): VirtualClock {
    let clock = this.clocks.get(db);
    if (!clock) this.clocks.set(db, (clock = new VirtualClock(START)));
    return clock;
  }

  private deps(event: Json): TaskDeps {
    const db = (event as { database: { name: string } }).database.name;
    return {
      clients: {
        rds: new RDSClient({}),
        backup: new BackupClient({}),
        secrets: new SecretsManagerClient({}),
        ssm: new SSMClient({}),
      },
      settings: this.settings,
      clock: this.clock(db),
    };
  }

  /**
   * The real validation engine over S3 and the restored database (as the Lambdas build it): PlanChunks,
   * every ValidateChunk and Validate run the real chunked validation. Default: a stand-in Validate that
   * answers what the engine would, and no chunks.
   */
  engine?: EngineValidatorOptions;

  private validator(db: string, event: Json): DrillValidator {
    if (this.engine) return drillValidatorFor(event, this.engine);
    return {
      validate: async ({ connection }) => {
        if (typeof connection.url === 'string' || connection.url.password !== 's3cret')
          throw new Error('test: no credentials from the secret');
        this.clock(db).ms += this.validationSeconds * 1000;
        // What the engine would answer: its checks, through the real mapping (see engine-checks.ts).
        return {
          passed: this.validatorResult.passed,
          achievedRpoSeconds: this.validatorResult.rpo,
          checks: engineEvidenceChecks({ passed: this.validatorResult.passed }),
        };
      },
    };
  }

  private chunkDeps(): Omit<ChunkTaskDeps, keyof TaskDeps> {
    if (!this.engine) throw new Error('test: chunk steps run only with the real engine');
    return { s3: this.engine.s3, bucket: this.engine.bucket, checkSettings: this.engine.checkSettings ?? (() => ({})) };
  }

  tasks(): Record<string, LocalHandler> {
    const db = (event: Json) => (event as { database: { name: string } }).database.name;
    const awaitEvent = this.waits.waitHandler({
      clockOf: (instance) => this.clock(dbOf(instance)),
      eventsOf: (instance) => this.aws.eventsOf(instance),
    });
    return {
      Plan: (event) =>
        planTask(event, {
          history: async (_environment, database) =>
            (typeof this.history === 'function' ? this.history(database) : this.history) ?? {},
          // As the Lambda: a client in the source's region; the fake answers from `aws.sources`.
          allocatedStorage: describedAllocatedStorage(
            (region) => {
              this.sourceRegions.push(region);
              return new RDSClient({ region });
            },
            { sleep: async () => {} },
          ),
        }),
      PickSource: async (event) => {
        const clock = this.clock(db(event));
        if (!(event as { drill: { startedAt?: string } }).drill.startedAt) {
          this.slots.sort((a, b) => a - b);
          clock.ms = this.slots.shift() ?? START;
          this.active += 1;
          this.maxActive = Math.max(this.maxActive, this.active);
        }
        return pickSourceTask(event, this.deps(event));
      },
      StartRestore: (event) => startRestoreTask(event, this.deps(event)),
      AwaitRestore: awaitEvent,
      CheckRestore: (event) => checkRestoreTask(event, this.deps(event)),
      PlanChunks: (event) =>
        this.engine
          ? planChunksTask(event, { ...this.deps(event), ...this.chunkDeps() })
          : { ...(event as Record<string, Json>), chunking: { prefix: '', ids: [], parallel: 1 } },
      ValidateChunk: (event) => {
        const chunk = event as { database: { name: string } };
        return validateChunkTask(event, { ...this.deps({ database: chunk.database } as Json), ...this.chunkDeps() });
      },
      Validate: (event) => validateTask(event, { ...this.deps(event), validator: this.validator(db(event), event) }),
      RequestCleanup: (event) => requestCleanupTask(event, this.deps(event)),
      AwaitCleanup: awaitEvent,
      CheckCleanup: (event) => checkCleanupTask(event, this.deps(event)),
      RecordEvidence: async (event) => {
        const clock = this.clock(db(event));
        const outcome = await recordEvidenceTask(event, {
          backup: new BackupClient({}),
          store: new S3EvidenceStore(new S3Client({}), 'evidence-bucket'),
          metrics: {
            publish: (dimensions, values) =>
              this.metrics.push({ dimensions: { ...dimensions }, values: { ...values } }),
          },
          clock,
        });
        this.active -= 1;
        this.slots.push(clock.ms);
        this.finishedAt = Math.max(this.finishedAt, clock.ms);
        return outcome;
      },
      Notify: (event) =>
        notifyTask(event, { sns: new SNSClient({}), topicArn: 'arn:aws:sns:us-west-2:111111111111:alerts' }),
    };
  }
}
