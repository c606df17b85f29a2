import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { RecoveryPointFreshness } from '../../lib/constructs/monitoring/freshness-function';
import { testApp } from '../helpers/synth';

/** The one test that really bundles the freshness function with esbuild (every other construct test skips bundling). */
test('the freshness function is bundled by esbuild into a self-contained handler', () => {
  // GIVEN an app without the bundling-skip context
  const app = testApp({ context: { 'aws:cdk:enable-asset-metadata': true } }, { bundle: true });
  const stack = new Stack(app, 'Bundle', { env: { account: '111111111111', region: 'us-east-1' } });

  // WHEN
  const freshness = new RecoveryPointFreshness(stack, 'Freshness', {
    check: {
      environment: 'test',
      namespace: 'Rxdr/Backup',
      metricName: 'RecoveryPointAge',
      vaults: [{ name: 'rxdr-test-primary', region: 'us-east-1' }],
      databases: [{ name: 'dispensing', resourceArn: 'arn:aws:rds:us-east-1:111111111111:db:rxdr-test-dispensing' }],
    },
    vaultArns: ['arn:aws:backup:us-east-1:111111111111:backup-vault:rxdr-test-primary'],
    key: new kms.Key(stack, 'Key'),
    logRetention: logs.RetentionDays.ONE_YEAR,
  });

  // THEN the function's code is an asset directory holding one bundled index.js with the logic, zod and the SDK inside
  const assembly = app.synth();
  const fn = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(freshness.fn.node.defaultChild as never)];
  expect(fn.Properties.Handler).toBe('index.handler');
  const assetDir = path.join(assembly.directory, fn.Metadata['aws:asset:path']);
  expect(readdirSync(assetDir).sort()).toEqual(['index.js', 'index.js.map']);
  const code = readFileSync(path.join(assetDir, 'index.js'), 'utf8');
  expect(code).toContain(':recovery-point:continuous:');
  expect(code).toContain('ListRecoveryPointsByBackupVault');
  expect(code).toContain('PutMetricData');
  expect(code).not.toMatch(/require\(["']\.\//); // nothing left to resolve next to the bundle
  expect(code).not.toMatch(/require\(["'](zod|@aws-sdk\/client-backup|@aws-lambda-powertools\/logger)["']\)/);
  expect(existsSync(path.join(assetDir, 'node_modules'))).toBe(false);
});
