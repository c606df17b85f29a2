import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { runCli } from '../../lib/cli/program';
import { rxdr } from '../helpers/cli';

/** Run the CLI in-process; `onStderr` sees each progress line as it is written (to inject a fault mid-run). */
async function rxdrWatching(args: string[], onStderr: (line: string) => void) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    out: (text) => (stdout += text + '\n'),
    err: (text) => {
      stderr += text + '\n';
      onStderr(text);
    },
  });
  return { code, stdout, stderr };
}

async function accepts(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('rxdr drill/failover --local: evidence that cannot be written, and what --keep prints', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rxdr-cli-evidence-faults-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test.each([['drill'], ['failover']])(
    'GIVEN an --evidence-dir that cannot be created WHEN `rxdr %s --local` starts THEN it exits 2 before starting any server',
    async (command) => {
      const blocker = path.join(dir, 'a-file');
      await writeFile(blocker, '');
      const result = await rxdr(
        command,
        '--local',
        '--prescriptions',
        '100',
        '--evidence-dir',
        path.join(blocker, 'evidence'),
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--evidence-dir .*a-file\/evidence is not writable \(ENOTDIR\)/);
      expect(result.stderr).not.toMatch(/^ {2}primary/m);
      expect(result.stdout).not.toMatch(/PASSED/);
    },
  );

  test.each([['drill'], ['failover']])(
    'GIVEN the evidence directory becomes unwritable during `rxdr %s --local` THEN the run is FAILED with exit 1 and says the evidence was not written',
    async (command) => {
      const evidenceDir = path.join(dir, 'evidence');
      let sabotaged = false;
      const result = await rxdrWatching(
        [command, '--local', '--prescriptions', '200', '--evidence-dir', evidenceDir],
        (line) => {
          if (!sabotaged && /^ {2}disaster /.test(line)) {
            sabotaged = true;
            rmSync(evidenceDir, { recursive: true, force: true });
            writeFileSync(evidenceDir, 'not a directory');
          }
        },
      );
      expect(sabotaged).toBe(true);
      expect(result.stdout).toMatch(/^FAILED /m);
      expect(result.stdout).toMatch(/evidence: NOT WRITTEN — evidence could not be written: .*(EEXIST|ENOTDIR)/);
      expect(result.code).toBe(1);
    },
  );

  test.each([['drill'], ['failover']])(
    'GIVEN `rxdr %s --local --keep` THEN the printed stop command runs from this shell and stops the kept server',
    async (command) => {
      const result = await rxdr(
        command,
        '--local',
        '--keep',
        '--prescriptions',
        '200',
        '--evidence-dir',
        path.join(dir, 'evidence'),
      );
      const workspace = /kept (\/\S*rxdr-local-\w+)/.exec(result.stderr)?.[1];
      try {
        expect(result.code).toBe(0);
        const kept = /^kept: (\S+) \(data (\S+)\); stop it with: (.+)$/m.exec(result.stderr);
        expect(kept).not.toBeNull();
        const [, url, , stop] = kept!;
        expect(await accepts(url!)).toBe(true);
        await promisify(execFile)('sh', ['-c', stop!]);
        expect(await accepts(url!)).toBe(false);
      } finally {
        if (workspace && existsSync(workspace)) await rm(workspace, { recursive: true, force: true });
      }
    },
  );
});
