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
