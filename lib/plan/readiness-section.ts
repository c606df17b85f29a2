import type { ReadinessReport } from '../../engines/readiness/readiness';
import { paragraph, Section, table } from './document';

/**
 * The plan's "Readiness of people" section: who on the on-call roster is current (a game day within the
 * readiness days), who is overdue, and the security-awareness training each still lacks.
 */
export function readinessSection(report: ReadinessReport | { error: string }, source: string): Section {
  if ('error' in report)
    return {
      id: 'readiness',
      title: 'Readiness of people',
      blocks: [paragraph(`The people records in \`${source}\` could not be read: ${report.error}`)],
    };
  return {
    id: 'readiness',
    title: 'Readiness of people',
    blocks: [
      paragraph(
        `Each on-call engineer runs the failover runbook in a game day, and each approver approves one, at ` +
          `least every ${report.readinessDays} days; each completes the security-awareness topics of the role ` +
          `(records in \`${source}\`).`,
      ),
      table(
        ['person', 'role', 'last game day', 'status', 'training missing'],
        report.people.map((p) => [
          `${p.name} (\`${p.arn}\`)`,
          p.role,
          p.lastGameDay ? `${p.lastGameDay.at.slice(0, 10)} (${p.lastGameDay.scenario})` : 'none',
          p.status === 'current' ? `current until ${(p.dueBy ?? '').slice(0, 10)}` : 'overdue',
          p.trainingGaps.length > 0 ? p.trainingGaps.join(', ') : 'none',
        ]),
      ),
    ],
  };
}
