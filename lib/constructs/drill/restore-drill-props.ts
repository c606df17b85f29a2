import { Duration } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { DrillFunction } from './drill-function';
import type { CheckSettings } from '../../../engines/validation/check-settings';
import { DEFAULT_CHUNK_PARALLELISM } from '../../../engines/validation/chunks/plan';

/** One Lambda per Task state of the drill state machine. */
export interface DrillFunctions {
  readonly Plan: DrillFunction;
  readonly PickSource: DrillFunction;
  readonly StartRestore: DrillFunction;
  readonly CheckRestore: DrillFunction;
  readonly PlanChunks: DrillFunction;
  readonly ValidateChunk: DrillFunction;
  readonly Validate: DrillFunction;
  readonly RequestCleanup: DrillFunction;
  readonly CheckCleanup: DrillFunction;
  readonly RecordEvidence: DrillFunction;
  readonly Notify: DrillFunction;
}

/** One protected database as the drill sees it (see `drillFleet` for how config becomes this). */
export interface DrillDatabaseSpec {
  /** Unique within the drill: evidence keys, metrics and drill instance names use it. */
  readonly name: string;
  /** The tier's name (a schedule's `tiers` selects by it). */
  readonly tierName: string;
  /** 1 warm standby, 2 pilot light, 3 backup and restore. */
  readonly tier: 1 | 2 | 3;
  /** The tier's objectives the achieved RTO/RPO are judged (and alarmed) against. */
  readonly targets: { readonly rtoSeconds: number; readonly rpoSeconds: number };
  /**
   * An RDS DB instance, or an Aurora cluster (restored from the vault, then given one instance).
   * @default 'instance'
   */
  readonly kind?: 'instance' | 'cluster';
  /** Restore the newest recovery point in the vault, or point in time from replicated automated backups. */
  readonly source: 'backup' | 'point-in-time';
  /** ARN of the protected instance or cluster in the primary region. */
  readonly sourceArn: string;
  /** Replicated credentials secret in the recovery region (ARN or name). */
  readonly secretId: string;
  /** The database the validator connects to, e.g. "postgres". */
  readonly databaseName: string;
  /** The checks, custom checks and invariant mappings its validation runs. @default - every check that applies */
  readonly validation?: CheckSettings;
  /** How its validation is split into chunks (`DrillChunking`). @default - 4 at a time, 2 GiB chunks */
  readonly chunking?: DrillChunking;
  /**
   * The source's allocated storage in bytes: a first drill (no previous evidence) predicts its validation
   * time from it. @default - an instance's first drill reads the source's `AllocatedStorage` (DescribeDBInstances
   * in the source's region); a cluster's first drill is not predicted
   */
  readonly allocatedBytes?: number;
}

/** A database's chunked validation in the drill. */
export interface DrillChunking {
  /** Chunk invocations at once (1-40). @default 4 */
  readonly parallelism?: number;
  /** Bytes per chunk (`pg_total_relation_size`), at least one PostgreSQL page (8192). @default 2 GiB */
  readonly chunkBytes?: number;
}

/** Chunk invocations the whole fleet may run at once (their reserved concurrency comes out of the account's). */
export const MAX_CHUNK_INVOCATIONS = 400;

