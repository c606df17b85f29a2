import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * initdb writes the same cluster every time for the same binaries and arguments (only the system identifier
 * differs, which nothing here reads), and it costs most of a second of CPU; a local drill, a game day, the
 * benchmarks and the test suite each create clusters. The first cluster of a kind is initdb'd and copied into a
 * per-user cache; later ones copy the cache (`cp -a`: modes and owners kept, so the server user's files stay its
 * own), which PostgreSQL's own test suite does for the same reason.
 *
 * The cache is a directory of this user's with mode 0700 (the server user cannot enter it, so a running server
 * cannot change a template); when the directory is anything else (another owner, a link, wider modes) it is not
 * used and every cluster is initdb'd.
 */
export async function initdbOrCopy(options: {
  readonly initdbBinary: string;
  /** initdb's options other than the data directory (`-D`). */
  readonly options: readonly string[];
  readonly dataDir: string;
  /** initdb into `dataDir` (the caller's own run, as the server user). */
  readonly initdb: () => Promise<void>;
  /** The cache's parent; @default os.tmpdir() */
  readonly cacheParent?: string;
}): Promise<'copied' | 'initdb'> {
  const cache = await privateCacheDir(options.cacheParent ?? tmpdir());
  if (!cache) {
    await options.initdb();
    return 'initdb';
  }
  const template = path.join(cache, await templateKey(options.initdbBinary, options.options));
  if (existsSync(path.join(template, 'PG_VERSION'))) {
    await execFileAsync('cp', ['-a', template, options.dataDir]);
    return 'copied';
  }
  await options.initdb();
  // Copy aside, then rename into place: a template is complete or absent, also when two processes race.
  const building = await mkdtemp(path.join(cache, 'building-'));
  try {
    await execFileAsync('cp', ['-a', options.dataDir, path.join(building, 'data')]);
    await rename(path.join(building, 'data'), template).catch(() => undefined);
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  return 'initdb';
}

/** `<parent>/rxdr-initdb-<uid>`, created 0700, or undefined when it exists and is not this user's private directory. */
async function privateCacheDir(parent: string): Promise<string | undefined> {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const dir = path.join(parent, `rxdr-initdb-${uid}`);
  await mkdir(dir, { mode: 0o700 }).catch(() => undefined);
  try {
    const entry = await lstat(dir);
    return entry.isDirectory() && entry.uid === uid && (entry.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** The binary (path, size, modification time) and the options: another PostgreSQL or option is another template. */
async function templateKey(initdbBinary: string, initdbOptions: readonly string[]): Promise<string> {
  const binary = await stat(initdbBinary);
  return createHash('sha256')
    .update(JSON.stringify([initdbBinary, binary.size, binary.mtimeMs, initdbOptions]))
    .digest('hex')
    .slice(0, 24);
}
