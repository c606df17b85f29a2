import { Stack, StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config/environment-config';
import { AlertsTopic } from '../constructs/alerts-topic';
import { EncryptionKey } from '../constructs/encryption-key';
import { names } from '../naming';

export interface PrimaryStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/** The primary region: the protected databases, their backup plans and the primary vault. */
export class PrimaryStack extends Stack {
  readonly config: EnvironmentConfig;
  /** The primary region's customer-managed key (databases, vault, secrets, topics, logs). */
  readonly key: kms.Key;
  /** Alerts in the primary region (encrypted with `key`, e-mails from the config). */
  readonly alertsTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: PrimaryStackProps) {
    super(scope, id, props);
    this.config = props.config;
    const { config } = props;

    this.key = new EncryptionKey(this, 'Key', { alias: names.keyAlias(config, 'primary'), description: `rxdr ${config.name} primary-region data key` }).key;
    this.alertsTopic = new AlertsTopic(this, 'Alerts', { key: this.key, emails: config.notifications.emails }).topic;
  }
}
