import { escapeHtml as esc } from '../html';
import type { ReportDatabase } from './databases';
import { secs } from './format';

/** What the report judged against: each database's tier, targets, pattern, regions and drill schedule. */
export function configurationTable(databases: readonly ReportDatabase[], configured: boolean): string {
  if (databases.length === 0)
    return '<p class="empty">No configuration given (<code>--config</code>) and no evidence.</p>';
  const note = configured
    ? ''
    : '<p>From the newest evidence of each database, with the default drill schedule (pass <code>--config</code> for the configured environments, tiers and schedules):</p>';
  const rows = databases.map((db) => {
    const c = db.configured;
    return (
      `<tr><td>${esc(db.environment)}</td><td>${esc(db.database)}</td><td>${esc(db.tier)}</td><td>` +
      `${secs(db.rtoSeconds)}</td><td>${secs(db.rpoSeconds)}</td><td>${esc(c?.pattern ?? '—')}</td><td>` +
      `${esc(c?.regions ?? '—')}</td><td><code>${esc(db.cadence.expression)}</code> (` +
      `${esc(db.cadence.timezone)})</td><td class="${db.runs.length ? 'good' : 'bad'}">` +
      `${db.runs.length ? `${db.runs.length} run(s)` : 'no run yet'}</td></tr>`
    );
  });
  return (
    `${note}<table class="config"><thead><tr><th>Environment</th><th>Database</th><th>Tier</th><th>RTO ` +
    `target</th><th>RPO target</th><th>DR pattern</th><th>Regions</th><th>Drill schedule</th>` +
    `<th>Evidence</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}
