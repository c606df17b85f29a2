import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileEvidenceStore } from '../../engines/evidence';
import { rxdr } from '../helpers/cli';
import { sampleEvidence } from './fixtures';

describe('rxdr report with evidence that is missing or unreadable', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rxdr-report-errors-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('GIVEN a mistyped --evidence directory WHEN the report runs THEN it exits 2 naming the directory and writes no report', async () => {
    const out = path.join(dir, 'report.html');
    const result = await rxdr('report', '--evidence', path.join(dir, 'evidnce'), '--out', out);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--evidence .*evidnce: no such directory/);
    expect(existsSync(out)).toBe(false);
  });

  test('GIVEN --evidence naming a file WHEN the report runs THEN it exits 2', async () => {
    const file = path.join(dir, 'one.json');
    await writeFile(file, '{}');
    const result = await rxdr('report', '--evidence', file, '--out', path.join(dir, 'report.html'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not a directory/);
  });

  test('GIVEN only passing runs and one unreadable file WHEN the report is written THEN the problem is at the top and the header is not green', async () => {
    const evidenceDir = path.join(dir, 'evidence');
    const store = new FileEvidenceStore(evidenceDir);
    for (const doc of sampleEvidence().filter((d) => d.result === 'passed')) await store.put(doc);
    await writeFile(path.join(evidenceDir, 'truncated.json'), '{"schemaVersion": 1, "runId": ');
    const out = path.join(dir, 'report.html');
    const result = await rxdr('report', '--evidence', evidenceDir, '--out', out);
    expect(result.stdout).toMatch(/0 failed, 1 unreadable file\(s\)/);
    const html = await readFile(out, 'utf8');
    const header = html.slice(html.indexOf('<header>'), html.indexOf('</header>'));
    expect(header).not.toMatch(/class="good"/);
    expect(header).toMatch(/class="bad">1 unreadable evidence file/);
    expect(header).toMatch(/class="status-line bad"/);
    expect(html.indexOf('id="problems"')).toBeGreaterThan(html.indexOf('</header>'));
    expect(html.indexOf('id="problems"')).toBeLessThan(html.indexOf('id="summary"'));
    expect(html).toContain('truncated.json');
  });
});
