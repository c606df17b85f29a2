import type { EvidenceCheck, EvidenceDocument } from '../../engines/evidence/schema';
import { escapeHtml as esc } from '../html';
import { checkSentence } from './check-sentences';
import { secs, truncate } from './format';

/** One run: its facts, why it failed, and every check as a sentence with the raw detail behind a disclosure. */
export function runSection(doc: EvidenceDocument): string {
  const failed = doc.checks.filter((c) => c.status === 'failed' || c.status === 'error').length;
  return `<article class="run ${doc.result}" id="run-${esc(doc.runId)}">
  <h3><span class="badge ${doc.result}">${doc.result.toUpperCase()}</span> ${esc(doc.kind)} · ${esc(doc.environment)} / ${esc(doc.database)} · ${esc(doc.timestamps.started)}</h3>
  <dl class="facts">
    <div><dt>Run</dt><dd><code>${esc(doc.runId)}</code> (${esc(doc.provider)})</dd></div>
    <div><dt>Started by</dt><dd>${esc(doc.startedBy)}</dd></div>
    <div><dt>RTO</dt><dd class="${cls(doc.achievedRtoSeconds, doc.targets.rtoSeconds)}">${secs(doc.achievedRtoSeconds)} (target ${secs(doc.targets.rtoSeconds)})</dd></div>
    <div><dt>RPO</dt><dd class="${cls(doc.achievedRpoSeconds, doc.targets.rpoSeconds)}">${secs(doc.achievedRpoSeconds)} (target ${secs(doc.targets.rpoSeconds)})</dd></div>
    <div><dt>Source</dt><dd>${sourceFact(doc)}</dd></div>
    <div><dt>Target</dt><dd>${targetFact(doc)}</dd></div>
    <div><dt>Cleanup</dt><dd class="${doc.cleanup.status === 'failed' ? 'bad' : ''}">${esc(doc.cleanup.status)}${doc.cleanup.message ? ` — ${esc(doc.cleanup.message)}` : ''}</dd></div>
    <div><dt>Tool</dt><dd>rxdr ${esc(doc.toolVersion)}, evidence v${doc.schemaVersion}</dd></div>
  </dl>
  ${doc.failureReason ? `<p class="reason bad"><strong>Failure${doc.failedStep ? ` (${esc(doc.failedStep)})` : ''}:</strong> ${esc(doc.failureReason)}</p>` : ''}
  <table class="checks"><caption>${doc.checks.length} checks, ${failed} failed</caption>
    <thead><tr><th>Check</th><th>Status</th><th>Result</th></tr></thead>
    <tbody>${doc.checks.map(checkRow).join('')}</tbody>
  </table>
</article>`;
}

function checkRow(check: EvidenceCheck): string {
  const bad = check.status === 'failed' || check.status === 'error';
  const raw = JSON.stringify({ message: check.message, ...check.details }, null, 2);
  return (
    `<tr class="check ${check.status}"><td><code>${esc(check.id)}</code><br><span class="suite">` +
    `${esc(check.category)}</span></td><td><span class="status ${check.status}">` +
    `${bad ? '✗ ' : check.status === 'passed' ? '✓ ' : ''}${esc(check.status)}</span></td><td><p ` +
    `class="sentence">${esc(checkSentence(check))}</p><details><summary>raw detail</summary><pre>` +
    `${esc(truncate(raw, 4000))}</pre></details></td></tr>`
  );
}

export function cls(achieved: number | undefined, target: number): string {
  if (achieved === undefined) return 'unknown';
  return achieved <= target ? 'good' : 'bad';
}

function sourceFact(doc: EvidenceDocument): string {
  if (!doc.source) return '—';
  const id = esc(truncate(doc.source.id, 80));
  return `${esc(doc.source.kind)} <code>${id}</code> at ${esc(doc.source.recoveryPointTime)}`;
}

function targetFact(doc: EvidenceDocument): string {
  if (!doc.target) return '—';
  const at = doc.target.endpoint ? ` at ${esc(doc.target.endpoint)}` : '';
  return `${esc(doc.target.identifier)} ${esc(doc.target.engine)} ${esc(doc.target.engineVersion ?? '')}${at}`;
}
