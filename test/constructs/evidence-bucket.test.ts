import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { EvidenceBucket } from '../../lib/constructs/evidence-bucket';

test('evidence retention below six years is rejected with the value', () => {
  const stack = new Stack();
  expect(
    () =>
      new EvidenceBucket(stack, 'E', {
        bucketName: 'b',
        key: new kms.Key(stack, 'K'),
        lockMode: 'governance',
        retentionDays: 365,
      }),
  ).toThrow(/at least 2190 days .*got 365/);
});
