import type { ReadinessReport } from '../../engines/readiness/readiness';
import { escapeHtml as esc } from '../html';
import { day } from './format';

/** One environment's roster assessed against its people records, or why the records could not be read. */
export type ReportReadiness =
  | { readonly environment: string; readonly report: ReadinessReport }
  | { readonly environment: string; readonly error: string };

/**
 * The report's "Readiness of people": per environment with an on-call roster, who is current (a game day within
 * the readiness days), who is overdue, and the security-awareness training each still lacks.
 */
export function readinessSection(readiness: readonly ReportReadiness[]): string {
  if (readiness.length === 0) return '';
  return `<section id="readiness" aria-labelledby="readiness-h">
  <h2 id="readiness-h">Readiness of people</h2>
  ${readiness.map(environmentReadiness).join('\n')}
</section>`;
}

function environmentReadiness(entry: ReportReadiness): string {
  if ('error' in entry)
    return `<h3>${esc(entry.environment)}</h3><p class="bad">The people records could not be read: ${esc(entry.error)}</p>`;
  const rows = entry.report.people
    .map((p) => {
      const lastGameDay = p.lastGameDay ? `${day(p.lastGameDay.at)} (${esc(p.lastGameDay.scenario)})` : 'none';
      const status =
        p.status === 'current'
          ? `<span class="good">current</span> until ${esc(day(p.dueBy ?? ''))}`
          : '<span class="bad">overdue</span>';
      const gaps = p.trainingGaps.length ? `<span class="bad">${esc(p.trainingGaps.join(', '))}</span>` : 'none';
      return `<tr class="person ${p.status}" data-person="${esc(p.arn)}"><th scope="row">${esc(p.name)} <code>${esc(p.arn)}</code></th><td>${esc(p.role)}</td><td>${lastGameDay}</td><td class="status">${status}</td><td class="training">${gaps}</td></tr>`;
    })
    .join('');
  return `<h3>${esc(entry.environment)}</h3>
  <p class="meta">Each on-call engineer runs the failover runbook in a game day, and each approver approves one, at least every ${entry.report.readinessDays} days; each completes the security-awareness topics of the role.</p>
  <table class="readiness"><thead><tr><th>Person</th><th>Role</th><th>Last game day</th><th>Status</th><th>Training missing</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Problems for the top of the report: unreadable people records and everyone overdue for a game day. */
export function readinessProblems(readiness: readonly ReportReadiness[]): string[] {
  return readiness.flatMap((entry) => {
    if ('error' in entry)
      return [
        `The people records of <strong>${esc(entry.environment)}</strong> could not be read: ${esc(entry.error)}`,
      ];
    return entry.report.people
      .filter((p) => p.status === 'overdue')
      .map(
        (p) =>
          `<a href="#readiness"><strong>${esc(p.name)}</strong> (${esc(p.role)} in ${esc(entry.environment)}) is overdue for a game day</a>: ` +
          (p.lastGameDay
            ? `the last was ${esc(day(p.lastGameDay.at))}, due again by ${esc(day(p.dueBy ?? ''))}.`
            : `none on record (one is required every ${entry.report.readinessDays} days).`),
      );
  });
}
