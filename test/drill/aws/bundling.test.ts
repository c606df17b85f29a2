import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { DrillFunction } from '../../../lib/constructs/drill/drill-function';
import { lambdaEntry } from '../../../lib/constructs/lambda-entry';
import { testApp } from '../../helpers/synth';

/** The one test that really bundles (slow): the Validate function, the drill's largest (validation engine, pg, AWS SDK v3). */
describe('drill Lambda bundling (esbuild, no Docker)', () => {
  const outdir = path.join(tmpdir(), `rxdr-drill-bundle-${process.pid}`);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('the Validate handler bundles into one minified file with the AWS SDK and the shared manifest key inside', () => {
    const app = testApp({ outdir }, { bundle: true });
    const stack = new Stack(app, 'Bundle', { env: { account: '111111111111', region: 'us-west-2' } });
    new DrillFunction(stack, 'Validate', {
      entry: lambdaEntry('validate'),
      handler: 'drill',
      description: 'rxdr drill: bundling test',
      key: new kms.Key(stack, 'Key'),
      reservedConcurrency: 1,
    });
    const assembly = app.synth();
    const assets = readdirSync(assembly.directory).filter(
      (d) => d.startsWith('asset.') && existsSync(path.join(assembly.directory, d, 'index.js')),
    );
    expect(assets).toHaveLength(1);
    const code = readFileSync(path.join(assembly.directory, assets[0]!, 'index.js'), 'utf8');
    expect(code.length).toBeGreaterThan(200_000);
    expect(code).toContain('manifests/'); // engines/common/manifest-key.ts
    expect(code).toContain('ListObjectVersions'); // AWS SDK v3 bundled, not taken from the runtime
    expect(code).toContain('RXDR_EVIDENCE_BUCKET');
    // Handler code never pulls in the CDK (handler code stays free of construct code); booleans keep a failure readable.
    expect(/require\("aws-cdk-lib/.test(code)).toBe(false);
  });

  test('the chunk functions bundle without the CDK, with the chunk results prefix inside', () => {
    const app = testApp({ outdir: `${outdir}-chunks` }, { bundle: true });
    const stack = new Stack(app, 'Chunks', { env: { account: '111111111111', region: 'us-west-2' } });
    new DrillFunction(stack, 'ValidateChunk', {
      entry: lambdaEntry('validate-chunks'),
      handler: 'chunk',
      description: 'rxdr drill: bundling test',
      key: new kms.Key(stack, 'Key'),
      reservedConcurrency: 1,
    });
    const assembly = app.synth();
    const [asset] = readdirSync(assembly.directory).filter(
      (d) => d.startsWith('asset.') && existsSync(path.join(assembly.directory, d, 'index.js')),
    );
    const code = readFileSync(path.join(assembly.directory, asset!, 'index.js'), 'utf8');
    expect(code).toContain('validation-chunks/'); // engines/common/chunk-key.ts
    expect(/require\("aws-cdk-lib/.test(code)).toBe(false);
    rmSync(`${outdir}-chunks`, { recursive: true, force: true });
  });
});
