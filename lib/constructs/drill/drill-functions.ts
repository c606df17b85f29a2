import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { DRILL_ENV } from '../../../engines/drill/environment';
import { type CheckSettings, checkSettingsEnvironment } from '../../../engines/validation/check-settings';
import { lambdaEntry } from '../lambda-entry';
import { CHUNK_FUNCTION_TIMEOUT } from './chunk-states';
import { DrillFunction } from './drill-function';
import type { DrillNetwork } from './drill-network';
import type { DrillFunctions, RestoreDrillProps } from './restore-drill-props';

/** What the drill functions read from their environment: where and how drills restore, where results go. */
export function drillEnvironment(
  props: Pick<
    RestoreDrillProps,
    | 'vault'
    | 'key'
    | 'instanceClass'
    | 'evidenceBucket'
    | 'alertsTopic'
    | 'environmentName'
    | 'isolatedVault'
    | 'vaultLostParameterName'
  >,
  restoreRole: iam.IRole,
  network: DrillNetwork,
): Record<string, string> {
  return {
    [DRILL_ENV.vaultName]: props.vault.backupVaultName,
    [DRILL_ENV.restoreRoleArn]: restoreRole.roleArn,
    [DRILL_ENV.subnetGroupName]: network.subnetGroup.subnetGroupName,
    [DRILL_ENV.securityGroupIds]: network.instanceSecurityGroup.securityGroupId,
    [DRILL_ENV.kmsKeyArn]: props.key.keyArn,
    [DRILL_ENV.instanceClass]: props.instanceClass,
    [DRILL_ENV.evidenceBucket]: props.evidenceBucket.bucketName,
    [DRILL_ENV.topicArn]: props.alertsTopic.topicArn,
    [DRILL_ENV.environment]: props.environmentName,
    ...(props.isolatedVault && props.vaultLostParameterName
      ? {
          [DRILL_ENV.isolatedVaultName]: props.isolatedVault.vaultName,
          [DRILL_ENV.vaultLostParameterName]: props.vaultLostParameterName,
        }
      : {}),
  };
}

export interface DrillFunctionsProps {
  /** Encrypts the functions' environment and logs. */
  readonly key: kms.IKey;
  /** Every function's environment (`drillEnvironment`). */
  readonly environment: Record<string, string>;
  /** The drill network: the validation functions run in it, beside the restored copies. */
  readonly network: DrillNetwork;
  /** The databases' validation settings, by database name; the validation functions read them. */
  readonly validation: Readonly<Record<string, CheckSettings | undefined>>;
  /** Databases drilled at once: each function reserves that many, plus two. */
  readonly maxConcurrency: number;
  /** The largest chunk parallelism of the fleet: ValidateChunk reserves it for each database at once. */
  readonly chunkParallelism: number;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/** One Lambda per Task state of the drill state machine, each with the concurrency its step may need. */
export function drillFunctions(scope: Construct, props: DrillFunctionsProps): DrillFunctions {
  const entry = lambdaEntry('drill-steps');
  const reserved = props.maxConcurrency + 2;
  const make = (
    name: string,
    handler: string,
    description: string,
    extra: Partial<ConstructorParameters<typeof DrillFunction>[2]> = {},
  ) =>
    new DrillFunction(scope, name, {
      entry,
      handler,
      description,
      key: props.key,
      environment: props.environment,
      reservedConcurrency: reserved,
      logRetention: props.logRetention,
      ...extra,
    });
  // The three validation functions connect to the restored copy: drill network, CA bundle, check settings.
  const validator = {
    memorySize: 1024,
    vpc: { vpc: props.network.vpc, securityGroups: [props.network.validatorSecurityGroup] },
    environment: { ...props.environment, ...checkSettingsEnvironment(props.validation) },
  };
  return {
    Plan: make('PlanFn', 'plan', 'rxdr drill: check the execution input and plan one drill per database', {
      reservedConcurrency: 2,
    }),
    PickSource: make('PickSourceFn', 'pickSource', 'rxdr drill: newest recovery point or replicated automated backups'),
    StartRestore: make(
      'StartRestoreFn',
      'startRestore',
      'rxdr drill: start the restore into the drill network (drill-tagged)',
    ),
    CheckRestore: make('CheckRestoreFn', 'checkRestore', 'rxdr drill: is the restored instance available yet?'),
    PlanChunks: make('PlanChunksFn', 'plan', 'rxdr drill: plan the validation chunks of the restored database', {
      ...validator,
      entry: lambdaEntry('validate-chunks'),
      timeout: Duration.minutes(2),
    }),
    ValidateChunk: make('ValidateChunkFn', 'chunk', 'rxdr drill: validate one chunk of the restored database', {
      ...validator,
      entry: lambdaEntry('validate-chunks'),
      timeout: CHUNK_FUNCTION_TIMEOUT,
      reservedConcurrency: props.maxConcurrency * props.chunkParallelism + 2,
    }),
    Validate: make('ValidateFn', 'drill', 'rxdr drill: validate the restored database (VPC, drill network)', {
      ...validator,
      entry: lambdaEntry('validate'),
      timeout: Duration.minutes(15),
    }),
    RequestCleanup: make(
      'RequestCleanupFn',
      'requestCleanup',
      'rxdr drill: delete the restored instance (drill tag only)',
    ),
    CheckCleanup: make('CheckCleanupFn', 'checkCleanup', 'rxdr drill: is the restored instance gone?'),
    RecordEvidence: make(
      'RecordEvidenceFn',
      'recordEvidence',
      'rxdr drill: evidence to S3, metrics, AWS Backup validation result',
    ),
    Notify: make('NotifyFn', 'notify', 'rxdr drill: one SNS summary per run', { reservedConcurrency: 2 }),
  };
}
