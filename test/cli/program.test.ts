import { execFileSync, spawnSync } from 'node:child_process';
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

  test('the installed bin script runs the TypeScript CLI', () => {
    const bin = path.join(__dirname, '..', '..', 'bin', 'rxdr');
    expect(execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()).toBe(version);
    const bad = spawnSync(bin, ['--no-such-flag'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
  });
});
