import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from './synth';
import { tempDir } from './temp-dir';

export interface CdkSynthResult {
  /** Exit code of the CDK CLI. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The cloud assembly directory (`-o`). */
  readonly outdir: string;
}

/** Offline and without credentials, the way CI and a new user's machine run it. */
export const OFFLINE_ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_PROFILE: '',
  AWS_CONFIG_FILE: '/nonexistent',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  AWS_EC2_METADATA_DISABLED: 'true',
  CDK_DISABLE_VERSION_CHECK: 'true',
  // The CLI synth keeps aws-cdk-lib's CloudFormation validation on (test/setup/environment.ts turns it off in-process).
  CDK_VALIDATION: 'true',
};

/**
 * Run the project's CDK CLI (`node_modules/.bin/cdk synth`) in the project root, so that cdk.json (its app command
 * and context) applies exactly as for `npx cdk synth` / `npx cdk deploy`. Resolves with the exit code; never rejects
 * for a non-zero exit.
 */
export function cdkSynth(...args: string[]): Promise<CdkSynthResult> {
  const outdir = tempDir('rxdr-cdk-synth');
  const cdk = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk');
  return new Promise((resolve) => {
    execFile(
      cdk,
      ['synth', '--quiet', '--no-notices', '-o', outdir, ...args],
      { cwd: PROJECT_ROOT, env: OFFLINE_ENV, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr), outdir });
      },
    );
  });
}

/** The templates of an assembly, as `assembly-<Stage>/<file>.template.json`, sorted. */
export function templatesOf(outdir: string): string[] {
  return readdirSync(outdir)
    .filter((entry) => entry.startsWith('assembly-'))
    .flatMap((entry) =>
      readdirSync(path.join(outdir, entry))
        .filter((f) => f.endsWith('.template.json'))
        .map((f) => `${entry}/${f}`),
    )
    .sort();
}
