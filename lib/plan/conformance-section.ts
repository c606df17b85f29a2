import type { ConformanceRow } from '../../engines/conformance/check';
import { Block, paragraph, Section, table } from './document';

/** What `rxdr plan --conformance` read: each instance's findings, or why it could not be read. */
export interface ConformanceSummary {
  readonly checkedAt: string;
  readonly instances: readonly ConformanceRow[];
}

/**
 * The plan's "Conformance of the protected databases" section: every finding of every instance (created and
 * adopted, source and replica) as read at `checkedAt`, so the plan shows where production departs from it.
 */
export function conformanceSection(summary: ConformanceSummary): Section {
  const rows = summary.instances.flatMap((i) => {
    const where = [i.database, `${i.role} \`${i.instance}\` (${i.region})`];
    if (i.error) return [[...where, 'not readable', i.error]];
    if (i.findings.length === 0) return [[...where, '✓', 'every rule met']];
    return i.findings.map((f) => [...where, `✗ ${f.kind}`, f.detail]);
  });
  const departing = summary.instances.filter((i) => i.error || i.findings.length > 0).length;
  const blocks: Block[] = [
    paragraph(
      `Actual settings read at ${summary.checkedAt} (RDS and KMS descriptions) against the rules the instances ` +
        'rxdr creates follow: storage on a customer-managed key, automated backups for the tier and replicated ' +
        'to the recovery region, deletion protection, no public access, `rds.force_ssl=1`, pgaudit loaded and ' +
        'configured, an engine in standard support, automatic minor upgrades, Multi-AZ as configured. ' +
        (departing === 0
          ? 'Every instance conforms.'
          : `${departing} of ${summary.instances.length} instance(s) depart from them: each finding is also an alarm until fixed.`),
    ),
    table(['System', 'Instance', 'Result', 'Detail'], rows),
  ];
  return { id: 'conformance', title: 'Conformance of the protected databases', blocks };
}
