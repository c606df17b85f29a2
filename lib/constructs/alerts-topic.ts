import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlertsTopicProps {
  /** Customer-managed key the topic is encrypted with (its policy must let the publishing services use it). */
  readonly key: kms.IKey;
  /** On-call addresses subscribed by email. */
  readonly emails: readonly string[];
  /** @default - CloudFormation names the topic */
  readonly displayName?: string;
}

/**
 * The environment's alert topic in one region: CMK-encrypted, TLS-only publishing, on-call e-mail
 * subscriptions. AWS Backup (vault notifications), EventBridge rules and CloudWatch alarms of this account
 * may publish to it; nothing else outside the account can.
 */
export class AlertsTopic extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlertsTopicProps) {
    super(scope, id);
    if (props.emails.length === 0) throw new Error('AlertsTopic needs at least one e-mail address, got none');
    const stack = Stack.of(this);

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: props.displayName,
      masterKey: props.key,
      enforceSSL: true,
    });
    for (const email of props.emails) this.topic.addSubscription(new subscriptions.EmailSubscription(email));

    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AwsServicesOfThisAccountPublish',
        principals: ['backup.amazonaws.com', 'events.amazonaws.com', 'cloudwatch.amazonaws.com'].map(
          (service) => new iam.ServicePrincipal(service),
        ),
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
  }
}
