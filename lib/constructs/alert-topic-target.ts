import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';

/**
 * EventBridge → an `AlertsTopic`, with no grants of its own. `targets.SnsTopic` would add a topic-policy statement
 * and a key-policy statement for `events.amazonaws.com` from any account (the latter with the wildcard action
 * `kms:GenerateDataKey*`); `AlertsTopic` and `EncryptionKey` already let EventBridge publish and use the key, for
 * this account's rules only.
 */
export class AlertTopicTarget implements events.IRuleTarget {
  constructor(
    private readonly topic: sns.ITopic,
    private readonly message?: events.RuleTargetInput,
  ) {}

  bind(): events.RuleTargetConfig {
    return { arn: this.topic.topicArn, ...(this.message ? { input: this.message } : {}) };
  }
}
