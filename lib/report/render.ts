import type { EvidenceDocument } from '../../engines/evidence/schema';
import { escapeHtml as esc } from '../html';
import { configurationTable } from './configuration';
import { gameDaySection } from './game-days';
import { COVERAGE_MONTHS, renderCoverage } from './coverage';
import { reportDatabases, type ConfiguredDatabase } from './databases';
import { findProblems, renderProblems, type UnusableEvidence } from './problems';
import { readinessProblems, readinessSection, type ReportReadiness } from './readiness';
import { runSection } from './runs';
import { REPORT_CSS } from './style';
import { summaryTable } from './summary';
import { timeChart } from './time-chart';

export interface ReportInput {
  readonly documents: readonly EvidenceDocument[];
  /** Files that were not valid evidence: listed first, so nothing disappears silently from an audit. */
  readonly invalid?: readonly UnusableEvidence[];
  /** Where the evidence came from (directory or s3:// URL). */
  readonly source: string;
  /** Every configured database with its targets and drill cadence (`--config`). */
  readonly configuration?: readonly ConfiguredDatabase[];
  /** Each configured environment's on-call roster against its people records (`--config`). */
  readonly readiness?: readonly ReportReadiness[];
  /** The report's clock: months of the coverage grid, due dates and overdue databases are judged at this time. */
  readonly generatedAt: Date;
  readonly toolVersion: string;
}

/**
 * A self-contained HTML report over drill and failover evidence for the people who answer to auditors: no
 * script, no external asset (inline CSS and SVG), printable. Problems come first, then the coverage grid
 * (databases × months with the next drill due), the summary per database, RTO/RPO over time against the tier
 * targets, every run with its checks as sentences, and what the report judged against.
 */
const RESTORE_TESTING = 'HIPAA 164.308(a)(7)(ii)(D) restore testing evidence';

export function renderReport(input: ReportInput): string {
  const now = input.generatedAt;
  const databases = reportDatabases(input.documents, input.configuration, now);
  const unusable = input.invalid ?? [];
  const readiness = input.readiness ?? [];
  const problems = [...findProblems(databases, unusable, now), ...readinessProblems(readiness)];
  const runs = [...input.documents].sort((a, b) => b.timestamps.started.localeCompare(a.timestamps.started));
  const failed = runs.filter((d) => d.result === 'failed').length;
  const unusableNote = unusable.length
    ? `, <span class="bad">${unusable.length} unreadable evidence file(s)</span>`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rxdr recovery evidence report</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
  <h1>Recovery evidence report</h1>
  <p class="status-line ${problems.length ? 'bad' : 'good'}">${problems.length ? `${problems.length} problem(s) need attention` : 'No problems found'}</p>
  <p class="meta">Generated ${esc(now.toISOString())} by rxdr ${esc(input.toolVersion)} from <code>${esc(input.source)}</code> ·
  ${runs.length} run(s), ${failed} failed${unusableNote}, ${databases.length} database(s) · ${RESTORE_TESTING}</p>
</header>
${renderProblems(problems)}
<section id="coverage" aria-labelledby="coverage-h">
  <h2 id="coverage-h">Drill coverage, last ${COVERAGE_MONTHS} months</h2>
  <div class="coverage-wrap">${renderCoverage(databases, now)}</div>
</section>
<section id="summary" aria-labelledby="summary-h">
  <h2 id="summary-h">Summary per database</h2>
  ${runs.length === 0 ? '<p class="empty">No evidence found. Run <code>rxdr drill --local</code> or a drill in AWS first.</p>' : ''}
  ${databases.length ? summaryTable(databases) : ''}
</section>
<section id="trend" aria-labelledby="trend-h">
  <h2 id="trend-h">Achieved RTO and RPO over time</h2>
  ${databases.map(timeChart).join('\n')}
</section>
${gameDaySection(input.documents)}
${readinessSection(readiness)}
<section id="runs" aria-labelledby="runs-h">
  <h2 id="runs-h">Runs and their checks</h2>
  ${runs.map(runSection).join('\n')}
</section>
<section id="configuration" aria-labelledby="config-h">
  <h2 id="config-h">What this report judged against</h2>
  ${configurationTable(databases, input.configuration !== undefined)}
</section>
</body>
</html>
`;
}
