/// <reference lib="dom" />

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext } from 'playwright-core';
import { FileEvidenceStore } from '../../engines/evidence';
import { MILESTONES } from '../../engines/gameday/timeline';
import { cliClock } from '../../lib/cli/clock';
import { launchChromium } from '../helpers/chromium';
import { rxdr, spawnRxdr } from '../helpers/cli';
import { COVERAGE_NOW, coverageEvidence, gameDayEvidence, sampleEvidence } from './fixtures';

/** Where the suite writes what a person should look at (gitignored). */
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

describe('rxdr report in a real browser', () => {
  let dir: string;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  const realClock = cliClock.now;

  /** Write `docs` (and the given raw files) as evidence, render the report at COVERAGE_NOW, open it. */
  async function openReport(name: string, docs: ReturnType<typeof coverageEvidence>, raw: Record<string, string> = {}) {
    const evidence = path.join(dir, name);
    const store = new FileEvidenceStore(evidence);
    for (const doc of docs) await store.put(doc);
    for (const [file, text] of Object.entries(raw)) await writeFile(path.join(evidence, file), text);
    const out = path.join(dir, `${name}.html`);
    cliClock.now = () => COVERAGE_NOW;
    const result = await rxdr('report', '--evidence', evidence, '--out', out);
    expect({ code: result.code, stderr: result.code ? result.stderr : '' }).toEqual({ code: 0, stderr: '' });
    const page = await context!.newPage();
    const requests: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) requests.push(request.url());
    });
    await page.goto(pathToFileURL(out).toString());
    return { page, requests, out, result };
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rxdr-report-'));
    browser = await launchChromium();
    // The packaged Chromium runs as one process, which exits when a browser context closes: share one.
    context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  });
  afterAll(async () => {
    cliClock.now = realClock;
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('GIVEN 14 months of evidence WHEN the report is rendered THEN the coverage grid shows the missing month, the failed-then-passed month and the overdue database', async () => {
    const { page, requests } = await openReport('coverage', coverageEvidence());
    const months = await page.locator('#coverage thead th.month').allInnerTexts();
    expect(months.map((m) => m.replace(/\s+/g, ' '))).toEqual([
      'Dec 2025', 'Jan 2026', 'Feb 2026', 'Mar 2026', 'Apr 2026', 'May 2026',
      'Jun 2026', 'Jul 2026', 'Aug 2026', 'Sep 2026', 'Oct 2026', 'Nov 2026',
    ]); // prettier-ignore
    const dispensing = page.locator('#coverage tr[data-database="prod / dispensing"]');
    const states = await dispensing
      .locator('td.cell')
      .evaluateAll((cells) => cells.map((c) => `${c.getAttribute('data-month')} ${c.className.replace('cell ', '')}`));
    expect(states).toEqual([
      '2025-12 passed', '2026-01 passed', '2026-02 passed', '2026-03 passed', '2026-04 passed', '2026-05 passed',
      '2026-06 passed', '2026-07 missing', '2026-08 passed', '2026-09 passed', '2026-10 passed', '2026-11 passed',
    ]); // prettier-ignore
    const missing = dispensing.locator('td.cell[data-month="2026-07"]');
    await expect(missing.isVisible()).resolves.toBe(true);
    expect(await missing.evaluate((c) => getComputedStyle(c).backgroundColor)).toBe('rgb(165, 14, 14)');
    await expect(dispensing.locator('td.next-due').innerText()).resolves.toBe('1 Dec 2026');
    await expect(dispensing.locator('td.cadence').innerText()).resolves.toContain('monthly on day 1, at 06:00 UTC');

    const inventory = page.locator('#coverage tr[data-database="staging / inventory"]');
    await expect(inventory.getAttribute('class')).resolves.toContain('overdue');
    await expect(inventory.locator('td.next-due').innerText()).resolves.toBe('OVERDUE since 1 Sep 2026');
    expect(await inventory.locator('td.next-due').evaluate((c) => getComputedStyle(c).color)).toBe('rgb(165, 14, 14)');
    await expect(inventory.locator('td.cell[data-month="2026-09"]').getAttribute('class')).resolves.toContain(
      'missing',
    );
    await expect(inventory.locator('td.cell[data-month="2026-11"]').getAttribute('class')).resolves.toContain(
      'missing',
    );

    // Problems come first: the failed run (resolved later), the overdue database and the gap.
    const problems = await page.locator('#problems li').allInnerTexts();
    expect(problems.some((p) => /drill of prod \/ dispensing on 2026-10-01 06:00 UTC failed at validate/.test(p))).toBe(
      true,
    );
    expect(problems.some((p) => /a later drill passed on 3 Oct 2026/.test(p))).toBe(true);
    expect(
      problems.some((p) => /staging \/ inventory is overdue for a drill: the next was due 1 Sep 2026/.test(p)),
    ).toBe(true);
    expect(problems.some((p) => /prod \/ dispensing: no drill in 1 month .*\(Jul 2026\)/.test(p))).toBe(true);
    expect((await page.locator('#problems').boundingBox())!.y).toBeLessThan(
      (await page.locator('#coverage').boundingBox())!.y,
    );
    await expect(page.locator('header .status-line').getAttribute('class')).resolves.toContain('bad');
    expect(requests).toEqual([]);
    await page.close();
  });

  test(
    'GIVEN runs an hour apart and a week apart WHEN they are charted THEN their distance on the time ' +
      'axis is proportional to the time between them, and failovers are their own series',
    async () => {
      const { page } = await openReport('time-axis', coverageEvidence());
      const chart = page.locator('figure.chart[data-database="prod / claims"]');
      const rto = chart.locator('svg.panel.rto');
      await expect(rto.isVisible()).resolves.toBe(true);
      expect((await rto.boundingBox())!.width).toBeGreaterThan(300);
      const drills = await rto
        .locator('circle.dot.drill')
        .evaluateAll((dots) =>
          dots.map((d) => ({ x: Number(d.getAttribute('cx')), t: Date.parse(d.getAttribute('data-started') ?? '') })),
        );
      expect(drills).toHaveLength(3);
      const [first, hourLater, weekLater] = drills as [
        { x: number; t: number },
        { x: number; t: number },
        { x: number; t: number },
      ];
      expect(hourLater.t - first.t).toBe(3_600_000);
      expect(weekLater.t - hourLater.t).toBe(7 * 86_400_000);
      // An hour is 1/168 of a week: so are the gaps between the dots (to the drawing's rounding).
      expect(hourLater.x - first.x).toBeGreaterThan(1);
      expect((weekLater.x - hourLater.x) / (hourLater.x - first.x)).toBeCloseTo(168, -0.5);
      // The failover is not on the drills' line: it has its own series (and a shape on the key).
      await expect(rto.locator('g.series.drill circle').count()).resolves.toBe(3);
      await expect(rto.locator('g.series.failover circle').count()).resolves.toBe(1);
      const failoverX = Number(await rto.locator('circle.dot.failover').getAttribute('cx'));
      expect((failoverX - weekLater.x) / (hourLater.x - first.x)).toBeCloseTo(4 * 24, -0.5);
      await expect(rto.locator('line.target').count()).resolves.toBe(1);
      await expect(rto.locator('text.target-label').textContent()).resolves.toContain('RTO target 1.0 h');
      await page.close();
    },
  );

  test(
    'GIVEN an unreadable and an unverifiable evidence file WHEN the report is rendered THEN both are ' +
      'warned about above the summary, and the checks read as sentences with the raw detail behind a disclosure',
    async () => {
      const { page, result } = await openReport('problems', sampleEvidence(), {
        'garbled.json': '{"schemaVersion": 1, "runId": ',
        'broken.json': '{"schemaVersion": 99}',
      });
      expect(result.stdout).toContain('4 run(s)');
      expect(result.stdout).toContain('1 failed, 2 unreadable file(s)');
      const problems = page.locator('#problems');
      await expect(problems.innerText()).resolves.toMatch(/garbled\.json is unreadable/);
      await expect(problems.innerText()).resolves.toMatch(/broken\.json cannot be verified as evidence/);
      expect((await problems.boundingBox())!.y).toBeLessThan((await page.locator('#summary').boundingBox())!.y);

      // The failing check is visible and highlighted, as a sentence.
      const failing = page.locator('#runs tr.check.failed', { hasText: 'fill-numbering' });
      await expect(failing.isVisible()).resolves.toBe(true);
      expect(await failing.evaluate((row) => getComputedStyle(row).backgroundColor)).toBe('rgb(252, 232, 230)');
      await page.close();

      const { page: measured } = await openReport('sentences', coverageEvidence().slice(-2, -1));
      const rows = measured.locator('#runs tr.check');
      await expect(rows.nth(0).locator('.sentence').innerText()).resolves.toBe(
        'Row counts of 12 tables, none mismatched',
      );
      await expect(rows.nth(1).locator('.sentence').innerText()).resolves.toBe(
        '1,031 e-prescription signatures, all intact',
      );
      const raw = rows.nth(1).locator('details pre');
      await expect(raw.isVisible()).resolves.toBe(false);
      await rows.nth(1).locator('details summary').click();
      await expect(raw.isVisible()).resolves.toBe(true);
      await expect(raw.innerText()).resolves.toContain('"payloadHashMismatches": 0');
      await measured.close();
    },
  );

  test('GIVEN the report printed THEN the print stylesheet hides the disclosures\u2019 contents, even opened ones; screenshots at two widths are written for a person to look at', async () => {
    const { page } = await openReport('print', coverageEvidence());
    await page.locator('details').evaluateAll((all) => all.forEach((d) => d.setAttribute('open', '')));
    const raw = page.locator('details pre').first();
    await expect(raw.isVisible()).resolves.toBe(true);
    await page.emulateMedia({ media: 'print' });
    await expect(raw.isVisible()).resolves.toBe(false);
    await expect(page.locator('details summary').first().isVisible()).resolves.toBe(true);
    await expect(page.locator('.sentence').first().isVisible()).resolves.toBe(true);
    await page.emulateMedia({ media: 'screen' });
    await page.locator('details').evaluateAll((all) => all.forEach((d) => d.removeAttribute('open')));

    await mkdir(ARTIFACTS, { recursive: true });
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      const file = path.join(ARTIFACTS, `report-${width}px.png`);
      await page.screenshot({ path: file, fullPage: true });
      expect((await readFile(file)).subarray(1, 4).toString()).toBe('PNG');
    }
    await page.close();
  });

  test('`rxdr report --pdf` from the installed command prints the report through the same headless Chromium', async () => {
    const evidence = path.join(dir, 'pdf-evidence');
    const store = new FileEvidenceStore(evidence);
    for (const doc of sampleEvidence()) await store.put(doc);
    const out = path.join(dir, 'pdf', 'report.html');
    const child = spawnRxdr(['report', '--evidence', evidence, '--out', out, '--pdf']);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stdout).toContain(`wrote ${path.join(dir, 'pdf', 'report.pdf')}`);
    const pdf = await readFile(path.join(dir, 'pdf', 'report.pdf'));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(10_000);
    await mkdir(ARTIFACTS, { recursive: true });
    await writeFile(path.join(ARTIFACTS, 'report.pdf'), pdf);
  });

  test('GIVEN two game days WHEN the report is rendered THEN each has its timeline picture, people, retries and lessons, and time to recover is a trend against the RTO', async () => {
    const { page } = await openReport('gamedays', [...sampleEvidence(), ...gameDayEvidence()]);
    const section = page.locator('#gamedays');
    await expect(section.locator('figure.gameday').count()).resolves.toBe(2);
    const first = section.locator('figure.gameday[data-run="gd-1"]');
    const names = await first
      .locator('g.milestone')
      .evaluateAll((gs) => gs.map((g) => g.getAttribute('data-milestone')));
    // Every milestone the game day engine defines, in its order (the fixture reaches them all).
    expect(names).toEqual(MILESTONES);
    // Placed by time since the fault: the gap fault → alarm (2 min) is a tenth of fault → verified (20 min).
    const xs = await first
      .locator('g.milestone circle')
      .evaluateAll((cs) => cs.map((c) => (c as SVGCircleElement).getBoundingClientRect().x));
    expect((xs[1]! - xs[0]!) / (xs[5]! - xs[0]!)).toBeCloseTo(0.1, 1);
    await expect(first.innerText()).resolves.toMatch(/retry: Promote failed 1 time\(s\)/);
    await expect(first.innerText()).resolves.toMatch(/the alarm named the wrong runbook/);
    await expect(first.innerText()).resolves.toMatch(/engineer: Example engineer A/);
    const second = section.locator('figure.gameday[data-run="gd-2"]');
    await expect(second.getAttribute('class')).resolves.toContain('failed');
    await expect(second.innerText()).resolves.toMatch(/Not reached: .*verified/);
    const trend = section.locator('figure.gameday-trend circle.dot');
    await expect(trend.evaluateAll((cs) => cs.map((c) => c.getAttribute('data-value')))).resolves.toEqual([
      '1200',
      '4200',
    ]);
    const [ok, over] = await trend.evaluateAll((cs) =>
      cs.map((c) => (c as SVGCircleElement).getBoundingClientRect().y),
    );
    const target = await section
      .locator('figure.gameday-trend line.target')
      .evaluate((l) => l.getBoundingClientRect().y);
    expect(ok!).toBeGreaterThan(target);
    expect(over!).toBeLessThan(target);
    await page.close();
  });

  test('an s3:// URL without a bucket is a usage error (exit 2)', async () => {
    const result = await rxdr('report', '--evidence', 's3://', '--out', path.join(dir, 'x.html'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not an s3:\/\/ URL/);
  });
});
