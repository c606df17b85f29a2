import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { rxdr } from '../helpers/cli';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

describe('rxdr CLI entry point', () => {
  test('--version prints the package version and exits 0', async () => {
    const result = await rxdr('--version');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  test('--help lists usage and exits 0', async () => {
    const result = await rxdr('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: rxdr');
  });

  test('an unknown command or option exits 2 and points at --help', async () => {
    const result = await rxdr('--no-such-flag');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option '--no-such-flag'/);
    expect(result.stderr).toContain('--help');
  });

  const bin = path.join(__dirname, '..', '..', 'bin', 'rxdr');
  const preload = path.join(__dirname, '..', 'helpers', 'report-node-version.js');
  /** Run the bin script under this Node.js, reporting `nodeVersion` to it (the real one when it is 22+). */
  function runBin(args: string[], nodeVersion: string) {
    return spawnSync(process.execPath, ['--require', preload, bin, ...args], {
      encoding: 'utf8',
      env: { ...process.env, RXDR_TEST_NODE_VERSION: nodeVersion },
    });
  }
  const supportedVersion = Number(process.versions.node.split('.')[0]) >= 22 ? process.versions.node : '22.12.0';

  test('the installed bin script runs the CLI', () => {
    const ok = runBin(['--version'], supportedVersion);
    expect(ok.stdout.trim()).toBe(version);
    expect(ok.status).toBe(0);
    expect(runBin(['--no-such-flag'], supportedVersion).status).toBe(2);
  });

  /** The module files `bin/rxdr <args>` loads, as the process saw them at exit. */
  function modulesLoadedBy(args: string[]): string[] {
    const file = path.join(tmpdir(), `rxdr-modules-${process.pid}-${args.join('-')}.json`);
    const result = spawnSync(process.execPath, ['--require', loadedModules, bin, ...args], {
      encoding: 'utf8',
      env: { ...process.env, RXDR_TEST_LOADED_MODULES: file, AWS_EC2_METADATA_DISABLED: 'true' },
    });
    expect(result.error).toBeUndefined();
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as string[];
    } finally {
      rmSync(file, { force: true });
    }
  }
  const loadedModules = path.join(__dirname, '..', 'helpers', 'report-loaded-modules.js');
  const compiledCli = path.join(__dirname, '..', '..', 'dist', 'bin', 'rxdr-cli.js');
  const heavy = /[\\/]node_modules[\\/](ts-node|@swc|@aws-sdk|zod|pg|aws-cdk-lib)[\\/]/;

  test.each(['--version', '--help', 'report --help', 'status --help'])(
    '`rxdr %s` runs the compiled JavaScript and loads no transpiler, AWS SDK, schema library or database driver',
    (line) => {
      const loaded = modulesLoadedBy(line.split(' '));
      expect(loaded).toContain(compiledCli);
      expect(loaded.filter((file) => file.endsWith('.ts'))).toEqual([]);
      expect(loaded.filter((file) => heavy.test(file))).toEqual([]);
    },
  );

  test('a command that needs the AWS SDK loads it when it runs', () => {
    const loaded = modulesLoadedBy(['status', '--env', 'dev', '--profile', 'rxdr-test-no-such-profile']);
    expect(loaded.some((file) => /[\\/]@aws-sdk[\\/]client-backup[\\/]/.test(file))).toBe(true);
  });

  test('on Node.js older than 22 the CLI refuses with one line and exit 2, before the AWS SDK can warn', () => {
    const result = runBin(['status', '--env', 'dev'], '20.19.0');
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      'error: rxdr needs Node.js 22 or newer; this is Node.js 20.19.0. Install Node.js 22+ and run it again.',
    ]);
  });
});
