import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** The moto version this suite is written against (CI installs it; see docs/testing.md). */
export const MOTO_VERSION = '5.2.1';
export const INSTALL_HINT = `pip install 'moto[server]==${MOTO_VERSION}'`;
/** The example account every resource of the suite lives in. */
export const ACCOUNT = '111111111111';

let server: ChildProcess | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

async function answers(url: string, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/moto-api/reset`, { method: 'POST' })).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/**
 * Start `moto_server` on 127.0.0.1 and point every AWS SDK v3 client of the run at it (`AWS_ENDPOINT_URL`, fake
 * credentials). Fails, never skips, when moto is missing: the suite exists to run against it.
 */
export async function startMoto(): Promise<string> {
  const found = spawnSync('moto_server', ['--help'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) {
    throw new Error(
      `moto_server is not installed or does not run (${found.error?.message ?? found.stderr.trim()}). ` +
        `The AWS API suite needs it: ${INSTALL_HINT} (Python 3).`,
    );
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  server = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, MOTO_ACCOUNT_ID: ACCOUNT },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => output.push(chunk.toString()) && output.length > 200 && output.shift();
  server.stdout?.on('data', keep);
  server.stderr?.on('data', keep);
  if (!(await answers(url, Date.now() + 20_000))) {
    await stopMoto();
    throw new Error(`moto_server did not answer on ${url} within 20 s:\n${output.join('').slice(-2000)}`);
  }
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    AWS_REGION: 'us-west-2',
    AWS_EC2_METADATA_DISABLED: 'true',
    RXDR_MOTO_URL: url,
  });
  delete process.env.AWS_PROFILE;
  return url;
}

export async function stopMoto(): Promise<void> {
  const child = server;
  server = undefined;
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}
