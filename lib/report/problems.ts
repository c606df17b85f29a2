import type { EvidenceDocument } from '../../engines/evidence/schema';
import { escapeHtml as esc } from '../html';
import { coverageRow, COVERAGE_MONTHS } from './coverage';
import type { ReportDatabase } from './databases';
import { day, monthYear, plural, shortTime, truncate } from './format';

/** An evidence file that could not be used: the runs it records are missing from the report. */
export interface UnusableEvidence {
  readonly location: string;
  readonly error: string;
}

/**
 * What a reader must see first, worst first: evidence files that cannot be read or verified (they may hide a
 * failed run), failed runs, overdue databases, and months of the coverage grid without a scheduled drill.
 * Each item is HTML.
 */
export function findProblems(
  databases: readonly ReportDatabase[],
  unusable: readonly UnusableEvidence[],
  now: Date,
): string[] {
  const problems: string[] = [];
  for (const file of unusable) {
    const what = /not a valid rxdr evidence document/.test(file.error)
      ? 'cannot be verified as evidence'
      : 'is unreadable';
    problems.push(
      `Evidence file <code>${esc(file.location)}</code> ${what}: ${esc(truncate(file.error, 300))}. The run it records is missing from this report.`,
    );
  }
  const windowStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (COVERAGE_MONTHS - 1), 1);
  const failedRuns = databases.flatMap((db) =>
    db.runs
      .filter((r) => r.result === 'failed' && Date.parse(r.timestamps.started) >= windowStart)
      .map((run) => ({ db, run })),
  );
  failedRuns.sort((a, b) => b.run.timestamps.started.localeCompare(a.run.timestamps.started));
  problems.push(...failedRuns.map(({ db, run }) => failedRun(db, run)));
  for (const db of databases.filter((d) => d.due.overdue))
    problems.push(
      db.due.lastDrill
        ? `<strong>${esc(db.key)}</strong> is overdue for a drill: the next was due ` +
            `${esc(day(db.due.nextDrillDue ?? ''))} (${esc(db.cadence.description)}); the last ran ${esc(day(db.due.lastDrill))}.`
        : `<strong>${esc(db.key)}</strong> has never been drilled: restores must be tested (${esc(db.cadence.description)}).`,
    );
  for (const db of databases) {
    const missing = coverageRow(db, now).filter((c) => c.state === 'missing');
    if (missing.length > 0)
      problems.push(
        `<strong>${esc(db.key)}</strong>: no drill in ${plural(missing.length, 'month')} of the last ${COVERAGE_MONTHS} that called for one (${missing.map((c) => monthName(c.month)).join(', ')}).`,
      );
  }
  return problems;
}

function failedRun(db: ReportDatabase, run: EvidenceDocument): string {
  const later = db.runs.find(
    (r) => r.kind === run.kind && r.result === 'passed' && r.timestamps.started > run.timestamps.started,
  );
  return (
    `<a href="#run-${esc(run.runId)}">${esc(run.kind)} of <strong>${esc(db.key)}</strong> on ` +
    `${esc(shortTime(run.timestamps.started))} UTC failed</a>` +
    `${run.failedStep ? ` at ${esc(run.failedStep)}` : ''}: ` +
    `${esc(truncate(run.failureReason ?? 'no reason recorded', 300))}${later ? ` <span class="resolved">(a later ${esc(run.kind)} passed on ${esc(day(later.timestamps.started))})</span>` : ''}`
  );
}

function monthName(month: string): string {
  return monthYear(new Date(`${month}-01T00:00:00Z`));
}

/** The section at the top of the report: every problem, or a plain statement that there is none. */
export function renderProblems(problems: readonly string[]): string {
  if (problems.length === 0)
    return (
      `<section id="problems" class="no-problems" aria-labelledby="problems-h"><h2 ` +
      `id="problems-h">Problems</h2><p class="good">None: every run passed, every evidence file was read ` +
      `and verified, no database is overdue.</p></section>`
    );
  return `<section id="problems" class="problems" aria-labelledby="problems-h"><h2 id="problems-h">Problems (${problems.length})</h2>
  <ul>${problems.map((p) => `<li>${p}</li>`).join('')}</ul></section>`;
}
