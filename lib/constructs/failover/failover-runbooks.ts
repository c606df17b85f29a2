import { clusterDefaultStrategyProblem } from '../../config/cluster-strategy';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { CatalogInput, Strategy } from '../../../engines/failover/catalog';
import { failbackDefinition, failoverDefinition } from './definitions';
import { EventWaits } from '../event-waits';
import {
  RUNBOOK_CLUSTER_CATEGORIES,
  RUNBOOK_RDS_CATEGORIES,
  runbookWaitedClusters,
  runbookWaitedInstances,
} from './instance-waits';
import { wildcardResourceFinding } from '../../compliance/acknowledgements';
import { allowLogDeliveryToDecrypt, encryptedStateMachine } from '../encrypted-state-machine';
import { RunbookFunction } from './runbook-function';
import { maxChunksPerDatabase } from '../validation/chunk-states';
import { DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_PARALLELISM } from '../../../engines/validation/chunks/plan';
import { grantRunbookPermissions } from './runbook-permissions';
import { thisAccountsService } from '../service-principal-scope';

/** One protected database as the runbooks see it. */
export interface RunbookDatabase {
  readonly name: string;
  /** 1 critical, 2 important, 3 deferrable. */
  readonly tier: 1 | 2 | 3;
  readonly rtoMinutes: number;
  readonly rpoMinutes: number;
  readonly defaultStrategy: Strategy;
  readonly primaryInstanceIdentifier: string;
  /** The cross-region read replica (tier 1). @default - promote-replica is unavailable */
  readonly replicaInstanceIdentifier?: string;
  /** @default `<primaryInstanceIdentifier>-restored` (`-dr` is the read replica) */
  readonly recoveredInstanceIdentifier?: string;
  /** @default `<primaryInstanceIdentifier>-fb` */
  readonly failbackInstanceIdentifier?: string;
  /** @default - the source's class */
  readonly instanceClass?: string;
  /** Recovery-region subnet group / security groups for restored instances. @default - the default VPC's */
  readonly subnetGroupName?: string;
  readonly securityGroupIds?: string[];
  /** Primary-region subnet group / security groups for the failback replica. */
  readonly primarySubnetGroupName?: string;
  readonly primarySecurityGroupIds?: string[];
  /** The replicated credentials secret in the recovery region (its `host` is repointed). */
  readonly secretArn: string;
  /** A CNAME in a private hosted zone that clients resolve. @default - none */
  readonly route53?: { readonly hostedZoneId: string; readonly recordName: string; readonly ttl?: number };
  /** An SSM parameter holding the endpoint host. @default - none */
  readonly endpointParameterName?: string;
  /**
   * How the failover validates it in chunks: chunk invocations at once (1-40) and bytes per chunk.
   * @default - 4 at once, 2 GiB chunks
   */
  readonly chunking?: { readonly parallelism?: number; readonly chunkBytes?: number };
  /**
   * An Aurora cluster (`primaryInstanceIdentifier` then names the primary cluster): its global database and
   * recovery-region secondary for `global-switchover`, `global-failover` and `detach-and-promote`.
   * @default - an RDS instance
   */
  readonly cluster?: {
    readonly primaryClusterIdentifier: string;
    readonly globalClusterIdentifier?: string;
    readonly secondaryClusterIdentifier?: string;
    /** Where a restore from the recovery vault lands. @default `<primaryClusterIdentifier>-restored` */
    readonly recoveredClusterIdentifier?: string;
    /**
     * Clients connect through the global database's writer endpoint: a global switchover or failover leaves their
     * pointers alone and verifies that the endpoint follows the new writer. Needs `globalClusterIdentifier`.
     * @default false - every strategy repoints the clients at the new writer's cluster endpoint
     */
    readonly clientsUseGlobalWriterEndpoint?: boolean;
  };
}

