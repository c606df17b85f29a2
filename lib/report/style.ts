/** The report's stylesheet, inline in the page (no external request). Print: no disclosure contents, no links' colour. */
export const REPORT_CSS = `
:root { --good: #17663a; --good-bg: #e6f4ea; --bad: #a50e0e; --bad-bg: #fce8e6; --warn-bg: #fef7e0; --muted: #5f6368; --drill: #1a73e8; --failover: #9334e6; --gameday: #b06000; }
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
svg .grid { stroke: #f1f3f4; } svg .axis-line { stroke: #9aa0a6; } svg .axis { font-size: 11px; fill: var(--muted); }
.empty { color: var(--muted); font-style: italic; }
.key.drill { color: var(--drill); } .key.failover { color: var(--failover); }
.panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 8px 16px; }
svg .line { fill: none; stroke-width: 2; } svg .line.drill { stroke: var(--drill); } svg .line.failover { stroke: var(--failover); stroke-dasharray: 2 3; }
svg .dot.drill { fill: var(--drill); } svg .dot.gameday, .gameday svg .dot { fill: var(--gameday); } svg .line.gameday { stroke: var(--gameday); } .key.gameday { color: var(--gameday); }
figure.gameday { border-left: 4px solid var(--gameday); padding-left: 8px; margin: 12px 0; } figure.gameday.failed { border-left-color: var(--bad); }
.gameday-details { display: flex; gap: 24px; flex-wrap: wrap; } .gameday-details h3 { font-size: 0.95em; margin: 4px 0; } svg .dot.failover { fill: var(--failover); } svg .dot.failed { stroke: var(--bad); stroke-width: 3; }
svg .target { stroke: var(--bad); stroke-dasharray: 6 4; stroke-width: 1.5; } svg .target-label { font-size: 11px; fill: var(--bad); }
svg .panel-title { font-size: 12px; font-weight: 600; fill: #202124; }
.problems li { margin: 4px 0; } .problems a { color: var(--bad); } .resolved { color: var(--muted); font-weight: 400; }
.no-problems { background: var(--good-bg); padding: 4px 16px; border-radius: 6px; }
.status-line { font-size: 16px; margin: 8px 0 0; }
table.coverage { table-layout: auto; } table.coverage th, table.coverage td { text-align: center; padding: 4px 3px; }
table.coverage th[scope=row], table.coverage td.cadence, table.coverage td.next-due { text-align: left; }
.coverage .year, .coverage .tier { color: var(--muted); font-size: 11px; font-weight: 400; }
.cell { font-weight: 700; min-width: 28px; display: inline-block; border-radius: 4px; text-align: center; }
td.cell { display: table-cell; }
.cell.passed { background: var(--good-bg); color: var(--good); } .cell.failed { background: var(--bad-bg); color: var(--bad); }
.cell.missing { background: var(--bad); color: #fff; } .cell.due { background: var(--warn-bg); color: #7a5c00; }
.cell.not-scheduled, .cell.before-first { color: var(--muted); } .cell.before-first { background: #f1f3f4; }
tr.coverage-row.overdue th[scope=row], tr.coverage-row.overdue td.next-due { background: var(--bad-bg); color: var(--bad); }
.failover-mark { color: var(--failover); font-weight: 700; margin-left: 1px; }
.legend { color: var(--muted); font-size: 12px; } .legend-item { margin-right: 12px; white-space: nowrap; }
.assumed { color: var(--muted); font-size: 11px; }
.checks .sentence { margin: 0; } .checks .suite { color: var(--muted); font-size: 11px; }
details summary { color: var(--muted); cursor: pointer; font-size: 12px; } details pre { background: #f8f9fa; padding: 6px; overflow-x: auto; font-size: 11px; }
@media (max-width: 700px) {
  body { padding: 10px; } .facts { grid-template-columns: 1fr; }
  .coverage-wrap { overflow-x: auto; }
}
@media print {
  body { padding: 0; max-width: none; font-size: 10px; }
  h2 { break-after: avoid; } .run, tr, .chart { break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  /* The printed report is the sentences and figures: raw detail stays in the HTML file. */
  details > :not(summary) { display: none !important; }
  details > summary { list-style: none; }
  details > summary::-webkit-details-marker { display: none; }
  details > summary::after { content: " (in the HTML file)"; }
  a { color: inherit; text-decoration: none; }
  .coverage-wrap { overflow: visible; }
}
`;
