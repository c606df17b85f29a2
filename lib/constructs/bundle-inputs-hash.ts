import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';

/**
 * Fingerprint of every file esbuild reads to bundle `entry` (its own sources, everything they import, and the
 * node_modules files that end up in the bundle), by path relative to `root` and content. Use it as a
 * NodejsFunction's `assetHash`: the asset then changes exactly when the bundle's inputs do, also when a test
 * skips bundling, and no hand-kept folder list can miss an import.
 */
export function bundleInputsHash(entry: string, root: string = projectRoot(entry)): string {
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
  const hash = createHash('sha256');
  for (const input of Object.keys(result.metafile.inputs).sort()) {
    hash
      .update(input)
      .update('\0')
      .update(readFileSync(path.resolve(root, input)))
      .update('\0');
  }
  return hash.digest('hex');
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
