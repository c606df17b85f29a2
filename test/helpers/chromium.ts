import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Browser, chromium } from 'playwright-core';

/**
 * Launch the Chromium that `npm ci` installs (`@sparticuz/chromium` ships the binary inside the package and
 * unpacks it under the temp dir on first use), so the browser tests need nothing but Node.js.
 * The package is ESM-only: its executable path and flags are read in a child Node process.
 */
export async function launchChromium(): Promise<Browser> {
  const script =
    "import c from '@sparticuz/chromium'; process.stdout.write(JSON.stringify({ path: await c.executablePath(), args: c.args }));";
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: __dirname,
  });
  const packaged = JSON.parse(stdout) as { path: string; args: string[] };
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
