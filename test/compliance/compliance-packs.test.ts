import { Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { buildApp } from '../../lib/app';
import { shippedConfig } from '../helpers/config';
import { complianceFindings } from '../helpers/compliance';
import { testApp, testAppProps } from '../helpers/synth';

describe('compliance packs on every environment', () => {
  const { app } = buildApp(shippedConfig().environments, { compliance: false, ...testAppProps() });

  test.each(shippedConfig().environments.map((env) => env.name))(
    '%s has zero unacknowledged findings (HIPAA, NIST 800-53 R5, AwsSolutions, Rxdr)',
    (name) => {
      const stage = app.node.findChild(name.charAt(0).toUpperCase() + name.slice(1));
      expect(complianceFindings(stage)).toEqual([]);
    },
  );

  test('the packs do report findings (a non-compliant resource is caught)', () => {
    const stack = new Stack(testApp(), 'NonCompliant', { env: { account: '111111111111', region: 'us-east-1' } });
    new sqs.Queue(stack, 'PlainQueue');
    const rules = complianceFindings(stack).map((f) => f.rule);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });
});
