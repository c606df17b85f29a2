import { escapeHtml as esc } from '../html';
import { scheduledBetween } from '../config/drill-cadence';
import type { ReportDatabase } from './databases';
import { day, monthShort, plural } from './format';

/**
 * The coverage grid: which database was drilled in which of the last 12 months (UTC), against its cadence.
 * `passed` / `failed`: the month's newest drill; `missing`: a scheduled drill's time (plus the drill time limit)
 * passed with no drill that month; `due`: a scheduled drill is still to come this month; `not-scheduled`: the
 * cadence asks for none that month; `before-first`: the month ended before the database's first run (rxdr cannot
 * tell when a database joined, so these months are neither green nor counted as gaps; a database never drilled
 * at all is overdue).
 */
export type CoverageState = 'passed' | 'failed' | 'missing' | 'due' | 'not-scheduled' | 'before-first';

export interface CoverageCell {
  /** `2026-10` */
  readonly month: string;
  readonly state: CoverageState;
  readonly drills: number;
  readonly failovers: number;
}

export const COVERAGE_MONTHS = 12;

/** The first instant (UTC) of each of the last `COVERAGE_MONTHS` months, oldest first, the current one last. */
export function coverageMonths(now: Date): Date[] {
  return Array.from(
    { length: COVERAGE_MONTHS },
    (_, i) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (COVERAGE_MONTHS - 1 - i), 1)),
  );
}

export function coverageRow(db: ReportDatabase, now: Date): CoverageCell[] {
  return coverageMonths(now).map((start) => {
    const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
    const within = db.runs.filter((r) => {
      const t = Date.parse(r.timestamps.started);
      return t >= start.getTime() && t < end.getTime();
    });
    const drills = within.filter((r) => r.kind === 'drill');
    const cell = {
      month: start.toISOString().slice(0, 7),
      drills: drills.length,
      failovers: within.length - drills.length,
    };
    const newest = drills.at(-1);
    if (newest) return { ...cell, state: newest.result };
    const first = db.runs[0];
    if (first && end.getTime() <= Date.parse(first.timestamps.started)) return { ...cell, state: 'before-first' };
    const grace = db.cadence.graceMinutes * 60_000;
    const scheduled = scheduledBetween(db.cadence, start, end);
    if (scheduled.some((s) => s.getTime() + grace < now.getTime())) return { ...cell, state: 'missing' };
    return { ...cell, state: scheduled.length > 0 ? 'due' : 'not-scheduled' };
  });
}

const MARK: Record<CoverageState, string> = {
  passed: '✓',
  failed: '✗',
  missing: '!',
  due: '…',
  'not-scheduled': '·',
  'before-first': '–',
};

const MEANING: Record<CoverageState, string> = {
  passed: 'drilled, passed',
  failed: 'drilled, failed',
  missing: 'missing: a scheduled drill did not run',
  due: 'scheduled later this month',
  'not-scheduled': 'no drill scheduled this month',
  'before-first': "before the database's first run",
};

/** The grid as a table: a row per database, a column per month, then the cadence and the next drill due. */
export function renderCoverage(databases: readonly ReportDatabase[], now: Date): string {
  if (databases.length === 0) return '<p class="empty">No configured database and no evidence.</p>';
  const months = coverageMonths(now);
  const head = months
    .map((m) => {
      return `<th class="month" scope="col">${monthShort(m)}<br><span class="year">${m.getUTCFullYear()}</span></th>`;
    })
    .join('');
  const rows = databases.map((db) => {
    const cells = coverageRow(db, now)
      .map((c) => {
        const extra = [
          c.drills > 1 ? plural(c.drills, 'drill') : '',
          c.failovers ? plural(c.failovers, 'failover') : '',
        ]
          .filter(Boolean)
          .join(', ');
        const title = `${c.month}: ${MEANING[c.state]}${extra ? ` (${extra})` : ''}`;
        return (
          `<td class="cell ${c.state}" data-month="${c.month}" title="${esc(title)}"><span aria-label="` +
          `${esc(title)}">${MARK[c.state]}</span>${c.failovers ? '<sup class="failover-mark">F</sup>' : ''}</td>`
        );
      })
      .join('');
    return `<tr class="coverage-row${db.due.overdue ? ' overdue' : ''}" data-database="${esc(db.key)}">
      <th scope="row">${esc(db.key)}<br><span class="tier">${esc(db.tier)}</span></th>${cells}
      <td class="cadence">${esc(db.cadence.description)}${db.cadence.assumed ? ' <span class="assumed">(default; pass <code>--config</code>)</span>' : ''}</td>
      <td class="next-due">${nextDue(db)}</td></tr>`;
  });
  const legend = (Object.keys(MARK) as CoverageState[])
    .map((s) => `<span class="legend-item"><span class="cell ${s}">${MARK[s]}</span> ${MEANING[s]}</span>`)
    .join(' ');
  return `<table class="coverage"><thead><tr><th scope="col">Database</th>${head}<th scope="col">Required cadence</th><th scope="col">Next drill due</th></tr></thead>
  <tbody>${rows.join('')}</tbody></table>
  <p class="legend">${legend} <span class="legend-item"><sup class="failover-mark">F</sup> a failover ran that month</span></p>`;
}

function nextDue(db: ReportDatabase): string {
  if (!db.due.lastDrill) return '<strong class="bad">OVERDUE</strong>: never drilled';
  if (!db.due.nextDrillDue) return 'none scheduled';
  const when = esc(day(db.due.nextDrillDue));
  return db.due.overdue ? `<strong class="bad">OVERDUE</strong> since ${when}` : when;
}
