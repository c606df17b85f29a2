import type { EvidenceCheck, EvidenceDocument } from '../../engines/evidence/schema';
import { escapeHtml as esc } from '../html';

/** One protected database as configured, for the report's configuration summary. */
export interface ConfiguredDatabase {
  readonly environment: string;
  readonly database: string;
  readonly tier: string;
  readonly rtoSeconds: number;
  readonly rpoSeconds: number;
  readonly pattern?: string;
  readonly regions?: string;
  readonly drillSchedule?: string;
}

export interface ReportInput {
  readonly documents: readonly EvidenceDocument[];
  /** Files that were not valid evidence: listed, so nothing disappears silently from an audit. */
  readonly invalid?: readonly { location: string; error: string }[];
  /** Where the evidence came from (directory or s3:// URL). */
  readonly source: string;
  readonly configuration?: readonly ConfiguredDatabase[];
  readonly generatedAt: Date;
  readonly toolVersion: string;
}

/**
 * A self-contained HTML report over drill and failover evidence: no script, no external asset (inline
 * CSS and SVG), printable. Sections: summary per database, RTO/RPO over time against targets, every run's
 * checks with failures highlighted, configuration summary.
 */
export function renderReport(input: ReportInput): string {
  const documents = [...input.documents].sort((a, b) => a.timestamps.started.localeCompare(b.timestamps.started));
  const groups = groupBy(documents, (d) => `${d.environment} / ${d.database}`);
  const failedRuns = documents.filter((d) => d.result === 'failed').length;
  const unreadable = input.invalid ?? [];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rxdr recovery evidence report</title>
<style>${CSS}</style>
</head>
<body>
<header>
  <h1>Recovery evidence report</h1>
  <p class="meta">Generated ${esc(input.generatedAt.toISOString())} by rxdr ${esc(input.toolVersion)} from <code>${esc(input.source)}</code> ·
  ${documents.length} run(s), <span class="${failedRuns || unreadable.length ? 'bad' : 'good'}">${failedRuns} failed</span>${unreadable.length ? `, <span class="bad">${unreadable.length} unreadable evidence file(s)</span>` : ''} · HIPAA 164.308(a)(7)(ii)(D) restore testing evidence</p>
</header>
${unreadable.length > 0 ? unreadableSection(unreadable) : ''}
<section id="summary" aria-labelledby="summary-h">
  <h2 id="summary-h">Summary per database</h2>
  ${documents.length === 0 ? '<p class="empty">No evidence found. Run <code>rxdr drill --local</code> or a drill in AWS first.</p>' : summaryTable(groups)}
</section>
<section id="trend" aria-labelledby="trend-h">
  <h2 id="trend-h">Achieved RTO and RPO over time</h2>
  ${[...groups.entries()].map(([key, runs]) => trendChart(key, runs)).join('\n')}
</section>
<section id="runs" aria-labelledby="runs-h">
  <h2 id="runs-h">Runs and their checks</h2>
  ${[...documents].reverse().map(runSection).join('\n')}
</section>
<section id="configuration" aria-labelledby="config-h">
  <h2 id="config-h">Configuration summary</h2>
  ${configurationTable(input.configuration, documents)}
</section>
</body>
</html>
`;
}

/** First after the header: evidence that cannot be read may hide a failed run, so it is not left for the bottom. */
function unreadableSection(unreadable: readonly { location: string; error: string }[]): string {
  const items = unreadable
    .map((i) => `<li class="bad"><code>${esc(i.location)}</code>: ${esc(truncate(i.error, 300))}</li>`)
    .join('');
  return `<section id="invalid" class="problems" aria-labelledby="invalid-h"><h2 id="invalid-h">Unreadable evidence files</h2>
  <p class="bad">These files could not be read as evidence; the runs they record are missing from this report.</p><ul>${items}</ul></section>`;
}

function summaryTable(groups: Map<string, EvidenceDocument[]>): string {
  const rows = [...groups.values()].map((runs) => {
    const last = runs[runs.length - 1] as EvidenceDocument;
    const passed = runs.filter((r) => r.result === 'passed').length;
    return `<tr class="${last.result}">
      <td>${esc(last.environment)}</td><td><strong>${esc(last.database)}</strong></td><td>${last.tier}</td>
      <td><span class="badge ${last.result}">${last.result.toUpperCase()}</span> ${esc(last.kind)} ${esc(shortTime(last.timestamps.started))}</td>
      <td class="${cls(last.achievedRtoSeconds, last.targets.rtoSeconds)}">${secs(last.achievedRtoSeconds)} / ${secs(last.targets.rtoSeconds)}</td>
      <td class="${cls(last.achievedRpoSeconds, last.targets.rpoSeconds)}">${secs(last.achievedRpoSeconds)} / ${secs(last.targets.rpoSeconds)}</td>
      <td>${passed} of ${runs.length}</td>
      <td>${last.failureReason ? esc(truncate(last.failureReason, 160)) : '—'}</td>
    </tr>`;
  });
  return `<table class="summary"><thead><tr><th>Environment</th><th>Database</th><th>Tier</th><th>Last run</th><th>RTO achieved / target</th><th>RPO achieved / target</th><th>Runs passed</th><th>Last failure</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** An inline SVG line chart: achieved RTO and RPO per run (log scale when values span decades), dashed targets. */
function trendChart(key: string, runs: EvidenceDocument[]): string {
  const width = 760;
  const height = 220;
  const pad = { left: 56, right: 16, top: 16, bottom: 36 };
  const last = runs[runs.length - 1] as EvidenceDocument;
  const values = runs
    .flatMap((r) => [r.achievedRtoSeconds, r.achievedRpoSeconds])
    .filter((v): v is number => v !== undefined);
  const maxValue = Math.max(last.targets.rtoSeconds, last.targets.rpoSeconds, ...values, 1) * 1.15;
  const minValue = Math.max(Math.min(last.targets.rpoSeconds, ...values.filter((v) => v > 0), 1) / 2, 0.01);
  const log = maxValue / minValue > 100;
  const y = (v: number): number => {
    const h = height - pad.top - pad.bottom;
    if (log) return pad.top + h - (Math.log10(Math.max(v, minValue) / minValue) / Math.log10(maxValue / minValue)) * h;
    return pad.top + h - (v / maxValue) * h;
  };
  const x = (i: number): number =>
    runs.length === 1
      ? pad.left + (width - pad.left - pad.right) / 2
      : pad.left + (i / (runs.length - 1)) * (width - pad.left - pad.right);
  const series = (pick: (r: EvidenceDocument) => number | undefined, css: string, label: string): string => {
    const points = runs
      .map((r, i) => ({ i, v: pick(r), r }))
      .filter((p): p is { i: number; v: number; r: EvidenceDocument } => p.v !== undefined);
    const path = points.map((p, n) => `${n === 0 ? 'M' : 'L'}${x(p.i).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
    return `<path class="line ${css}" d="${path}"/>${points
      .map(
        (p) =>
          `<circle class="dot ${css} ${p.r.result}" cx="${x(p.i).toFixed(1)}" cy="${y(p.v).toFixed(1)}" r="4"><title>${esc(label)} ${secs(p.v)} — ${esc(p.r.kind)} ${esc(p.r.timestamps.started)} (${p.r.result})</title></circle>`,
      )
      .join('')}`;
  };
  const target = (v: number, css: string, label: string): string =>
    `<line class="target ${css}" x1="${pad.left}" x2="${width - pad.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/><text class="target-label ${css}" x="${width - pad.right - 4}" y="${(y(v) - 4).toFixed(1)}" text-anchor="end">${esc(label)} ${secs(v)}</text>`;
  const ticks = (log ? logTicks(minValue, maxValue) : linearTicks(maxValue)).map(
    (t) =>
      `<line class="grid" x1="${pad.left}" x2="${width - pad.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"/><text class="axis" x="${pad.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${secs(t)}</text>`,
  );
  const xLabels = runs
    .map((r, i) => ({ r, i }))
    .filter(({ i }) => runs.length <= 8 || i % Math.ceil(runs.length / 8) === 0 || i === runs.length - 1)
    .map(
      ({ r, i }) =>
        `<text class="axis" x="${x(i).toFixed(1)}" y="${height - pad.bottom + 16}" text-anchor="${runs.length > 1 && i === 0 ? 'start' : runs.length > 1 && i === runs.length - 1 ? 'end' : 'middle'}">${esc(shortTime(r.timestamps.started))}</text>`,
    );
  return `<figure class="chart">
  <figcaption>${esc(key)} — achieved RTO <span class="key rto">■</span> and RPO <span class="key rpo">■</span> per run (${log ? 'log' : 'linear'} scale), targets dashed</figcaption>
  <svg role="img" aria-label="Achieved RTO and RPO over time for ${esc(key)}" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMidYMid meet">
    ${ticks.join('')}
    <line class="axis-line" x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${height - pad.bottom}"/>
    <line class="axis-line" x1="${pad.left}" x2="${width - pad.right}" y1="${height - pad.bottom}" y2="${height - pad.bottom}"/>
    ${target(last.targets.rtoSeconds, 'rto', 'RTO target')}
    ${target(last.targets.rpoSeconds, 'rpo', 'RPO target')}
    ${series((r) => r.achievedRtoSeconds, 'rto', 'RTO')}
    ${series((r) => r.achievedRpoSeconds, 'rpo', 'RPO')}
    ${xLabels.join('')}
  </svg>
</figure>`;
}

function runSection(doc: EvidenceDocument): string {
  const failed = doc.checks.filter((c) => c.status === 'failed' || c.status === 'error').length;
  return `<article class="run ${doc.result}" id="run-${esc(doc.runId)}">
  <h3><span class="badge ${doc.result}">${doc.result.toUpperCase()}</span> ${esc(doc.kind)} · ${esc(doc.environment)} / ${esc(doc.database)} · ${esc(doc.timestamps.started)}</h3>
  <dl class="facts">
    <div><dt>Run</dt><dd><code>${esc(doc.runId)}</code> (${esc(doc.provider)})</dd></div>
    <div><dt>Started by</dt><dd>${esc(doc.startedBy)}</dd></div>
    <div><dt>RTO</dt><dd class="${cls(doc.achievedRtoSeconds, doc.targets.rtoSeconds)}">${secs(doc.achievedRtoSeconds)} (target ${secs(doc.targets.rtoSeconds)})</dd></div>
    <div><dt>RPO</dt><dd class="${cls(doc.achievedRpoSeconds, doc.targets.rpoSeconds)}">${secs(doc.achievedRpoSeconds)} (target ${secs(doc.targets.rpoSeconds)})</dd></div>
    <div><dt>Source</dt><dd>${doc.source ? `${esc(doc.source.kind)} <code>${esc(truncate(doc.source.id, 80))}</code> at ${esc(doc.source.recoveryPointTime)}` : '—'}</dd></div>
    <div><dt>Target</dt><dd>${doc.target ? `${esc(doc.target.identifier)} ${esc(doc.target.engine)} ${esc(doc.target.engineVersion ?? '')}${doc.target.endpoint ? ` at ${esc(doc.target.endpoint)}` : ''}` : '—'}</dd></div>
    <div><dt>Cleanup</dt><dd class="${doc.cleanup.status === 'failed' ? 'bad' : ''}">${esc(doc.cleanup.status)}${doc.cleanup.message ? ` — ${esc(doc.cleanup.message)}` : ''}</dd></div>
    <div><dt>Tool</dt><dd>rxdr ${esc(doc.toolVersion)}, evidence v${doc.schemaVersion}</dd></div>
  </dl>
  ${doc.failureReason ? `<p class="reason bad"><strong>Failure${doc.failedStep ? ` (${esc(doc.failedStep)})` : ''}:</strong> ${esc(doc.failureReason)}</p>` : ''}
  <table class="checks"><caption>${doc.checks.length} checks, ${failed} failed</caption>
    <thead><tr><th>Check</th><th>Suite</th><th>Status</th><th>Result</th></tr></thead>
    <tbody>${doc.checks.map(checkRow).join('')}</tbody>
  </table>
</article>`;
}

function checkRow(check: EvidenceCheck): string {
  return `<tr class="check ${check.status}"><td><code>${esc(check.id)}</code></td><td>${esc(check.category)}</td><td><span class="status ${check.status}">${check.status === 'failed' || check.status === 'error' ? '✗ ' : check.status === 'passed' ? '✓ ' : ''}${esc(check.status)}</span></td><td>${esc(truncate(check.message, 400))}</td></tr>`;
}

function configurationTable(
  configuration: readonly ConfiguredDatabase[] | undefined,
  documents: readonly EvidenceDocument[],
): string {
  if (configuration && configuration.length > 0) {
    const tested = new Set(documents.map((d) => `${d.environment}/${d.database}`));
    return `<table class="config"><thead><tr><th>Environment</th><th>Database</th><th>Tier</th><th>RTO target</th><th>RPO target</th><th>DR pattern</th><th>Regions</th><th>Drill schedule</th><th>Evidence</th></tr></thead><tbody>${configuration
      .map(
        (c) =>
          `<tr><td>${esc(c.environment)}</td><td>${esc(c.database)}</td><td>${esc(c.tier)}</td><td>${secs(c.rtoSeconds)}</td><td>${secs(c.rpoSeconds)}</td><td>${esc(c.pattern ?? '—')}</td><td>${esc(c.regions ?? '—')}</td><td><code>${esc(c.drillSchedule ?? '—')}</code></td><td class="${tested.has(`${c.environment}/${c.database}`) ? 'good' : 'bad'}">${tested.has(`${c.environment}/${c.database}`) ? 'present' : 'no run yet'}</td></tr>`,
      )
      .join('')}</tbody></table>`;
  }
  const latest = new Map<string, EvidenceDocument>();
  for (const doc of documents) latest.set(`${doc.environment}/${doc.database}`, doc);
  if (latest.size === 0) return '<p class="empty">No configuration given (<code>--config</code>) and no evidence.</p>';
  return `<p>From the newest evidence of each database (pass <code>--config</code> to list the configured environments):</p><table class="config"><thead><tr><th>Environment</th><th>Database</th><th>Tier</th><th>RTO target</th><th>RPO target</th><th>Provider</th><th>Tool</th></tr></thead><tbody>${[
    ...latest.values(),
  ]
    .map(
      (d) =>
        `<tr><td>${esc(d.environment)}</td><td>${esc(d.database)}</td><td>${d.tier}</td><td>${secs(d.targets.rtoSeconds)}</td><td>${secs(d.targets.rpoSeconds)}</td><td>${esc(d.provider)}</td><td>rxdr ${esc(d.toolVersion)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k) ?? [];
    list.push(item);
    groups.set(k, list);
  }
  return groups;
}

function cls(achieved: number | undefined, target: number): string {
  if (achieved === undefined) return 'unknown';
  return achieved <= target ? 'good' : 'bad';
}

/** Seconds in the unit a person reads best. */
export function secs(value: number | undefined): string {
  if (value === undefined) return 'n/a';
  if (value < 60) return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} s`;
  if (value < 3600) return `${(value / 60).toFixed(1)} min`;
  return `${(value / 3600).toFixed(1)} h`;
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

function shortTime(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const CSS = `
:root { --good: #17663a; --good-bg: #e6f4ea; --bad: #a50e0e; --bad-bg: #fce8e6; --muted: #5f6368; --rto: #1a73e8; --rpo: #e37400; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #202124; margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; border-bottom: 2px solid #dadce0; padding-bottom: 4px; margin-top: 32px; } h3 { font-size: 15px; margin: 0 0 8px; }
.meta { color: var(--muted); margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e8eaed; vertical-align: top; }
th { background: #f1f3f4; font-weight: 600; }
caption { text-align: left; color: var(--muted); padding: 4px 0; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
.problems { background: var(--bad-bg); padding: 4px 16px; border-radius: 6px; }
.good { color: var(--good); } .bad { color: var(--bad); font-weight: 600; } .unknown { color: var(--muted); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 700; }
.badge.passed { background: var(--good-bg); color: var(--good); } .badge.failed { background: var(--bad-bg); color: var(--bad); }
tr.check.failed, tr.check.error { background: var(--bad-bg); } tr.check.failed td, tr.check.error td { color: var(--bad); }
.status.failed, .status.error { font-weight: 700; }
.run { border: 1px solid #dadce0; border-left: 6px solid var(--good); border-radius: 6px; padding: 12px 16px; margin: 16px 0; break-inside: avoid; }
.run.failed { border-left-color: var(--bad); }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 4px 16px; margin: 0 0 8px; }
.facts div { display: flex; gap: 6px; } .facts dt { color: var(--muted); min-width: 72px; } .facts dd { margin: 0; }
.reason { background: var(--bad-bg); padding: 8px 12px; border-radius: 4px; font-weight: 400; }
.chart { margin: 12px 0 20px; break-inside: avoid; } figcaption { color: var(--muted); margin-bottom: 4px; }
.key.rto { color: var(--rto); } .key.rpo { color: var(--rpo); }
svg .line { fill: none; stroke-width: 2; } svg .line.rto { stroke: var(--rto); } svg .line.rpo { stroke: var(--rpo); }
svg .dot.rto { fill: var(--rto); } svg .dot.rpo { fill: var(--rpo); } svg .dot.failed { stroke: var(--bad); stroke-width: 3; }
svg .target { stroke-dasharray: 6 4; stroke-width: 1.5; } svg .target.rto { stroke: var(--rto); } svg .target.rpo { stroke: var(--rpo); }
svg .target-label { font-size: 11px; } svg .target-label.rto { fill: var(--rto); } svg .target-label.rpo { fill: var(--rpo); }
svg .grid { stroke: #f1f3f4; } svg .axis-line { stroke: #9aa0a6; } svg .axis { font-size: 11px; fill: var(--muted); }
.empty { color: var(--muted); font-style: italic; }
@media print {
  body { padding: 0; max-width: none; font-size: 11px; }
  h2 { break-after: avoid; } .run, tr { break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
