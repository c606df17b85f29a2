import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildApp, stageId } from '../../lib/app';
import { validationFailures } from '../../lib/compliance/validation-report';
import { CdkSynthResult, cdkSynth, templatesOf } from '../helpers/cdk-cli';
import { environment, shippedConfig } from '../helpers/config';
import { EnvironmentConfig } from '../../lib/config/environment-config';
import { synthStage, TEST_DAY, testAppProps } from '../helpers/synth';
import { COMPLIANCE_DAY_CONTEXT } from '../../lib/compliance/compliance-day';
import { tempDir } from '../helpers/temp-dir';

/** Each CLI synth once per file, started on first use (they run as child processes, beside the in-process tests). */
const cliSynths = new Map<string, Promise<CdkSynthResult>>();
function cliSynth(...args: string[]): Promise<CdkSynthResult> {
  const key = JSON.stringify(args);
  if (!cliSynths.has(key)) cliSynths.set(key, cdkSynth(...args));
  return cliSynths.get(key)!;
}

const environments = shippedConfig().environments.map((env) => ({ name: env.name, stage: stageId(env) }));
/**
 * The README's deploy command, `cdk deploy 'Prod/*' -c env=prod`, starts with this synth. Each full CLI synth of a
 * stage costs about 25 s of CPU (bundling and CloudFormation validation), so the suite synthesizes production,
 * the environment with every feature on; CI's `npm run synth` (scripts/synth-stages.sh) runs the same command
 * for every configured environment and fails on any finding.
 */
const deployed = environments.filter((env) => env.name === 'prod');
const synthOf = (env: { name: string; stage: string }) =>
  cliSynth(`${env.stage}/*`, '-c', `env=${env.name}`, '-c', `${COMPLIANCE_DAY_CONTEXT}=${TEST_DAY}`);
const fixtureSynth = (...args: string[]) =>
  cliSynth('--app', 'node -r ts-node/register test/fixtures/acknowledgement-app.ts', ...args);
const runs = {
  handwrittenSelected: () => fixtureSynth('Fixture/*', '-c', 'ack=handwritten'),
  handwrittenUnselected: () => fixtureSynth('-c', 'ack=handwritten'),
  helperSelected: () => fixtureSynth('Fixture/*', '-c', 'ack=helper'),
};

// Start every CLI synth before the in-process tests, which then run meanwhile.
beforeAll(() => {
  for (const env of deployed) void synthOf(env);
  for (const run of Object.values(runs)) void run();
});

describe('app structure', () => {
  test('one stage per environment, each with a primary, a recovery and a standby stack in the right account and region', () => {
    const { app } = buildApp(shippedConfig().environments, { compliance: false, ...testAppProps() });
    const assembly = app.synth();
    const stacks = assembly.nestedAssemblies.flatMap((nested) => nested.nestedAssembly.stacks);
    expect(stacks.map((s) => s.stackName).sort()).toEqual([
      'Rxdr-Dev-Primary',
      'Rxdr-Dev-Recovery',
      'Rxdr-Dev-Standby',
      'Rxdr-Prod-Primary',
      'Rxdr-Prod-Recovery',
      'Rxdr-Prod-Standby',
      'Rxdr-Staging-Primary',
      'Rxdr-Staging-Recovery',
      'Rxdr-Staging-Standby',
    ]);
    const prodPrimary = stacks.find((s) => s.stackName === 'Rxdr-Prod-Primary')!;
    expect(prodPrimary.environment).toMatchObject({ account: '333333333333', region: 'us-east-1' });
    const prodRecovery = stacks.find((s) => s.stackName === 'Rxdr-Prod-Recovery')!;
    expect(prodRecovery.environment).toMatchObject({ account: '333333333333', region: 'us-west-2' });
    // The recovery stack deploys first: the primary copies to its vault by ARN.
    expect(prodPrimary.dependencies.map((d) => d.id)).toContain(prodRecovery.id);
    // The standby (read replicas, in the recovery region) deploys last: a replica needs its source.
    const prodStandby = stacks.find((s) => s.stackName === 'Rxdr-Prod-Standby')!;
    expect(prodStandby.environment).toMatchObject({ account: '333333333333', region: 'us-west-2' });
    expect(prodStandby.dependencies.map((d) => d.id)).toEqual(
      expect.arrayContaining([prodPrimary.id, prodRecovery.id]),
    );
  });

  test('common tags are applied at the stage to both stacks', () => {
    const { stage } = synthStage(environment({ dataClassification: 'phi' }, 'qa'));
    for (const stack of [stage.primary, stage.recovery]) {
      expect(stack.tags.tagValues()).toMatchObject({
        'rxdr:env': 'qa',
        'rxdr:app': 'rxdr',
        'rxdr:data-classification': 'phi',
      });
    }
  });

  test('production stacks have termination protection', () => {
    // A stack property, set when the stage is built: no synthesis needed to read it.
    const stageOf = (config: EnvironmentConfig) =>
      buildApp([config], { compliance: false, ...testAppProps() }).stages[0]!;
    expect(stageOf(environment({ production: true }, 'prod')).primary.terminationProtection).toBe(true);
    expect(stageOf(environment({}, 'dev')).recovery.terminationProtection).toBe(false);
  });
});

