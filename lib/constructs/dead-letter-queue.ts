import { Duration, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * A dead-letter queue for what an asynchronous invocation or a schedule could not deliver after every retry:
 * encrypted with the CMK, TLS only, kept 14 days (SQS's longest). `whose` says what it catches; it is the reason
 * the queue has no dead-letter queue of its own (AwsSolutions-SQS3): one would hold nothing.
 */
export function deadLetterQueue(scope: Construct, id: string, key: kms.IKey, whose: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryptionMasterKey: key,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: `this queue is itself ${whose}` });
  return queue;
}
