import { Stack, StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config/environment-config';
import { AlertsTopic } from '../constructs/alerts-topic';
import { EncryptionKey } from '../constructs/encryption-key';
import { names } from '../naming';

export interface RecoveryStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/** The recovery region: the recovery vault, evidence, drills and failover runbooks. */
export class RecoveryStack extends Stack {
  readonly config: EnvironmentConfig;
  /** The recovery region's customer-managed key (vault, replicas, replicated backups and secrets, evidence, topics, logs). */
  readonly key: kms.Key;
  /** Alerts in the recovery region (encrypted with `key`, e-mails from the config). */
  readonly alertsTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: RecoveryStackProps) {
    super(scope, id, props);
    this.config = props.config;
    const { config } = props;

    this.key = new EncryptionKey(this, 'Key', { alias: names.keyAlias(config, 'recovery'), description: `rxdr ${config.name} recovery-region data key` }).key;
    this.alertsTopic = new AlertsTopic(this, 'Alerts', { key: this.key, emails: config.notifications.emails }).topic;
  }
}
