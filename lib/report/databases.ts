import type { EvidenceDocument } from '../../engines/evidence/schema';
import { defaultDrillCadence, drillDue, type DrillCadence, type DrillDue } from '../config/drill-cadence';

/** One protected database as configured (`rxdr report --config`). */
export interface ConfiguredDatabase {
  readonly environment: string;
  readonly database: string;
  readonly tier: string;
  readonly rtoSeconds: number;
  readonly rpoSeconds: number;
  readonly pattern?: string;
  readonly regions?: string;
  readonly cadence: DrillCadence;
}

/** A database the report covers: configured, or found in evidence only; its runs oldest first. */
export interface ReportDatabase {
  /** `environment / database` */
  readonly key: string;
  readonly environment: string;
  readonly database: string;
  readonly tier: string;
  readonly rtoSeconds: number;
  readonly rpoSeconds: number;
  readonly cadence: DrillCadence;
  readonly configured?: ConfiguredDatabase;
  readonly runs: readonly EvidenceDocument[];
  readonly due: DrillDue;
}

/**
 * Every configured database and every database that has evidence, with its runs, targets and cadence. Targets
 * and tier come from the configuration when given, else from the newest evidence; the cadence from the
 * configuration, else the default schedule (marked `assumed`).
 */
export function reportDatabases(
  documents: readonly EvidenceDocument[],
  configuration: readonly ConfiguredDatabase[] | undefined,
  now: Date,
): ReportDatabase[] {
  const sorted = [...documents].sort((a, b) => a.timestamps.started.localeCompare(b.timestamps.started));
  const runs = new Map<string, EvidenceDocument[]>();
  for (const doc of sorted) {
    const key = keyOf(doc.environment, doc.database);
    runs.set(key, [...(runs.get(key) ?? []), doc]);
  }
  const configured = new Map((configuration ?? []).map((c) => [keyOf(c.environment, c.database), c]));
  const keys = [...new Set([...configured.keys(), ...runs.keys()])].sort();
  return keys.map((key) => {
    const own = runs.get(key) ?? [];
    const config = configured.get(key);
    const newest = own.at(-1);
    const cadence = config?.cadence ?? defaultDrillCadence();
    const lastDrill = own.filter((r) => r.kind === 'drill').at(-1);
    return {
      key,
      environment: config?.environment ?? newest?.environment ?? '',
      database: config?.database ?? newest?.database ?? '',
      tier: config?.tier ?? (newest ? (newest.tierName ?? `tier ${newest.tier}`) : ''),
      rtoSeconds: config?.rtoSeconds ?? newest?.targets.rtoSeconds ?? 0,
      rpoSeconds: config?.rpoSeconds ?? newest?.targets.rpoSeconds ?? 0,
      cadence,
      ...(config ? { configured: config } : {}),
      runs: own,
      due: drillDue(cadence, lastDrill ? new Date(lastDrill.timestamps.started) : undefined, now),
    };
  });
}

function keyOf(environment: string, database: string): string {
  return `${environment} / ${database}`;
}