describe('cdk synth from the command line, the way the README deploys (cdk.json, stage selection)', () => {
  jest.setTimeout(600_000);

  test.each(deployed)("cdk synth '$stage/*' -c env=$name exits 0 with every validation plugin passing", async (env) => {
    const result = await synthOf(env);
    expect({ code: result.code, failures: validationFailures(result.outdir) }).toEqual({ code: 0, failures: [] });
    const report = JSON.parse(readFileSync(path.join(result.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; conclusion: string }[];
    };
    expect(report.pluginReports.filter((p) => p.conclusion !== 'success')).toEqual([]);
    const templates = templatesOf(result.outdir);
    expect(templates).toHaveLength(3);
    expect(templates.every((t) => t.startsWith(`assembly-${env.stage}/`))).toBe(true);
  });

  test('an invalid configuration fails synth and lists the problems', async () => {
    const dir = tempDir('rxdr-badconfig');
    const file = path.join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        environments: { prod: { account: '1', primaryRegion: 'us-east-1', recoveryRegion: 'us-east-1' } },
      }),
    );
    const { code, stderr } = await cdkSynth('-c', `config=${file}`);
    expect(code).not.toBe(0);
    expect(stderr).toContain(`Invalid rxdr configuration in ${file}`);
    expect(stderr).toContain('environments.prod.account: must be a 12-digit AWS account id (got "1")');
    expect(stderr).toContain('environments.prod.recoveryRegion: must differ from primaryRegion');
    expect(readFileSync(file, 'utf8')).toContain('prod');
  });
});

describe('a broken cdk-nag acknowledgement fails the CLI synth (test/fixtures/acknowledgement-app.ts, same cdk.json)', () => {
  jest.setTimeout(600_000);
  // The hand-written id says arn:<AWS::Partition>:…; cdk.json's partition-literal flag makes the finding arn:aws:….
  const finding = 'AwsSolutions-IAM5[Resource::arn:aws:ssm:us-east-1:111111111111:parameter/rxdr/fixture/*]';

  test("cdk synth 'Fixture/*' exits non-zero and names the unacknowledged finding", async () => {
    const result = await runs.handwrittenSelected();
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(finding);
  });

  test('cdk synth without a stack selection exits non-zero too (the app checks its validation report)', async () => {
    const result = await runs.handwrittenUnselected();
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(finding);
  });

  test("the same acknowledgement built by acknowledgeWildcardResources from the policy's own ARN passes", async () => {
    const result = await runs.helperSelected();
    expect({ code: result.code, failures: validationFailures(result.outdir) }).toEqual({ code: 0, failures: [] });
  });
});
