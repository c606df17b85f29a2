import type { ExperimentTemplate } from '@aws-sdk/client-fis';
import type { GameDayJournal } from '../../../engines/gameday/journal';
import type { GameDayObservations } from '../../../engines/gameday/observations';
import type { Milestone } from '../../../engines/gameday/timeline';
import type { EnvironmentConfig } from '../../config/environment-config';
import type { GameDayScenario } from '../../config/gameday';

/** What `rxdr gameday plan` shows: the deployed template's targets, actions and stop conditions, and who takes part. */
export function renderPlan(
  env: EnvironmentConfig,
  scenario: GameDayScenario,
  region: string,
  template: ExperimentTemplate,
): { text: string; json: Record<string, unknown> } {
  const targets = Object.entries(template.targets ?? {}).map(([name, t]) => ({
    name,
    resourceType: t.resourceType ?? '',
    tags: t.resourceTags ?? {},
    filters: (t.filters ?? []).map((f) => `${f.path ?? ''} = ${(f.values ?? []).join('|')}`),
  }));
  const actions = Object.entries(template.actions ?? {}).map(([name, a]) => ({
    name,
    actionId: a.actionId ?? '',
    parameters: a.parameters ?? {},
  }));
  const stopConditions = (template.stopConditions ?? []).map((s) => s.value ?? s.source ?? '');
  const json = {
    environment: env.name,
    scenario,
    region,
    experimentTemplateId: template.id,
    description: template.description,
    durationMinutes: env.gameDays.durationMinutes,
    targets,
    actions,
    stopConditions,
    participants: {
      engineers: env.onCall.engineers,
      approvers: env.onCall.approvers,
      ...(env.gameDays.secondApprover ? { secondApprover: env.gameDays.secondApprover } : {}),
    },
  };
  const lines = [
    `game day ${scenario} in ${env.name} (${region}), template ${template.id ?? '?'}`,
    `  ${template.description ?? ''}`,
    `  duration: at most ${env.gameDays.durationMinutes} min`,
    '  targets (by tag only):',
    ...targets.map(
      (t) =>
        `    - ${t.name}: ${t.resourceType} tagged ${Object.entries(t.tags)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}${t.filters.length ? `; ${t.filters.join('; ')}` : ''}`,
    ),
    '  actions:',
    ...actions.map((a) => `    - ${a.name}: ${a.actionId} ${JSON.stringify(a.parameters)}`),
    '  stops when any of these alarms fires:',
    ...stopConditions.map((s) => `    - ${s}`),
    '  who takes part (each identified by their verified AWS identity):',
    ...env.onCall.engineers.map((p) => `    - engineer ${p.name} (${p.arn}): runs the failover runbook`),
    ...env.onCall.approvers.map((p) => `    - approver ${p.name} (${p.arn}): approves it`),
    ...(env.gameDays.secondApprover ? [`    - second approver ${env.gameDays.secondApprover}`] : []),
    ...(env.onCall.engineers.length + env.onCall.approvers.length === 0
      ? ['    (no on-call roster configured: onCall.engineers, onCall.approvers)']
      : []),
    `start it with: rxdr gameday start --env ${env.name} --scenario ${scenario}`,
  ];
  return { text: lines.join('\n'), json };
}

/** The timeline so far: each milestone with its time since the fault and where the time comes from. */
export function renderTimeline(
  journal: GameDayJournal,
  observations: GameDayObservations,
  timeline: readonly Milestone[],
): string {
  const lines = [
    `game day ${journal.started.runId} (${journal.started.scenario}), started ${journal.started.at} by ${journal.started.startedBy}`,
    `  experiment: ${observations.experiment ? `${observations.experiment.id} ${observations.experiment.state}` : 'not started'}`,
  ];
  for (const m of timeline)
    lines.push(
      m.at
        ? `  ✓ ${m.name.padEnd(22)} ${m.at}  +${(m.sinceFaultSeconds ?? 0).toFixed(0).padStart(6)} s  ${m.detail ?? ''}`
        : `  · ${m.name.padEnd(22)} not yet`,
    );
  for (const p of observations.baseline?.problems ?? []) lines.push(`  ✗ ${p}`);
  return lines.join('\n');
}
