import type { EvidenceDocument, EvidenceKind } from '../../engines/evidence/schema';
import { escapeHtml as esc } from '../html';
import type { ReportDatabase } from './databases';
import { monthYear, secs, shortTime } from './format';

/** How each kind of evidence is drawn; a new kind (e.g. game days) must name its series here. */
export const SERIES: Record<EvidenceKind, { readonly label: string; readonly css: string }> = {
  drill: { label: 'drills', css: 'drill' },
  failover: { label: 'failovers', css: 'failover' },
  gameday: { label: 'game days', css: 'gameday' },
};

type Metric = 'rto' | 'rpo';

const WIDTH = 760;
const HEIGHT = 200;
const PAD = { left: 60, right: 16, top: 14, bottom: 34 };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * A database's achieved RTO and RPO over time: one panel each, a series per kind of run (drills, failovers)
 * placed at the time the run started (the axis is time, not run number), the tier's target dashed.
 */
export function timeChart(db: ReportDatabase): string {
  const runs = db.runs.filter((r) => r.achievedRtoSeconds !== undefined || r.achievedRpoSeconds !== undefined);
  if (runs.length === 0) return '';
  const times = runs.map((r) => Date.parse(r.timestamps.started));
  const domain = timeDomain(Math.min(...times), Math.max(...times));
  const kinds = (Object.keys(SERIES) as EvidenceKind[]).filter((k) => runs.some((r) => r.kind === k));
  const keyItems = kinds.map((k) => `<span class="key ${SERIES[k].css}">■ ${SERIES[k].label}</span>`).join(' ');
  return `<figure class="chart" data-database="${esc(db.key)}">
  <figcaption><strong>${esc(db.key)}</strong> (${esc(db.tier)}) — ${keyItems}; tier target dashed</figcaption>
  <div class="panels">${panel(db, runs, domain, 'rto')}${panel(db, runs, domain, 'rpo')}</div>
</figure>`;
}

function panel(
  db: ReportDatabase,
  runs: readonly EvidenceDocument[],
  domain: [number, number],
  metric: Metric,
): string {
  const pick = (r: EvidenceDocument) => (metric === 'rto' ? r.achievedRtoSeconds : r.achievedRpoSeconds);
  const target = metric === 'rto' ? db.rtoSeconds : db.rpoSeconds;
  const values = runs.map(pick).filter((v): v is number => v !== undefined);
  const maxValue = Math.max(target, ...values, 1) * 1.15;
  const minValue = Math.max(Math.min(target, ...values.filter((v) => v > 0), 1) / 2, 0.01);
  const log = maxValue / minValue > 100;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const y = (v: number): number =>
    log
      ? PAD.top +
        plotHeight -
        (Math.log10(Math.max(v, minValue) / minValue) / Math.log10(maxValue / minValue)) * plotHeight
      : PAD.top + plotHeight - (v / maxValue) * plotHeight;
  const x = (t: number): number =>
    PAD.left + ((t - domain[0]) / (domain[1] - domain[0])) * (WIDTH - PAD.left - PAD.right);
  const name = metric.toUpperCase();
  const series = (Object.keys(SERIES) as EvidenceKind[]).map((kind) => {
    const points = runs
      .filter((r) => r.kind === kind && pick(r) !== undefined)
      .map((r) => ({ r, px: x(Date.parse(r.timestamps.started)), py: y(pick(r) as number) }));
    if (points.length === 0) return '';
    const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.px.toFixed(2)},${p.py.toFixed(1)}`).join(' ');
    const dots = points
      .map(
        ({ r, px, py }) =>
          `<circle class="dot ${SERIES[kind].css} ${r.result}" data-run="${esc(r.runId)}" data-started="${esc(r.timestamps.started)}" cx="${px.toFixed(2)}" cy="${py.toFixed(1)}" r="4"><title>${esc(name)} ${secs(pick(r))} — ${esc(kind)} ${esc(shortTime(r.timestamps.started))} UTC (${r.result})</title></circle>`,
      )
      .join('');
    return `<g class="series ${SERIES[kind].css}"><path class="line ${SERIES[kind].css}" d="${path}"/>${dots}</g>`;
  });
  const yTicks = (log ? logTicks(minValue, maxValue) : linearTicks(maxValue))
    .map(
      (t) =>
        `<line class="grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"/><text class="axis" x="${PAD.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${secs(t)}</text>`,
    )
    .join('');
  const xTicks = timeTicks(domain)
    .map(
      ({ t, label }) =>
        `<line class="grid" x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${PAD.top}" y2="${HEIGHT - PAD.bottom}"/><text class="axis" x="${x(t).toFixed(1)}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="middle">${esc(label)}</text>`,
    )
    .join('');
  const targetY = y(target).toFixed(1);
  return `<svg class="panel ${metric}" role="img" aria-label="Achieved ${name} over time for ${esc(db.key)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" preserveAspectRatio="xMidYMid meet">
    <text class="panel-title" x="${PAD.left}" y="10">${name} (${log ? 'log' : 'linear'} scale)</text>
    ${yTicks}${xTicks}
    <line class="axis-line" x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${HEIGHT - PAD.bottom}"/>
    <line class="axis-line" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${HEIGHT - PAD.bottom}" y2="${HEIGHT - PAD.bottom}"/>
    <line class="target" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${targetY}" y2="${targetY}"/>
    <text class="target-label" x="${WIDTH - PAD.right - 4}" y="${(Number(targetY) - 4).toFixed(1)}" text-anchor="end">${name} target ${secs(target)} (${esc(db.tier)})</text>
    ${series.join('')}
  </svg>`;
}

/** The time span drawn: the runs' span with 4 % room at each end; at least an hour around a single moment. */
function timeDomain(first: number, last: number): [number, number] {
  const span = Math.max(last - first, HOUR);
  const centre = (first + last) / 2;
  const half = Math.max((last - first) / 2, span / 2);
  return [centre - half * 1.08, centre + half * 1.08];
}

/** Tick marks at round times: hours, days, weeks or calendar months, at most about 8. */
function timeTicks([from, to]: [number, number]): { t: number; label: string }[] {
  const span = to - from;
  for (const step of [HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY]) {
    if (span / step > 8) continue;
    const ticks: { t: number; label: string }[] = [];
    for (let t = Math.ceil(from / step) * step; t <= to; t += step)
      ticks.push({
        t,
        label: step < DAY ? shortTime(new Date(t).toISOString()).slice(5) : new Date(t).toISOString().slice(0, 10),
      });
    return ticks;
  }
  const months = [1, 2, 3, 6, 12].find((m) => span / (m * 30.4 * DAY) <= 8) ?? 24;
  const ticks: { t: number; label: string }[] = [];
  const start = new Date(from);
  for (let m = start.getUTCMonth() + 1; ; m += 1) {
    const t = Date.UTC(start.getUTCFullYear(), m, 1);
    if (t > to) break;
    const date = new Date(t);
    if (date.getUTCMonth() % months === 0) ticks.push({ t, label: monthYear(date) });
  }
  return ticks;
}

function linearTicks(max: number): number[] {
  const step = niceStep(max / 4);
  const ticks: number[] = [];
  for (let t = 0; t <= max; t += step) ticks.push(t);
  return ticks;
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let exp = Math.ceil(Math.log10(min)); 10 ** exp <= max; exp++) ticks.push(10 ** exp);
  return ticks;
}

function niceStep(raw: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  return (normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10) * magnitude;
}
