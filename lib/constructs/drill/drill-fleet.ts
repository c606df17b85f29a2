import { Duration } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IConstruct } from 'constructs';
import { EnvironmentConfig } from '../../config/environment-config';
import { names } from '../../naming';
import { dbInstanceArn } from '../database/arns';
import { DatabaseBackupSelection } from '../backup-selection';
import { tierNumber } from '../../config/tiers';
import { isCluster } from '../../config/database-kind';
import { TOOL_VERSION } from '../../project-root';
import { DrillDatabaseSpec, RestoreDrillProps } from './restore-drill';
import { RxdrBackupVault } from '../backup-vault';

/** The stateful resources of the recovery stack a drill uses. */
export interface DrillResources {
  readonly key: kms.IKey;
  readonly vault: backup.IBackupVault;
  readonly evidenceBucket: s3.IBucket;
  readonly alertsTopic: sns.ITopic;
}

/** Every configured database, instance or Aurora cluster, as the drill sees it (tier targets, source kind). */
export function drillFleet(scope: IConstruct, config: EnvironmentConfig): DrillDatabaseSpec[] {
  return config.databases.map((db) => ({
    name: db.name,
    tierName: db.tier,
    tier: tierNumber(db.tierPreset.drPattern),
    targets: { rtoSeconds: db.tierPreset.rtoMinutes * 60, rpoSeconds: db.tierPreset.rpoMinutes * 60 },
    ...(isCluster(db)
      ? {
          kind: 'cluster' as const,
          // Aurora replicates no automated backups: clusters restore the vault's recovery points (config checks it).
          source: 'backup' as const,
          sourceArn: DatabaseBackupSelection.sourceArn(scope, config.primaryRegion, names.primarySource(config, db)),
        }
      : {
          source: config.drill.tierSources[db.tier] ?? config.drill.source,
          sourceArn: dbInstanceArn(scope, config.primaryRegion, names.primaryInstance(config, db)),
        }),
    secretId: names.recoverySecret(config, db),
    databaseName: 'postgres',
    ...('allocatedStorageGb' in db && db.allocatedStorageGb
      ? { allocatedBytes: db.allocatedStorageGb * 1024 ** 3 }
      : {}),
    ...(db.validation ? { validation: db.validation } : {}),
    ...(db.validation?.parallelism || db.validation?.chunkSizeMb
      ? {
          chunking: {
            ...(db.validation.parallelism ? { parallelism: db.validation.parallelism } : {}),
            ...(db.validation.chunkSizeMb ? { chunkBytes: db.validation.chunkSizeMb * 1024 ** 2 } : {}),
          },
        }
      : {}),
  }));
}

/**
 * One schedule per tier named in `drill.tierSchedules` (if it has databases), and one at `drill.schedule` for
 * the remaining tiers (for every database when no tier has its own).
 */
export function drillSchedules(config: EnvironmentConfig): RestoreDrillProps['schedules'] {
  const tiersInUse = [...new Set(config.databases.map((db) => db.tier))];
  const own = tiersInUse.filter((tier) => config.drill.tierSchedules[tier] !== undefined);
  const rest = tiersInUse.filter((tier) => !own.includes(tier));
  const schedules: { name: string; expression: string; tiers?: string[] }[] = own.map((tier) => ({
    name: tier,
    expression: config.drill.tierSchedules[tier] ?? config.drill.schedule,
    tiers: [tier],
  }));
  if (rest.length > 0)
    schedules.push({ name: 'default', expression: config.drill.schedule, ...(own.length > 0 ? { tiers: rest } : {}) });
  return schedules;
}

/** `RestoreDrill` props for an environment: the fleet, schedules, network and limits from its config. */
export function restoreDrillProps(
  scope: IConstruct,
  config: EnvironmentConfig,
  resources: DrillResources,
): RestoreDrillProps {
  return {
    ...resources,
    environmentName: config.name,
    toolVersion: TOOL_VERSION,
    databases: drillFleet(scope, config),
    schedules: drillSchedules(config),
    timezone: config.drill.timezone,
    maxConcurrency: config.drill.maxConcurrency,
    instanceClass: config.drill.instanceClass,
    timeout: Duration.minutes(config.drill.timeoutMinutes),
    restoreTimeout: Duration.minutes(config.drill.restoreTimeoutMinutes),
    networkCidr: config.drill.vpcCidr,
    maxDaysBetweenDrills: config.drill.maxDaysBetweenDrills,
    stateMachineName: names.drillStateMachine(config),
    schedulerRoleName: names.drillSchedulerRole(config),
    logRetention: config.databaseProtection.logRetentionDays as logs.RetentionDays,
    ...isolatedSource(scope, config),
  };
}

/**
 * The logically air-gapped vault (this account, recovery region) drills restore from while the recovery vault is
 * declared lost. A cross-account isolated vault cannot be restored from here: its copies must first be copied back.
 */
function isolatedSource(
  scope: IConstruct,
  config: EnvironmentConfig,
): Pick<RestoreDrillProps, 'isolatedVault' | 'vaultLostParameterName'> {
  if (config.isolatedBackup?.mode !== 'air-gapped') return {};
  const vaultName = names.airGappedVault(config);
  return {
    isolatedVault: {
      vaultName,
      vaultArn: RxdrBackupVault.arnInRegion(scope, vaultName, config.recoveryRegion),
    },
    vaultLostParameterName: names.gameDayVaultLostParameter(config),
  };
}
