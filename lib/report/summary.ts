import { escapeHtml as esc } from '../html';
import type { ReportDatabase } from './databases';
import { day, secs, shortTime, truncate } from './format';
import { cls } from './runs';

/** One row per database: its tier and targets, the newest run against them, runs passed, next drill due. */
export function summaryTable(databases: readonly ReportDatabase[]): string {
  const rows = databases.map((db) => {
    const last = db.runs.at(-1);
    const passed = db.runs.filter((r) => r.result === 'passed').length;
    const lastRun = last
      ? `<span class="badge ${last.result}">${last.result.toUpperCase()}</span> ${esc(last.kind)} ${esc(shortTime(last.timestamps.started))}`
      : '<span class="bad">no run yet</span>';
    return `<tr class="${last?.result ?? 'none'}">
      <td>${esc(db.environment)}</td><td><strong>${esc(db.database)}</strong></td><td>${esc(db.tier)}</td>
      <td>${lastRun}</td>
      <td class="${last ? cls(last.achievedRtoSeconds, db.rtoSeconds) : ''}">${secs(last?.achievedRtoSeconds)} / ${secs(db.rtoSeconds)}</td>
      <td class="${last ? cls(last.achievedRpoSeconds, db.rpoSeconds) : ''}">${secs(last?.achievedRpoSeconds)} / ${secs(db.rpoSeconds)}</td>
      <td>${passed} of ${db.runs.length}</td>
      <td class="${db.due.overdue ? 'bad' : ''}">${nextDrill(db.due)}</td>
      <td>${last?.failureReason ? esc(truncate(last.failureReason, 160)) : '—'}</td>
    </tr>`;
  });
  return (
    `<table class="summary"><thead><tr><th>Environment</th><th>Database</th><th>Tier</th><th>Last run` +
    `</th><th>RTO achieved / target</th><th>RPO achieved / target</th><th>Runs passed</th><th>Next ` +
    `drill due</th><th>Last failure</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

function nextDrill(due: ReportDatabase['due']): string {
  if (due.nextDrillDue) return `${due.overdue ? 'OVERDUE since ' : ''}${esc(day(due.nextDrillDue))}`;
  return due.lastDrill ? 'none scheduled' : 'OVERDUE: never drilled';
}
