import type { StatusReport } from './collect-status';
import { renderConformance } from './conformance';
import { renderForeignRecoveryPoints } from './foreign-recovery-points';
import { renderStatusReadiness } from './readiness';

function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

function nextDue(db: StatusReport['databases'][number]): string {
  const when = db.nextDrillDue ? db.nextDrillDue.slice(0, 16).replace('T', ' ') + ' UTC' : 'now (never drilled)';
  return `${when}${db.overdue && db.nextDrillDue ? ' — OVERDUE' : ''} (${db.drillCadence})`;
}

const mark = (ok: boolean): string => (ok ? '✓' : '✗');

/** Judged against the RPO where the tier has point-in-time recovery; otherwise shown for information. */
function restorableLine(r: StatusReport['databases'][number]['restorable']): string {
  const what = r.error ?? `${r.latestRestorableTime}, age ${duration(r.ageSeconds)}`;
  const target = r.targetSeconds === null ? 'no point-in-time tier' : `RPO ${duration(r.targetSeconds)}`;
  return `  ${mark(r.ok)} ${'restorable to'.padEnd(16)} ${what} (${target}; ${r.kind} ${r.identifier}, ${r.region})`;
}

export function renderStatus(report: StatusReport): string {
  const lines = [
    `rxdr status ${report.environment} (primary ${report.primaryRegion}, recovery ${report.recoveryRegion}) at ${report.generatedAt}`,
  ];
  for (const db of report.databases) {
    lines.push(
      '',
      `${mark(db.ok)} ${db.name}  tier ${db.tier}  RPO ${duration(db.rpoSeconds)}  RTO ${duration(db.rtoSeconds)}`,
    );
    for (const v of db.vaults) {
      const what = v.error ? v.error : `newest ${v.newest ?? '—'}, age ${duration(v.ageSeconds)}`;
      lines.push(
        `  ${mark(v.ok)} ${`${v.role} vault`.padEnd(16)} ${what} (max ${duration(v.maxAgeSeconds)}; ${v.vault}, ${v.region})`,
      );
    }
    if (db.replica) {
      const r = db.replica;
      const what = r.kind === 'cluster' ? 'global lag' : 'replica lag';
      lines.push(
        `  ${mark(r.ok)} ${what.padEnd(16)} ${r.error ?? duration(r.lagSeconds)} (RPO ${duration(r.targetSeconds)}; ${r.identifier})`,
      );
    }
    lines.push(restorableLine(db.restorable));
    const d = db.lastDrill;
    if (db.drillError) lines.push(`  ✗ ${'last drill'.padEnd(16)} cannot read the evidence: ${db.drillError}`);
    else if (!d)
      lines.push(
        `  ✗ ${'last drill'.padEnd(16)} no drill yet: run \`rxdr drill start --env ${report.environment} --database ${db.name}\``,
      );
    else {
      lines.push(
        `  ${mark(d.result === 'passed')} ${'last drill'.padEnd(16)} ${d.result} ${d.started} (${d.runId})${d.failureReason ? `: ${d.failureReason}` : ''}`,
      );
      lines.push(
        `  ${mark(d.rtoOk)} ${'  drill RTO'.padEnd(16)} ${duration(d.achievedRtoSeconds)} (target ${duration(db.rtoSeconds)})`,
      );
      lines.push(
        `  ${mark(d.rpoOk)} ${'  drill RPO'.padEnd(16)} ${duration(d.achievedRpoSeconds)} (target ${duration(db.rpoSeconds)})`,
      );
    }
    if (!db.drillError) lines.push(`  ${mark(!db.overdue)} ${'next drill due'.padEnd(16)} ${nextDue(db)}`);
    lines.push(...renderConformance(db.conformance));
  }
  const { foreignRecoveryPoints: foreign, foreignRecoveryPointErrors: foreignErrors } = report;
  lines.push('', ...renderForeignRecoveryPoints(report.environment, foreign, foreignErrors));
  if (report.alarms.length === 0 && report.alarmErrors.length === 0) lines.push('✓ no open alarms');
  for (const a of report.alarms) lines.push(`✗ alarm ${a.name} (${a.region}) since ${a.since ?? '?'}: ${a.reason}`);
  for (const e of report.alarmErrors) lines.push(`✗ alarms in ${e.region} unreadable: ${e.error}`);
  lines.push(...renderStatusReadiness(report.readiness));
  return lines.join('\n');
}
