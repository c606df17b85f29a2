import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import { runCli } from '../../lib/cli/program';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `rxdr <args>` in-process, capturing its output. */
export async function rxdr(...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    out: (text) => (stdout += text.endsWith('\n') ? text : text + '\n'),
    err: (text) => (stderr += text.endsWith('\n') ? text : text + '\n'),
  });
  return { code, stdout, stderr };
}

const BIN = path.join(__dirname, '..', '..', 'bin', 'rxdr');
const REPORT_NODE_VERSION = path.join(__dirname, 'report-node-version.js');

/**
 * Start the installed `bin/rxdr` as a separate process (for tests that signal it or that must see what a
 * crash prints). The CLI requires Node.js 22; under an older Node.js (some developer machines) it is told
 * it runs on 22 so that the rest of it can still be tested there.
 */
export function spawnRxdr(args: string[], options: { nodeVersion?: string } = {}): ChildProcessWithoutNullStreams {
  const supported = Number(process.versions.node.split('.')[0]) >= 22 ? undefined : '22.12.0';
  const nodeVersion = options.nodeVersion ?? supported;
  const env = nodeVersion ? { ...process.env, RXDR_TEST_NODE_VERSION: nodeVersion } : process.env;
  return spawn(process.execPath, ['--require', REPORT_NODE_VERSION, BIN, ...args], { env });
}
