#!/usr/bin/env node
// Compiles bin/, lib/, engines/ and lambda/ to CommonJS in dist/ (one .js per .ts, same tree), so `bin/rxdr` runs
// JavaScript and never transpiles at run time. esbuild only strips types (about a second for the whole tree);
// `npm run typecheck` checks them. Runs at `npm ci` (the `prepare` script) and before every test run (jest's
// global setup), so the CLI the tests start is never older than the source.
//
// Only files whose output changed are rewritten, each through a temporary file and a rename: a CLI that
// another test run starts at the same moment never reads a half-written module. Outputs whose source is gone
// are removed.
'use strict';
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'dist');
const SOURCES = ['bin', 'lib', 'engines', 'lambda'];

function files(dir, keep) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return files(full, keep);
    return keep(full) ? [full] : [];
  });
}

function build() {
  const started = Date.now();
  const entryPoints = SOURCES.flatMap((dir) =>
    files(path.join(ROOT, dir), (f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
  );
  const result = esbuild.buildSync({
    entryPoints,
    outdir: OUT,
    outbase: ROOT,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    // `await import(x)` becomes a lazy require, as tsc emits it for CommonJS: the module loads when the line runs.
    supported: { 'dynamic-import': false },
    write: false,
    logLevel: 'error',
  });
  const wanted = new Set();
  let written = 0;
  for (const file of result.outputFiles) {
    wanted.add(file.path);
    if (existsSync(file.path) && readFileSync(file.path).equals(Buffer.from(file.contents))) continue;
    mkdirSync(path.dirname(file.path), { recursive: true });
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
    written += 1;
  }
  let removed = 0;
  for (const stale of files(OUT, (f) => f.endsWith('.js') && !wanted.has(f))) {
    rmSync(stale);
    removed += 1;
  }
  return { files: result.outputFiles.length, written, removed, ms: Date.now() - started };
}

if (require.main === module) {
  const { files: count, written, removed, ms } = build();
  process.stdout.write(`built ${count} modules into dist/ (${written} rewritten, ${removed} removed) in ${ms} ms\n`);
}

module.exports = { build };
