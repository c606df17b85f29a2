import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CdkSynthResult, OFFLINE_ENV } from '../helpers/cdk-cli';
import { PROJECT_ROOT, TEST_DAY } from '../helpers/synth';
import { tempDir } from '../helpers/temp-dir';
import { COMPLIANCE_DAY_CONTEXT } from '../../lib/compliance/compliance-day';
import { validationFailures } from '../../lib/compliance/validation-report';

/**
 * A team's own CDK app, outside this repository, using rxdr as a library: the package is built and packed the
 * way it is published (`npm pack`, which runs the `prepare` build and the `prepack` declarations), the tarball is unpacked into the app's
 * node_modules as `npm install` would, and the app shown in docs/library.md is compiled against the package's
 * declarations and synthesized with the CDK CLI. The app's other dependencies are this repository's installed
 * packages, linked (no network install).
 */

const bin = (name: string) => path.join(PROJECT_ROOT, 'node_modules', '.bin', name);

/** The `app.ts` code block of docs/library.md, so that the documented app is the one proven here. */
function documentedApp(): string {
  const doc = readFileSync(path.join(PROJECT_ROOT, 'docs', 'library.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(doc);
  if (!block?.[1]) throw new Error('docs/library.md has no ```ts block');
  return block[1];
}

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', env: OFFLINE_ENV, maxBuffer: 64 * 1024 * 1024 });
}

function availabilityZones(): Record<string, string[]> {
  const context = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.context.json'), 'utf8')) as Record<
    string,
    string[]
  >;
  return Object.fromEntries(Object.entries(context).filter(([key]) => key.includes('account=111111111111:')));
}

/** Build, pack and install the package into a fresh app directory; returns that directory. */
function installPackage(): { appDir: string; packageDir: string } {
  const work = tempDir('rxdr-library');
  // npm pack runs `prepare` (the JavaScript into dist/) and `prepack` (the declarations), as publishing does.
  const output = run('npm', ['pack', '--json', '--pack-destination', work], PROJECT_ROOT);
  const packed = JSON.parse(output.slice(output.indexOf('[\n'))) as { filename: string }[];
  const appDir = path.join(work, 'orders-dr');
  const packageDir = path.join(appDir, 'node_modules', 'rxdr');
  mkdirSync(packageDir, { recursive: true });
  run('tar', ['-xzf', path.join(work, packed[0]!.filename), '-C', packageDir, '--strip-components=1'], work);
  // Every other package from this repository's install: aws-cdk-lib and constructs (the peers), and rxdr's own
  // dependencies, which npm would hoist beside it.
  const installed = path.join(PROJECT_ROOT, 'node_modules');
  for (const entry of readdirSync(installed)) {
    if (entry.startsWith('.') && entry !== '.bin') continue;
    symlinkSync(path.join(installed, entry), path.join(appDir, 'node_modules', entry));
  }
  const files: Record<string, unknown> = {
    'package.json': {
      name: 'orders-dr',
      private: true,
      dependencies: { rxdr: `file:${packed[0]!.filename}`, 'aws-cdk-lib': '^2', constructs: '^10' },
    },
    'package-lock.json': { name: 'orders-dr', lockfileVersion: 3, requires: true, packages: {} },
    'tsconfig.json': {
      compilerOptions: {
        target: 'ES2022',
        lib: ['es2022'],
        module: 'node16',
        moduleResolution: 'node16',
        strict: true,
        skipLibCheck: true,
        types: [],
        esModuleInterop: true,
      },
      files: ['app.ts'],
    },
    'cdk.json': { app: 'node app.js', context: { [COMPLIANCE_DAY_CONTEXT]: TEST_DAY } },
    // What `cdk synth` records on the team's machine (with credentials) and they commit: the drill network's VPC
    // checks its availability zones against the account's.
    'cdk.context.json': availabilityZones(),
  };
  for (const [name, content] of Object.entries(files))
    writeFileSync(path.join(appDir, name), JSON.stringify(content, null, 2));
  writeFileSync(path.join(appDir, 'app.ts'), documentedApp());
  return { appDir, packageDir };
}

describe('a CDK app outside this repository that imports rxdr', () => {
  jest.setTimeout(900_000);
  let appDir: string;
  let packageDir: string;
  let synth: CdkSynthResult;

  /** A synthesized template's resources (properties left untyped: the assertions name what they read). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  function resourcesOf(stack: string): { Type: string; Properties: Record<string, any> }[] {
    const template = JSON.parse(readFileSync(path.join(synth.outdir, `${stack}.template.json`), 'utf8'));
    return Object.values(template.Resources);
  }

  beforeAll(() => {
    ({ appDir, packageDir } = installPackage());
    const compile = spawnSync(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: appDir, encoding: 'utf8' });
    if (compile.status !== 0) throw new Error(`app.ts does not compile against rxdr:\n${compile.stdout}`);
    const outdir = path.join(appDir, 'cdk.out');
    const result = spawnSync(
      bin('cdk'),
      ['synth', '--quiet', '--no-notices', '-o', outdir, 'OrdersRecovery', 'OrdersPrimary'],
      { cwd: appDir, env: OFFLINE_ENV, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    synth = { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr, outdir };
  });

  test('the packed package declares its entry module, its declarations and its peer dependencies', () => {
    const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
      main: string;
      types: string;
      peerDependencies: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(existsSync(path.join(packageDir, manifest.main))).toBe(true);
    expect(readFileSync(path.join(packageDir, manifest.types), 'utf8')).toContain('RestoreDrill');
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs']);
    expect(manifest.dependencies).not.toHaveProperty('aws-cdk-lib');
    expect(manifest.dependencies).not.toHaveProperty('constructs');
  });

  test('cdk synth of both stacks succeeds with the compliance packs clean', () => {
    const output = synth.code === 0 ? '' : `${synth.stdout}${synth.stderr}`;
    expect({ code: synth.code, output, failures: validationFailures(synth.outdir) }).toEqual({
      code: 0,
      output: '',
      failures: [],
    });
  });

  test('the same packs, from the installed package, fail synth on a finding (an S3 bucket that allows plain HTTP)', () => {
    writeFileSync(
      path.join(appDir, 'probe.js'),
      [
        "const { App, Stack } = require('aws-cdk-lib');",
        "const s3 = require('aws-cdk-lib/aws-s3');",
        "const { addCompliancePacks } = require('rxdr');",
        'const app = new App();',
        "new s3.Bucket(new Stack(app, 'Probe'), 'Open');",
        'addCompliancePacks(app);',
      ].join('\n'),
    );
    const outdir = path.join(appDir, 'probe.out');
    const probe = spawnSync(
      bin('cdk'),
      ['synth', '--quiet', '--no-notices', '--app', 'node probe.js', '-o', outdir, 'Probe'],
      {
        cwd: appDir,
        env: OFFLINE_ENV,
        encoding: 'utf8',
      },
    );
    expect(probe.status).not.toBe(0);
    expect(validationFailures(outdir).join('\n')).toMatch(/AwsSolutions-S10/);
  });

  test('the plan copies to the recovery vault and selects the one database by its ARN', () => {
    const resources = resourcesOf('OrdersPrimary');
    const selection = resources.find((r) => r.Type === 'AWS::Backup::BackupSelection')!.Properties.BackupSelection;
    expect(selection.SelectionName).toBe('rxdr-orders-critical');
    expect(JSON.stringify(selection.Resources)).toContain(':db:pharmacy-orders');
    const plan = resources.find((r) => r.Type === 'AWS::Backup::BackupPlan')!.Properties.BackupPlan;
    for (const rule of plan.BackupPlanRule)
      expect(JSON.stringify(rule.CopyActions)).toContain('backup-vault:orders-recovery');
  });

  test('backup monitoring and the audit framework, each from its own props', () => {
    const resources = resourcesOf('OrdersPrimary');
    const alarms = resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm').map((r) => r.Properties);
    expect(alarms.map((a) => a.MetricName).sort()).toEqual(['RecoveryPointAge', 'SecondsSinceLatestRestorableTime']);
    expect(alarms.every((a) => a.Dimensions.some((d: { Value: string }) => d.Value === 'orders'))).toBe(true);
    const framework = resources.find((r) => r.Type === 'AWS::Backup::Framework')!.Properties;
    expect(framework.FrameworkName).toBe('orders_controls');
    expect(JSON.stringify(framework.FrameworkControls)).toContain('"ParameterValue":"240"');
  });

  test('the drill state machine and its Lambdas, bundled from the installed package', () => {
    const resources = resourcesOf('OrdersRecovery');
    const stateMachine = resources.find((r) => r.Type === 'AWS::StepFunctions::StateMachine')!;
    expect(stateMachine.Properties.StateMachineName).toBe('rxdr-orders-drill');
    const functions = resources.filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(11);
    for (const fn of functions) {
      const asset = path.join(synth.outdir, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
      expect(readFileSync(path.join(asset, 'index.js'), 'utf8').length).toBeGreaterThan(1000);
    }
  });
});
