import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IConstruct } from 'constructs';
import { EnvironmentConfig } from '../../config/environment-config';
import { chunkingOf } from './runbook-chunking';
import { names } from '../../naming';
import { tierNumber } from '../../config/tiers';
import { isCluster, isInstance } from '../../config/database-kind';
import { clusterRunbookDatabase } from './cluster-runbook-database';
import { clientPointersOf } from './client-pointers';
import { TOOL_VERSION } from '../../project-root';
import { keyAliasArn } from '../database/arns';
import type { FailoverRunbooksProps, RunbookDatabase } from './failover-runbooks';

/**
 * Every configured database as the runbooks see it: tier targets, default strategy, instances (or the Aurora
 * cluster, its global database and secondary), repoint targets.
 */
export function runbookDatabases(config: EnvironmentConfig): RunbookDatabase[] {
  const clusters = config.databases.filter(isCluster).map((db) => clusterRunbookDatabase(config, db));
  const instances = config.databases.filter(isInstance).map((db) => {
    const tier = db.tierPreset;
    return {
      name: db.name,
      tier: tierNumber(tier.drPattern),
      rtoMinutes: tier.rtoMinutes,
      rpoMinutes: tier.rpoMinutes,
      defaultStrategy: tier.failoverStrategy,
      primaryInstanceIdentifier: names.primaryInstance(config, db),
      ...(tier.crossRegionReadReplica ? { replicaInstanceIdentifier: names.replicaInstance(config, db) } : {}),
      secretArn: names.recoverySecret(config, db),
      ...clientPointersOf(db.failover),
      ...chunkingOf(db.validation),
    };
  });
  return [...instances, ...clusters];
}

/** The recovery stack's resources the runbooks use. */
export interface RunbookResources {
  readonly key: kms.IKey;
  readonly evidenceBucket: s3.IBucket;
  readonly alertsTopic: sns.ITopic;
  readonly validator: lambda.IFunction;
  readonly chunkValidator: lambda.IFunction;
}

/** `FailoverRunbooks` props of one environment (names from `lib/naming.ts`, approval timeout from config). */
export function failoverRunbooksProps(
  scope: IConstruct,
  config: EnvironmentConfig,
  resources: RunbookResources,
): FailoverRunbooksProps {
  return {
    environmentName: config.name,
    primaryRegion: config.primaryRegion,
    recoveryKey: resources.key,
    // Deterministic alias ARN (no cross-region reference): RDS accepts it as the failback replica's key.
    primaryKeyArn: keyAliasArn(scope, config.primaryRegion, names.keyAlias(config, 'primary')),
    recoveryVaultName: names.recoveryVault(config),
    // Only a logically air-gapped vault in this account can be restored from directly (as the drill does).
    ...(config.isolatedBackup?.mode === 'air-gapped'
      ? {
          isolatedSource: {
            vaultName: names.airGappedVault(config),
            declarationParameterName: names.gameDayVaultLostParameter(config),
          },
        }
      : {}),
    evidenceBucket: resources.evidenceBucket,
    alertsTopic: resources.alertsTopic,
    validator: resources.validator,
    chunkValidator: resources.chunkValidator,
    databases: runbookDatabases(config),
    approvalTimeout: Duration.minutes(config.failover.approvalTimeoutMinutes),
    toolVersion: TOOL_VERSION,
    failoverStateMachineName: names.failoverStateMachine(config),
    failbackStateMachineName: names.failbackStateMachine(config),
    approvalParameterPrefix: names.approvalParameterPrefix(config),
    writeFreezeParameterPrefix: names.writeFreezeParameterPrefix(config),
    catalogParameterName: names.runbookCatalogParameter(config),
    // The standby stack (deployed after this one) publishes the recovery database network here.
    recoveryNetwork: {
      parameterName: names.recoveryNetworkParameter(config),
      subnetGroupName: names.recoveredSubnetGroup(config),
    },
  };
}
