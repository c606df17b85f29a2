import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IConstruct } from 'constructs';
import { EnvironmentConfig, ProtectedDatabase } from '../../config/environment-config';
import { names } from '../../naming';
import { TOOL_VERSION } from '../../project-root';
import { keyAliasArn } from '../database/arns';
import type { FailoverRunbooksProps, RunbookDatabase } from './failover-runbooks';

/**
 * RDS identifier of a protected database's instance in the primary region: the reference instance's
 * `names.databaseInstance` (created databases, as `PrimaryDatabases` names it) or the configured
 * `instanceIdentifier` (adopted ones). The drill computes the same (`drill-fleet.ts`).
 */
export function primaryInstanceIdentifier(config: EnvironmentConfig, db: ProtectedDatabase): string {
  return db.mode === 'create' ? names.databaseInstance(config, db) : db.instanceIdentifier;
}

/**
 * The replicated credentials secret in the recovery region, as a SecretId. Created databases: the reference
 * instance's secret, replicated under the same name (`ReferenceDatabase`). Adopted: `credentialsSecretArn`
 * with the recovery region (a replica keeps its primary's name and suffix); without one, the conventional
 * name, which the adopter replicates there (docs/runbooks/failover.md, "Before you need it").
 */
export function recoverySecretId(config: EnvironmentConfig, db: ProtectedDatabase): string {
  if (db.mode === 'adopt' && db.credentialsSecretArn) {
    const parts = db.credentialsSecretArn.split(':');
    parts[3] = config.recoveryRegion;
    return parts.join(':');
  }
  return names.databaseSecret(config, db);
}

/** Every configured database as the runbooks see it: tier targets, default strategy, instances, repoint targets. */
export function runbookDatabases(config: EnvironmentConfig): RunbookDatabase[] {
  return config.databases.map((db) => {
    const tier = db.tierPreset;
    const targets = db.failover;
    return {
      name: db.name,
      tier: TIER_NUMBERS[tier.drPattern] ?? 3,
      rtoMinutes: tier.rtoMinutes,
      rpoMinutes: tier.rpoMinutes,
      defaultStrategy: tier.failoverStrategy,
      primaryInstanceIdentifier: primaryInstanceIdentifier(config, db),
      ...(tier.crossRegionReadReplica ? { replicaInstanceIdentifier: names.replicaInstance(config, db) } : {}),
      secretArn: recoverySecretId(config, db),
      ...(targets?.route53
        ? {
            route53: {
              hostedZoneId: targets.route53.hostedZoneId,
              recordName: targets.route53.recordName,
              ttl: targets.route53.ttlSeconds,
            },
          }
        : {}),
      ...(targets?.endpointParameterName ? { endpointParameterName: targets.endpointParameterName } : {}),
    };
  });
}

const TIER_NUMBERS: Readonly<Record<string, 1 | 2 | 3>> = { 'warm-standby': 1, 'pilot-light': 2, 'backup-restore': 3 };

/** The recovery stack's resources the runbooks use. */
export interface RunbookResources {
  readonly key: kms.IKey;
  readonly evidenceBucket: s3.IBucket;
  readonly alertsTopic: sns.ITopic;
  readonly validator: lambda.IFunction;
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
    evidenceBucket: resources.evidenceBucket,
    alertsTopic: resources.alertsTopic,
    validator: resources.validator,
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
