#!/usr/bin/env node
/*
 * Fails when a tracked file names a file of this repository that does not exist: a path under one of the
 * repository's top-level folders (`docs/runbooks/failover.md`, `lib/naming.ts`), a relative Markdown link, or a
 * file that lives only outside the repository. Paths with placeholders (`${kind}`, `<name>`, `*`) are
 * patterns, not references, and are skipped; a module path may leave out `.ts`.
 */
const { execFileSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
const TEXT = /\.(md|ts|js|mjs|json|sh|ya?ml)$|^\.ci\/run$|^bin\/rxdr$/;
const TOP = ['bench', 'bin', 'config', 'docs', 'engines', 'lambda', 'lib', 'scripts', 'test', '.ci'];
const repoPath = new RegExp(
  `(?<![\\w./-])((?:${TOP.map((t) => t.replace('.', '\\.')).join('|')})/[\\w./*$<>{}-]*[\\w*}>])`,
  'g',
);
const markdownLink = /\]\((?!https?:|mailto:|#)([^)\s#]+)/g;
const outside = /(?:\.\.\/)+shared\/|\b(?:DOMAIN|STYLE|TOOLCHAIN)\.md\b/g;

const problems = [];
for (const file of tracked.filter((f) => TEXT.test(f) && f !== 'package-lock.json')) {
  const text = readFileSync(path.join(root, file), 'utf8');
  text.split('\n').forEach((line, index) => {
    const where = `${file}:${index + 1}`;
    for (const match of line.matchAll(outside)) problems.push(`${where}: refers outside the repository: ${match[0]}`);
    const candidates = [...line.matchAll(repoPath)].map((m) => ({ ref: m[1], from: root }));
    if (file.endsWith('.md'))
      for (const m of line.matchAll(markdownLink))
        candidates.push({ ref: m[1], from: path.dirname(path.join(root, file)) });
    for (const { ref, from } of candidates) {
      if (/[$<>*{}]/.test(ref) || ref.includes('node_modules')) continue;
      const target = path.resolve(from, ref.replace(/[.:]+$/, ''));
      if (!target.startsWith(root)) problems.push(`${where}: refers outside the repository: ${ref}`);
      else if (!['', '.ts', '.js', '/index.ts'].some((ext) => existsSync(target + ext)))
        problems.push(`${where}: no such file in the repository: ${ref}`);
    }
  });
}
if (problems.length > 0) {
  console.error(`${problems.length} reference(s) to files that do not exist here:\n${problems.join('\n')}`);
  process.exit(1);
}
console.log('every referenced file exists in the repository');
