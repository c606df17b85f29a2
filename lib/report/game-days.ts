import type { EvidenceDocument } from '../../engines/evidence/schema';
import { escapeHtml as esc } from '../html';
import { day, secs, shortTime } from './format';

/**
 * Game days in the report: one timeline picture per game day (each milestone placed by its time since the fault
 * was injected), who took part, what needed a retry or a person's override, the lessons, and the trend of
 * time-to-recover across game days against the tier's RTO.
 */
const WIDTH = 760;
const HEIGHT = 96;
const PAD = { left: 16, right: 16 };

export function gameDaySection(documents: readonly EvidenceDocument[]): string {
  const gameDays = documents
    .filter((d): d is GameDayDocument => d.kind === 'gameday' && d.gameDay !== undefined)
    .sort((a, b) => b.timestamps.started.localeCompare(a.timestamps.started));
  if (gameDays.length === 0) return '';
  return `<section id="gamedays" aria-labelledby="gamedays-h">
  <h2 id="gamedays-h">Game days</h2>
  ${trend(gameDays)}
  ${gameDays.map(gameDayFigure).join('\n')}
</section>`;
}

type GameDayDocument = EvidenceDocument & { gameDay: NonNullable<EvidenceDocument['gameDay']> };

function gameDayFigure(doc: GameDayDocument): string {
  const record = doc.gameDay;
  const reached = record.timeline.filter((m) => m.sinceFaultSeconds !== undefined);
  const span = Math.max(...reached.map((m) => m.sinceFaultSeconds ?? 0), 60);
  const x = (s: number) => PAD.left + (s / span) * (WIDTH - PAD.left - PAD.right);
  const marks = reached
    .map((m, i) => {
      const px = x(m.sinceFaultSeconds ?? 0).toFixed(1);
      const labelY = i % 2 === 0 ? 30 : 80;
      return `<g class="milestone" data-milestone="${esc(m.name)}" data-since-fault="${m.sinceFaultSeconds}"><line class="tick" x1="${px}" x2="${px}" y1="46" y2="62"/><circle class="dot" cx="${px}" cy="54" r="5"><title>${esc(m.name)} +${secs(m.sinceFaultSeconds)} (${esc(m.at ?? '')})</title></circle><text class="axis" x="${px}" y="${labelY}" text-anchor="middle">${esc(m.name)} +${secs(m.sinceFaultSeconds)}</text></g>`;
    })
    .join('');
  const missing = record.timeline.filter((m) => m.sinceFaultSeconds === undefined).map((m) => m.name);
  const people = record.participants
    .map((p) => `<li>${esc(p.role)}: ${esc(p.name ?? p.person)} <code>${esc(p.person)}</code></li>`)
    .join('');
  const interventions = record.interventions.map((i) => `<li>${esc(i.kind)}: ${esc(i.detail)}</li>`).join('');
  const lessons = record.lessons.map((l) => `<li>${esc(l)}</li>`).join('');
  return `<figure class="gameday ${doc.result}" data-run="${esc(doc.runId)}" data-scenario="${esc(record.scenario)}">
  <figcaption><strong>${esc(record.scenario)}</strong> in ${esc(doc.environment)} on ${esc(day(doc.timestamps.started))} — ${esc(doc.result)}${doc.failureReason ? `: ${esc(doc.failureReason)}` : ''}; time to recover ${secs(record.timeToRecoverSeconds)} (RTO target ${secs(doc.targets.rtoSeconds)})${record.endedEarly ? '; ended early' : ''}</figcaption>
  <svg class="timeline" role="img" aria-label="Timeline of the game day ${esc(doc.runId)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" preserveAspectRatio="xMidYMid meet">
    <line class="axis-line" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="54" y2="54"/>${marks}
  </svg>
  ${missing.length ? `<p class="meta">Not reached: ${esc(missing.join(', '))}</p>` : ''}
  <div class="gameday-details">
    <div><h3>Who took part</h3><ul>${people}</ul></div>
    <div><h3>Retries and overrides</h3>${interventions ? `<ul>${interventions}</ul>` : '<p class="empty">none</p>'}</div>
    <div><h3>Lessons</h3><ul>${lessons}</ul></div>
  </div>
</figure>`;
}

/** Time to recover per game day, oldest to newest, with the RTO target of the strictest one drawn dashed. */
function trend(gameDays: readonly GameDayDocument[]): string {
  const points = [...gameDays]
    .reverse()
    .flatMap((d) =>
      d.gameDay.timeToRecoverSeconds === undefined ? [] : [{ doc: d, value: d.gameDay.timeToRecoverSeconds }],
    );
  if (points.length === 0) return '';
  const height = 160;
  const target = Math.min(...points.map((p) => p.doc.targets.rtoSeconds));
  const max = Math.max(target, ...points.map((p) => p.value)) * 1.15;
  const y = (v: number) => 14 + (1 - v / max) * (height - 48);
  const x = (i: number) => 60 + (points.length === 1 ? 0.5 : i / (points.length - 1)) * (WIDTH - 90);
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const dots = points
    .map(
      (p, i) =>
        `<circle class="dot gameday ${p.doc.result}" data-run="${esc(p.doc.runId)}" data-value="${p.value}" cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="4"><title>${secs(p.value)} — ${esc(p.doc.gameDay.scenario)} ${esc(shortTime(p.doc.timestamps.started))} UTC</title></circle><text class="axis" x="${x(i).toFixed(1)}" y="${height - 8}" text-anchor="middle">${esc(day(p.doc.timestamps.started))}</text>`,
    )
    .join('');
  return `<figure class="chart gameday-trend">
  <figcaption>Time to recover per game day (fault injected → service verified); RTO target ${secs(target)} dashed</figcaption>
  <svg class="panel ttr" role="img" aria-label="Time to recover across game days" viewBox="0 0 ${WIDTH} ${height}" width="100%" preserveAspectRatio="xMidYMid meet">
    <line class="target" x1="60" x2="${WIDTH - 16}" y1="${y(target).toFixed(1)}" y2="${y(target).toFixed(1)}"/>
    <path class="line gameday" d="${path}"/>${dots}
  </svg>
</figure>`;
}
