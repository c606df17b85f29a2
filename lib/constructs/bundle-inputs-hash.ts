import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';

/** The files the last bundle of an entry read, and their hash, by `root` and `entry`. */
const lastInputs = new Map<string, { readonly inputs: readonly string[]; readonly hash: string }>();

/**
 * Fingerprint of every file esbuild reads to bundle `entry` (its own sources, everything they import, and the
 * node_modules files that end up in the bundle), by path relative to `root` and content. Use it as a
 * NodejsFunction's `assetHash`: the asset then changes exactly when the bundle's inputs do, also when a test
 * skips bundling, and no hand-kept folder list can miss an import.
 *
 * Resolving the imports (an esbuild bundle) costs most of a second and an app builds the same Lambda in every
 * stage: when every file the previous call in this process read still has the same content, their imports are the
 * same and are not resolved again. (A new file that only shadows how an unchanged import resolves is noticed by the
 * next process.)
 */
export function bundleInputsHash(entry: string, root: string = projectRoot(entry)): string {
  const key = `${root}\0${path.resolve(entry)}`;
  const previous = lastInputs.get(key);
  if (previous && unchanged(previous.inputs, root, previous.hash)) return previous.hash;
  const result = buildSync({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    target: 'node22',
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs).sort();
  const hash = hashOf(inputs, root);
  lastInputs.set(key, { inputs, hash });
  return hash;
}

/** Hash of the files' paths (relative to `root`) and contents. */
function hashOf(inputs: readonly string[], root: string): string {
  const hash = createHash('sha256');
  for (const input of inputs) {
    hash
      .update(input)
      .update('\0')
      .update(readFileSync(path.resolve(root, input)))
      .update('\0');
  }
  return hash.digest('hex');
}

/** Whether the files still hash to `hash` (false when one of them is gone). */
function unchanged(inputs: readonly string[], root: string, hash: string): boolean {
  try {
    return hashOf(inputs, root) === hash;
  } catch {
    return false;
  }
}

/** The nearest directory above `entry` holding a package.json (the project root). */
function projectRoot(entry: string): string {
  let dir = path.dirname(path.resolve(entry));
  while (dir !== path.dirname(dir)) {
    try {
      readFileSync(path.join(dir, 'package.json'));
      return dir;
    } catch {
      dir = path.dirname(dir);
    }
  }
  return path.dirname(path.resolve(entry));
}
