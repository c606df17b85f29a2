import { Stage, StageProps, Tags } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config/environment-config';
import { names } from '../naming';
import { APP_TAG_VALUE, TagKeys } from '../tags';
import { PrimaryStack } from './primary-stack';
import { RecoveryStack } from './recovery-stack';
import { StandbyStack } from './standby-stack';

export interface RxdrStageProps extends StageProps {
  readonly config: EnvironmentConfig;
}

/**
 * One environment in one account: a recovery-region stack (keys, vaults), the primary-region stack, and a
 * recovery-region standby stack (database network, read replicas), deployed in that order.
 */
export class RxdrStage extends Stage {
  readonly primary: PrimaryStack;
  readonly recovery: RecoveryStack;
  /** Recovery-region databases: network and warm-standby replicas (deployed after the primary). */
  readonly standby: StandbyStack;

  constructor(scope: Construct, id: string, props: RxdrStageProps) {
    super(scope, id, props);
    const { config } = props;
    const description = (role: string) =>
      `rxdr ${config.name} ${role} (${config.databases.length} protected database${config.databases.length === 1 ? '' : 's'})`;

    this.recovery = new RecoveryStack(this, 'Recovery', {
      stackName: names.recoveryStack(config),
      env: { account: config.account, region: config.recoveryRegion },
      description: description('recovery region'),
      config,
      terminationProtection: config.production,
    });
    this.primary = new PrimaryStack(this, 'Primary', {
      stackName: names.primaryStack(config),
      env: { account: config.account, region: config.primaryRegion },
      description: description('primary region'),
      config,
      terminationProtection: config.production,
    });
    // The primary's copy rules target the recovery vault by its deterministic ARN: deploy recovery first.
    this.primary.addStackDependency(this.recovery);
    this.standby = new StandbyStack(this, 'Standby', {
      stackName: names.standbyStack(config),
      env: { account: config.account, region: config.recoveryRegion },
      description: description('recovery-region databases'),
      config,
      key: this.recovery.key,
      alertsTopic: this.recovery.alertsTopic,
      terminationProtection: config.production,
    });
    // A read replica needs its source instance: deploy the standby after the primary.
    this.standby.addStackDependency(this.primary);

    Tags.of(this).add(TagKeys.environment, config.name);
    Tags.of(this).add(TagKeys.app, APP_TAG_VALUE);
    Tags.of(this).add(TagKeys.dataClassification, config.dataClassification);
  }
}