export interface FailoverRunbooksProps {
  readonly environmentName: string;
  readonly primaryRegion: string;
  readonly recoveryKey: kms.IKey;
  /** ARN of the primary region's CMK (the failback replica is encrypted with it). */
  readonly primaryKeyArn: string;
  readonly recoveryVaultName: string;
  /**
   * The logically air-gapped vault (this account, recovery region) a latest-backup failover restores from while
   * the SSM parameter `declarationParameterName` exists (the recovery vault is declared lost).
   * @default - always the recovery vault
   */
  readonly isolatedSource?: { readonly vaultName: string; readonly declarationParameterName: string };
  readonly evidenceBucket: s3.IBucket;
  readonly alertsTopic: sns.ITopic;
  /** The validation engine's function: the state machine's PlanChunks and Validate (whole-table step) tasks. */
  readonly validator: lambda.IFunction;
  /** The validation engine's chunk function: one ValidateChunk of the failover's ValidateChunks Map. */
  readonly chunkValidator: lambda.IFunction;
  readonly databases: readonly RunbookDatabase[];
  /** Unapproved runs abort after this long. @default Duration.hours(1) */
  readonly approvalTimeout?: Duration;
  /** @default logs.RetentionDays.SIX_YEARS (H5/H6: who started and approved a failover) */
  readonly logRetention?: logs.RetentionDays;
  readonly toolVersion: string;
  /** Names of the state machines. @default - generated */
  readonly failoverStateMachineName?: string;
  readonly failbackStateMachineName?: string;
  readonly approvalParameterPrefix: string;
  readonly writeFreezeParameterPrefix: string;
  /** SSM parameter the CLI reads to find instance ids and the evidence bucket. @default - none */
  readonly catalogParameterName?: string;
  /**
   * Where restores land, published by the stack that owns the recovery database network (it deploys after the
   * runbooks): the SSM parameter the failover reads at run time and the subnet group it names, for IAM.
   * @default - each database's `subnetGroupName`/`securityGroupIds`
   */
  readonly recoveryNetwork?: { readonly parameterName: string; readonly subnetGroupName: string };
}

/**
 * The failover and failback runbooks of one environment, in the recovery region: one Lambda function per
 * runbook (the step logic), a Standard state machine each, and the IAM that lets them touch only the
 * configured instances, records, parameters and secrets.
 */
export class FailoverRunbooks extends Construct {
  readonly failover: sfn.StateMachine;
  readonly failback: sfn.StateMachine;
  readonly failoverFunction: lambda.IFunction;
  readonly failbackFunction: lambda.IFunction;
  readonly backupRestoreRole: iam.Role;
  readonly catalog: CatalogInput;
  /**
   * The recovery, replica and promotion waits: RDS and AWS Backup events about the runbooks' instances end
   * them. The failback's instances live in the primary region: its stack forwards their events here
   * ({@link RdsEventForwarding}).
   */
  readonly waits: EventWaits;