export interface RestoreDrillProps {
  /** Names the state machine (`rxdr-<environmentName>-drill`) and prefixes the evidence keys. */
  readonly environmentName: string;
  /**
   * Recorded in every evidence document.
   * @default - this package's version
   */
  readonly toolVersion?: string;
  /** The recovery region's customer-managed key (logs, environment variables, queues, schedules). */
  readonly key: kms.IKey;
  /** The vault in this region the drill restores recovery points from. */
  readonly vault: backup.IBackupVault;
  /**
   * The isolated vault (logically air-gapped, this account and region) drills restore from while
   * `vaultLostParameterName` exists: the recovery vault is declared lost.
   * @default - drills always restore from `vault`
   */
  readonly isolatedVault?: { readonly vaultName: string; readonly vaultArn: string };
  /**
   * SSM parameter (this region) whose existence declares the recovery vault lost.
   * @default - none; required with `isolatedVault`
   */
  readonly vaultLostParameterName?: string;
  /** Where the evidence documents go, and where the manifests the validator compares with are. */
  readonly evidenceBucket: s3.IBucket;
  /** Drill summaries and alarms. */
  readonly alertsTopic: sns.ITopic;
  /** The databases the drill restores, one per Map iteration. */
  readonly databases: readonly DrillDatabaseSpec[];
  /** EventBridge Scheduler expressions: one schedule for all databases, or one per tier. */
  readonly schedules: readonly {
    readonly name: string;
    readonly expression: string;
    /** @default - every database */
    readonly tiers?: readonly string[];
  }[];
  /** IANA time zone the schedule expressions are read in, e.g. "America/New_York". */
  readonly timezone: string;
  /** Databases restored at once (inline Map, 1-40). */
  readonly maxConcurrency: number;
  /** RDS instance class of the restored copies, e.g. "db.t4g.medium". */
  readonly instanceClass: string;
  /** The whole run (state machine timeout). */
  readonly timeout: Duration;
  /** One restore's wait for "available". */
  readonly restoreTimeout: Duration;
  /** One deletion's wait for "gone". @default Duration.hours(1) */
  readonly deletionTimeout?: Duration;
  /** CIDR of the isolated drill VPC (it must not overlap the databases' networks). */
  readonly networkCidr: string;
  /** Days without a drill run before the missed-schedule alarm fires. */
  readonly maxDaysBetweenDrills: number;
  /** @default `rxdr-<environmentName>-drill` */
  readonly stateMachineName?: string;
  /**
   * Name of the role EventBridge Scheduler starts drills with. The "drill started outside its schedule"
   * alarm (governance) recognises scheduled runs by this name.
   * @default - CloudFormation names it
   */
  readonly schedulerRoleName?: string;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/** Every problem at once, each naming the value it got. */
export function validateProps(props: RestoreDrillProps): void {
  const problems: string[] = [];
  if (props.databases.length === 0) problems.push('databases: at least one database, got none');
  if (!Number.isInteger(props.maxConcurrency) || props.maxConcurrency < 1 || props.maxConcurrency > 40)
    problems.push(`maxConcurrency must be 1-40 (inline Map), got ${props.maxConcurrency}`);
  if (props.schedules.length === 0) problems.push('schedules: at least one schedule, got none');
  if (props.restoreTimeout.toSeconds() >= props.timeout.toSeconds()) {
    problems.push(
      `restoreTimeout (${props.restoreTimeout.toMinutes()} min) must be shorter than the run's timeout (${props.timeout.toMinutes()} min), or cleanup cannot run in the execution`,
    );
  }
  for (const d of props.databases) {
    if (d.kind === 'cluster' && d.source === 'point-in-time')
      problems.push(
        `databases: ${d.name} is an Aurora cluster, drilled from the vault's recovery points; got source "point-in-time"`,
      );
  }
  if ((props.isolatedVault === undefined) !== (props.vaultLostParameterName === undefined))
    problems.push(
      `isolatedVault and vaultLostParameterName go together, got ${props.isolatedVault ? 'only isolatedVault' : 'only vaultLostParameterName'}`,
    );
  for (const d of props.databases) {
    const p = d.chunking?.parallelism;
    if (p !== undefined && (!Number.isInteger(p) || p < 1 || p > 40))
      problems.push(`databases.${d.name}.chunking.parallelism must be a whole number 1-40 (inline Map), got ${p}`);
    const bytes = d.chunking?.chunkBytes;
    if (bytes !== undefined && (!Number.isInteger(bytes) || bytes < 8192))
      problems.push(`databases.${d.name}.chunking.chunkBytes must be a whole number >= 8192 (a page), got ${bytes}`);
  }
  const invocations = props.maxConcurrency * chunkParallelismOf(props);
  if (Number.isInteger(props.maxConcurrency) && invocations > MAX_CHUNK_INVOCATIONS)
    problems.push(
      `maxConcurrency (${props.maxConcurrency}) × the largest chunking.parallelism (${chunkParallelismOf(props)}) ` +
        `is ${invocations} chunk invocations at once; at most ${MAX_CHUNK_INVOCATIONS}: lower one of them`,
    );
  const names = props.databases.map((d) => d.name);
  const dupes = names.filter((n, i) => names.indexOf(n) !== i);
  if (dupes.length > 0) problems.push(`databases: duplicate names ${[...new Set(dupes)].join(', ')}`);
  if (problems.length > 0) throw new Error(`RestoreDrill: ${problems.join('; ')}`);
}

/** The largest chunk parallelism of the fleet (default 4). */
export function chunkParallelismOf(props: Pick<RestoreDrillProps, 'databases'>): number {
  return Math.max(1, ...props.databases.map((d) => d.chunking?.parallelism ?? DEFAULT_CHUNK_PARALLELISM));
}
