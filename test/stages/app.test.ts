import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildApp } from '../../lib/app';
import { environment, shippedConfig } from '../helpers/config';
import { synthStage } from '../helpers/synth';
import { tempDir } from '../helpers/temp-dir';

describe('app structure', () => {
  test('one stage per environment, each with a primary, a recovery and a standby stack in the right account and region', () => {
    const { app } = buildApp(shippedConfig().environments, { compliance: false, context: { 'aws:cdk:bundling-stacks': [] } });
    const assembly = app.synth();
    const stacks = assembly.nestedAssemblies.flatMap((nested) => nested.nestedAssembly.stacks);
    expect(stacks.map((s) => s.stackName).sort()).toEqual([
      'Rxdr-Dev-Primary', 'Rxdr-Dev-Recovery', 'Rxdr-Dev-Standby', 'Rxdr-Prod-Primary', 'Rxdr-Prod-Recovery', 'Rxdr-Prod-Standby', 'Rxdr-Staging-Primary', 'Rxdr-Staging-Recovery', 'Rxdr-Staging-Standby',
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
    expect(prodStandby.dependencies.map((d) => d.id)).toEqual(expect.arrayContaining([prodPrimary.id, prodRecovery.id]));
  });

  test('common tags are applied at the stage to both stacks', () => {
    const { stage } = synthStage(environment({ dataClassification: 'phi' }, 'qa'));
    for (const stack of [stage.primary, stage.recovery]) {
      expect(stack.tags.tagValues()).toMatchObject({ 'rxdr:env': 'qa', 'rxdr:app': 'rxdr', 'rxdr:data-classification': 'phi' });
    }
  });

  test('production stacks have termination protection', () => {
    expect(synthStage(environment({ production: true }, 'prod')).stage.primary.terminationProtection).toBe(true);
    expect(synthStage(environment({}, 'dev')).stage.recovery.terminationProtection).toBe(false);
  });
});

describe('cdk synth from the command line, offline and without credentials', () => {
  const root = path.join(__dirname, '..', '..');
  const offlineEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_PROFILE: '',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_VERSION_CHECK: 'true',
    CDK_VALIDATION: 'true',
  };
  const synth = (...args: string[]) => {
    const out = tempDir('rxdr-synth');
    execFileSync(path.join(root, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--no-notices', '-o', out, ...args], { cwd: root, env: offlineEnv, stdio: 'pipe' });
    return readdirSync(out)
      .filter((entry) => entry.startsWith('assembly-'))
      .flatMap((entry) => readdirSync(path.join(out, entry)).filter((f) => f.endsWith('.template.json')).map((f) => `${entry}/${f}`))
      .sort();
  };

  test('-c env=prod synthesizes only prod, with the compliance packs passing', () => {
    const templates = synth('-c', 'env=prod');
    expect(templates).toHaveLength(3);
    expect(templates.every((t) => t.startsWith('assembly-Prod/'))).toBe(true);
  });

  test('an invalid configuration fails synth and lists the problems', () => {
    const dir = tempDir('rxdr-badconfig');
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ environments: { prod: { account: '1', primaryRegion: 'us-east-1', recoveryRegion: 'us-east-1' } } }));
    let stderr = '';
    try {
      synth('-c', `config=${file}`);
    } catch (error) {
      stderr = String((error as { stderr: Buffer }).stderr);
    }
    expect(stderr).toContain(`Invalid rxdr configuration in ${file}`);
    expect(stderr).toContain('environments.prod.account: must be a 12-digit AWS account id (got "1")');
    expect(stderr).toContain('environments.prod.recoveryRegion: must differ from primaryRegion');
    expect(readFileSync(file, 'utf8')).toContain('prod');
  });
});