  constructor(scope: Construct, id: string, props: FailoverRunbooksProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const problems: string[] = [];
    if (props.databases.length === 0) problems.push('databases: at least one database is required');
    const approvalTimeout = props.approvalTimeout ?? Duration.hours(1);
    if (
      !approvalTimeout.isUnresolved() &&
      (approvalTimeout.toSeconds() < 1 || approvalTimeout.toSeconds() > 7 * 24 * 3600)
    ) {
      problems.push(`approvalTimeout must be between 1 second and 7 days, got ${approvalTimeout.toHumanString()}`);
    }
    for (const db of props.databases) {
      if (db.defaultStrategy === 'promote-replica' && !db.replicaInstanceIdentifier)
        problems.push(`databases.${db.name}: defaultStrategy promote-replica needs replicaInstanceIdentifier`);
      const clusterProblem = db.cluster ? clusterDefaultStrategyProblem(db.defaultStrategy) : undefined;
      if (clusterProblem) problems.push(`databases.${db.name}.defaultStrategy: ${clusterProblem}`);
      const global = ['global-failover', 'global-switchover', 'detach-and-promote'].includes(db.defaultStrategy);
      if (db.cluster?.clientsUseGlobalWriterEndpoint && !db.cluster.globalClusterIdentifier)
        problems.push(
          `databases.${db.name}: cluster.clientsUseGlobalWriterEndpoint needs cluster.globalClusterIdentifier (only a global database has a global writer endpoint)`,
        );
      if (global && !(db.cluster?.globalClusterIdentifier && db.cluster.secondaryClusterIdentifier))
        problems.push(
          `databases.${db.name}: defaultStrategy ${db.defaultStrategy} needs cluster.globalClusterIdentifier and cluster.secondaryClusterIdentifier`,
        );
    }
    for (const db of props.databases) {
      const p = db.chunking?.parallelism;
      if (p !== undefined && !(Number.isInteger(p) && p >= 1 && p <= 40))
        problems.push(`databases.${db.name}.chunking.parallelism must be a whole number 1-40 (inline Map), got ${p}`);
      const bytes = db.chunking?.chunkBytes;
      if (bytes !== undefined && !(bytes > 0))
        problems.push(`databases.${db.name}.chunking.chunkBytes must be a positive number of bytes, got ${bytes}`);
    }
    if (problems.length > 0) throw new Error(`FailoverRunbooks ${this.node.path}: ${problems.join('; ')}`);
    const retention = props.logRetention ?? logs.RetentionDays.SIX_YEARS;
    const recoveryRegion = stack.region;

    const restorePolicy = iam.ManagedPolicy.fromAwsManagedPolicyName(
      'service-role/AWSBackupServiceRolePolicyForRestores',
    );
    this.backupRestoreRole = new iam.Role(this, 'BackupRestoreRole', {
      assumedBy: thisAccountsService(this, 'backup.amazonaws.com'),
      description: 'AWS Backup restores the newest recovery point during a latest-backup failover',
      managedPolicies: [restorePolicy],
    });

    const databases = props.databases.map((db) => ({
      name: db.name,
      tier: db.tier,
      rtoSeconds: db.rtoMinutes * 60,
      rpoSeconds: db.rpoMinutes * 60,
      defaultStrategy: db.defaultStrategy,
      primaryInstanceIdentifier: db.primaryInstanceIdentifier,
      ...(db.replicaInstanceIdentifier ? { replicaInstanceIdentifier: db.replicaInstanceIdentifier } : {}),
      recoveredInstanceIdentifier: db.recoveredInstanceIdentifier ?? `${db.primaryInstanceIdentifier}-restored`,
      failbackInstanceIdentifier: failbackInstanceIdentifier(db),
      ...(db.instanceClass ? { instanceClass: db.instanceClass } : {}),
      ...(db.subnetGroupName ? { subnetGroupName: db.subnetGroupName } : {}),
      securityGroupIds: db.securityGroupIds ?? [],
      ...(db.primarySubnetGroupName ? { primarySubnetGroupName: db.primarySubnetGroupName } : {}),
      primarySecurityGroupIds: db.primarySecurityGroupIds ?? [],
      port: 5432,
      repoint: {
        secretArn: db.secretArn,
        ...(db.route53
          ? {
              route53: {
                hostedZoneId: db.route53.hostedZoneId,
                recordName: db.route53.recordName,
                ttl: db.route53.ttl ?? 30,
              },
            }
          : {}),
        ...(db.endpointParameterName ? { parameterName: db.endpointParameterName } : {}),
      },
      chunking: {
        parallelism: db.chunking?.parallelism ?? DEFAULT_CHUNK_PARALLELISM,
        chunkBytes: db.chunking?.chunkBytes ?? DEFAULT_CHUNK_BYTES,
        // One database per execution: its chunks may use the history budget of a one-database fleet.
        maxChunks: maxChunksPerDatabase(1),
      },
      ...(db.cluster
        ? {
            cluster: {
              ...db.cluster,
              recoveredClusterIdentifier: restoredClusterIdentifier(db.cluster),
            },
          }
        : {}),
    }));
    this.catalog = {
      environment: props.environmentName,
      account: stack.account,
      primaryRegion: props.primaryRegion,
      recoveryRegion,
      recoveryKeyArn: props.recoveryKey.keyArn,
      primaryKeyArn: props.primaryKeyArn,
      recoveryVaultName: props.recoveryVaultName,
      ...(props.isolatedSource
        ? {
            isolatedVaultName: props.isolatedSource.vaultName,
            vaultLostParameterName: props.isolatedSource.declarationParameterName,
          }
        : {}),
      backupRestoreRoleArn: this.backupRestoreRole.roleArn,
      evidenceBucket: props.evidenceBucket.bucketName,
      topicArn: props.alertsTopic.topicArn,
      approvalParameterPrefix: props.approvalParameterPrefix,
      probeConnectivity: false,
      writeFreezeParameterPrefix: props.writeFreezeParameterPrefix,
      toolVersion: props.toolVersion,
      ...(props.recoveryNetwork ? { recoveryNetworkParameterName: props.recoveryNetwork.parameterName } : {}),
      databases,
    };

    const failoverFn = new RunbookFunction(this, 'FailoverSteps', {
      operation: 'failover',
      catalog: this.catalog,
      key: props.recoveryKey,
      logRetention: retention,
    }).function;
    const failbackFn = new RunbookFunction(this, 'FailbackSteps', {
      operation: 'failback',
      catalog: this.catalog,
      key: props.recoveryKey,
      logRetention: retention,
    }).function;
    this.failoverFunction = failoverFn;
    this.failbackFunction = failbackFn;

    grantRunbookPermissions(this, {
      runbooks: props,
      catalog: this.catalog,
      failoverFn,
      failbackFn,
      backupRestoreRole: this.backupRestoreRole,
      restorePolicy,
    });
    const finding = (resource: string) => wildcardResourceFinding(stack, resource);

    const waited = runbookWaitedInstances(databases);
    const clusters = runbookWaitedClusters(databases);
    // A restored cluster's writer shares the cluster's identifier: its instance events end the same wait.
    const writers = databases.flatMap((d) => (d.cluster ? [d.cluster.recoveredClusterIdentifier] : []));
    this.waits = new EventWaits(this, 'Waits', {
      key: props.recoveryKey,
      instances: {
        identifiers: [...new Set([...waited.recoveryRegion, ...writers, ...waited.primaryRegion])],
      },
      categories: RUNBOOK_RDS_CATEGORIES,
      ...(clusters.length > 0 ? { clusters: { identifiers: clusters, categories: RUNBOOK_CLUSTER_CATEGORIES } } : {}),
      logRetention: retention,
    });

    // Without execution data (encryptedStateMachine): the approval gate's input carries the task token.
    const machine = (name: string, definition: sfn.IChainable, stateMachineName: string | undefined) => {
      const { stateMachine: sm, role } = encryptedStateMachine(this, {
        id: name,
        definition,
        ...(stateMachineName ? { stateMachineName } : {}),
        timeout: Duration.hours(24),
        roleDescription: `rxdr ${props.environmentName} ${name.toLowerCase()} state machine`,
        key: props.recoveryKey,
        logRetention: retention,
      });
      const fn = name === 'Failover' ? failoverFn : failbackFn;
      acknowledge(role, [
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSamplingRules/Targets) and CloudWatch Logs vended ' +
            'log delivery (logs:CreateLogDelivery and friends) support no resource-level permissions',
        },
        {
          id: finding(`${fn.functionArn}:*`),
          reason:
            "Step Functions may invoke the runbook function's versions and aliases (`:*`) besides its unqualified ARN; the function is named",
        },
        ...(name === 'Failover'
          ? [
              {
                id: finding(`${props.validator.functionArn}:*`),
                reason:
                  "Step Functions may invoke the validator's versions and aliases (`:*`) besides its unqualified ARN; the function is named",
              },
              {
                id: finding(`${props.chunkValidator.functionArn}:*`),
                reason:
                  "Step Functions may invoke the chunk validator's versions and aliases (`:*`) besides its unqualified ARN; the function is named",
              },
            ]
          : []),
        {
          id: finding(`${this.waits.park.fn.functionArn}:*`),
          reason:
            "Step Functions may invoke the event-wait park function's versions and aliases (`:*`) besides its unqualified ARN; the function is named",
        },
      ]);
      return sm;
    };
    this.failover = machine(
      'Failover',
      failoverDefinition(this, failoverFn, approvalTimeout, this.waits, {
        validator: props.validator,
        chunkValidator: props.chunkValidator,
      }),
      props.failoverStateMachineName,
    );
    this.failback = machine(
      'Failback',
      failbackDefinition(this, failbackFn, approvalTimeout, this.waits),
      props.failbackStateMachineName,
    );

    allowLogDeliveryToDecrypt(props.recoveryKey);
    this.waits.allowResumeOf(this.failover.stateMachineArn);
    this.waits.allowResumeOf(this.failback.stateMachineArn);

    if (props.catalogParameterName) {
      new ssm.StringParameter(this, 'CatalogParameter', {
        parameterName: props.catalogParameterName,
        description: `rxdr ${props.environmentName}: what the CLI needs to find the runbooks and their resources`,
        stringValue: stack.toJsonString({
          failoverStateMachineArn: this.failover.stateMachineArn,
          failbackStateMachineArn: this.failback.stateMachineArn,
          evidenceBucket: props.evidenceBucket.bucketName,
          approvalParameterPrefix: props.approvalParameterPrefix,
          databases: databases.map((d) => ({
            name: d.name,
            primary: d.primaryInstanceIdentifier,
            replica: d.replicaInstanceIdentifier ?? null,
            recovered: d.recoveredInstanceIdentifier,
            rpoSeconds: d.rpoSeconds,
            rtoSeconds: d.rtoSeconds,
          })),
        }),
      });
    }
  }
}

/** Where a failback's new replica lands in the primary region. */
/**
 * Where a cluster's restore lands: a latest-backup failover's in the recovery region, a point-in-time failover's
 * beside the damaged cluster in the primary region; its one instance shares the identifier.
 */
export function restoredClusterIdentifier(cluster: NonNullable<RunbookDatabase['cluster']>): string {
  return cluster.recoveredClusterIdentifier ?? `${cluster.primaryClusterIdentifier}-restored`;
}

export function failbackInstanceIdentifier(db: RunbookDatabase): string {
  return db.failbackInstanceIdentifier ?? `${db.primaryInstanceIdentifier}-fb`;
}

function acknowledge(scope: Construct, findings: { id: string; reason: string }[]): void {
  for (const finding of findings) Validations.of(scope).acknowledge(finding);
}
