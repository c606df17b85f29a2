import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The rxdr checkout or package directory (where package.json, cdk.json, config/ and docs/ are). This file is
 * `<root>/lib/project-root.ts` when run from source (tests, ts-node) and `<root>/dist/lib/project-root.js` when
 * run compiled (`bin/rxdr`), so the root is one or two levels up.
 */
export const PROJECT_ROOT = ((): string => {
  const parent = path.resolve(__dirname, '..');
  return path.basename(parent) === 'dist' ? path.dirname(parent) : parent;
})();

/** rxdr's own version, from its package.json. */
export const TOOL_VERSION = (
  JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
