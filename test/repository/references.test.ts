import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The repository stands alone: a clone has no files beside it and no issue tracker, so nothing in it may point
 * at a file it does not contain, at documents outside it, or at issue numbers instead of the thing itself.
 */
const root = path.join(__dirname, '..', '..');

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => file && existsSync(path.join(root, file)))
  .filter((file) => /\.(ts|js|mjs|cjs|json|md|sh|ya?ml)$|^\.ci\/|^bin\//.test(file))
  .filter((file) => !/(^|\/)package-lock\.json$|^cdk\.context\.json$/.test(file));

interface Finding {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

function scan(pattern: RegExp, keep: (match: RegExpMatchArray, file: string) => boolean = () => true): Finding[] {
  const findings: Finding[] = [];
  for (const file of files) {
    const lines = readFileSync(path.join(root, file), 'utf8').split('\n');
    lines.forEach((line, index) => {
      for (const match of line.matchAll(pattern)) {
        if (keep(match, file)) findings.push({ file, line: index + 1, text: match[0] });
      }
    });
  }
  return findings;
}

const show = (findings: Finding[]) => findings.map((f) => `${f.file}:${f.line}: ${f.text}`);

/** Paths the repository's own folders start with; a mention of one of these must exist. */
const REPOSITORY_PATH = /(?<![\w@./-])(?:docs|lib|lambda|test|bench|bin|config|scripts|\.ci)\/[\w./*-]*[\w*]/g;

function repositoryPathExists(mention: string, file: string): boolean {
  const candidate = mention.replace(/[.:]+$/, '');
  if (candidate.includes('*') || candidate.includes('<')) return globRootExists(candidate);
  const fromRoot = path.join(root, candidate);
  const fromFile = path.join(root, path.dirname(file), candidate);
  return existsSync(fromRoot) || existsSync(fromFile) || existsSync(`${fromRoot}.ts`);
}

/** For a mention such as `engines/drill/aws/*.ts`, the part before the first wildcard must exist. */
function globRootExists(mention: string): boolean {
  const fixed = mention.slice(0, mention.search(/[*<]/));
  return existsSync(path.join(root, fixed.slice(0, fixed.lastIndexOf('/') + 1)));
}

describe('the repository stands alone', () => {
  test('nothing refers to documents outside the repository', () => {
    const outside = scan(/(?:\.\.\/)+shared\b|\b(?:DOMAIN|STYLE|TOOLCHAIN)\.md\b/g, (match, file) => {
      if (file === 'test/repository/references.test.ts') return false;
      if (!match[0].startsWith('..')) return true;
      return path.relative(root, path.join(root, path.dirname(file), match[0])).startsWith('..');
    });
    expect(show(outside)).toEqual([]);
  });

  test('nothing cites an issue number instead of saying what it means', () => {
    expect(show(scan(/\bissues? #?\d+\b/gi, (_, file) => file !== 'test/repository/references.test.ts'))).toEqual([]);
  });

  test('every path to a repository file that code, config or docs mention exists', () => {
    const missing = scan(REPOSITORY_PATH, (match, file) => !repositoryPathExists(match[0], file));
    expect(show(missing)).toEqual([]);
  });

  test('every relative link in the Markdown documents resolves', () => {
    const links = scan(/\]\((?!https?:|mailto:|#)([^)#\s]+)(?:#[^)]*)?\)/g, (match, file) => {
      if (!file.endsWith('.md')) return false;
      return !existsSync(path.join(root, path.dirname(file), match[1]!));
    });
    expect(show(links)).toEqual([]);
  });
});
