import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { PROJECT_ROOT } from '../project-root';

/**
 * Launch the Chromium that `npm ci` installs (`@sparticuz/chromium` ships the binary inside the package and
 * unpacks it under the temp dir on first use), driven by `playwright-core`: nothing to download, no system
 * browser. Both are development dependencies of rxdr: `rxdr report --pdf` and the browser tests use them.
 * The package is ESM-only: its executable path and flags are read in a child Node process.
 */
export async function launchChromium(): Promise<Browser> {
  const script =
    "import c from '@sparticuz/chromium'; process.stdout.write(JSON.stringify({ path: await c.executablePath(), args: c.args }));";
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: PROJECT_ROOT,
  });
  const packaged = JSON.parse(stdout) as { path: string; args: string[] };
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: packaged.path,
    headless: true,
    // --no-sandbox: the tests (and CI) may run as root, where Chromium's sandbox refuses to start.
    args: [
      ...packaged.args,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
