/// <reference lib="dom" />
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { FileEvidenceStore } from '../../engines/evidence';
import { launchChromium } from '../helpers/chromium';
import { rxdr } from '../helpers/cli';
import { sampleEvidence } from './fixtures';

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

describe('rxdr report in a real browser', () => {
  let dir: string;
  let browser: Browser | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rxdr-report-'));
    const store = new FileEvidenceStore(path.join(dir, 'evidence'));
    for (const doc of sampleEvidence()) await store.put(doc);
    await writeFile(path.join(dir, 'evidence', 'broken.json'), '{"schemaVersion": 99}');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('GIVEN evidence with a failing run WHEN the report is rendered THEN the summary, the chart and the failing check are visible, with no external request', async () => {
    const out = path.join(dir, 'report.html');
    const result = await rxdr('report', '--evidence', path.join(dir, 'evidence'), '--out', out);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('4 run(s)');
    expect(result.stdout).toContain('1 failed, 1 unreadable file(s)');

    const page = await browser!.newPage({ viewport: { width: 1200, height: 1000 } });
    const requests: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) requests.push(request.url());
    });
    await page.goto(pathToFileURL(out).toString());

    // Summary: one row per database, the last dispensing run failed.
    const summary = page.locator('#summary table.summary');
    await expect(summary.isVisible()).resolves.toBe(true);
    await expect(summary.locator('tbody tr').count()).resolves.toBe(2);
    const dispensing = summary.locator('tbody tr', { hasText: 'dispensing' });
    await expect(dispensing.locator('.badge.failed').isVisible()).resolves.toBe(true);
    await expect(dispensing.innerText()).resolves.toContain('15.0 min / 5.0 min'); // RPO 900 s against 300 s

    // Chart: an SVG per database with both series and dashed targets, actually laid out.
    const chart = page.locator('#trend svg').first();
    await expect(chart.isVisible()).resolves.toBe(true);
    const box = await chart.boundingBox();
    expect(box!.width).toBeGreaterThan(400);
    expect(box!.height).toBeGreaterThan(100);
    await expect(chart.locator('path.line.rto').count()).resolves.toBe(1);
    await expect(chart.locator('circle.dot.rpo').count()).resolves.toBe(3);
    await expect(chart.locator('line.target').count()).resolves.toBe(2);

    // The failing check is visible and highlighted.
    const failing = page.locator('#runs tr.check.failed', { hasText: 'fill-numbering' });
    await expect(failing.isVisible()).resolves.toBe(true);
    const background = await failing.evaluate((row) => getComputedStyle(row).backgroundColor);
    expect(background).toBe('rgb(252, 232, 230)');
    await expect(page.locator('#invalid').innerText()).resolves.toContain('broken.json');
    // Unreadable evidence is shown above the summary, where a reader starts.
    const invalidBox = await page.locator('#invalid').boundingBox();
    expect(invalidBox!.y).toBeLessThan((await summary.boundingBox())!.y);
    await expect(page.locator('#configuration table').isVisible()).resolves.toBe(true);

    expect(requests).toEqual([]);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });
    await page.close();
  });

  test('an s3:// URL without a bucket is a usage error (exit 2)', async () => {
    const result = await rxdr('report', '--evidence', 's3://', '--out', path.join(dir, 'x.html'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not an s3:\/\/ URL/);
  });
});
