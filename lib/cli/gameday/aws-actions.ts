import type { Command } from 'commander';
import { S3EvidenceStore } from '../../../engines/evidence/store';
import { S3GameDayJournal } from '../../../engines/gameday/journal-store';
import type { GameDayJournal } from '../../../engines/gameday/journal';
import { EXPERIMENT_DONE, type GameDayObservations } from '../../../engines/gameday/observations';
import { gameDayEvidence, participationRecords, type ScoredDatabase } from '../../../engines/gameday/scorecard';
import { buildTimeline, recoveringFailover } from '../../../engines/gameday/timeline';
import { S3PeopleStore } from '../../../engines/readiness/people-store';
import { GAME_DAY_SCENARIOS, gameDayScenarios, type GameDayScenario } from '../../config/gameday';
import type { EnvironmentConfig } from '../../config/environment-config';
import { tierNumber } from '../../config/tiers';
import { names } from '../../naming';
import { awsUsageError, callerIdentity, cliRuntime, resolveTarget, type AwsFlags, type AwsTarget } from '../aws';
import type { CliContext } from '../context';
import { ExitCode, UsageError } from '../errors';
import { callGateway } from '../runbook-gateway';
import { checkBaseline } from './aws-baseline';
import { findTemplate, readExperiment, scenarioRegion, startExperiment, stopExperiment } from './aws-experiment';
import { alarmPrefixes, readAlarms, readRuns } from './aws-runs';
import { renderPlan, renderTimeline } from './render';
import { withdrawVaultDeclaration } from './aws-vault-declaration';

/**
 * `rxdr gameday plan|start|status|end` against AWS. The game day's own state is its journal in the evidence
 * bucket; everything else is read from its source each time, so any command can be run again after an
 * interruption and picks up where the game day is.
 */
interface GameDayFlags extends AwsFlags {
  scenario?: string;
  lesson?: string[];
}

function scenarioOf(env: EnvironmentConfig, value: string | undefined): GameDayScenario {
  const enabled = gameDayScenarios(env);
  if (enabled.length === 0)
    throw new UsageError(
      `game days are not enabled in ${env.name}: set gameDays.enabled in config/rxdr.config.json (production also needs allowProduction and secondApprover)`,
    );
  if (!value) throw new UsageError(`--scenario <name> is required; enabled in ${env.name}: ${enabled.join(', ')}`);
  if (!(GAME_DAY_SCENARIOS as readonly string[]).includes(value) || !enabled.includes(value as GameDayScenario))
    throw new UsageError(`unknown or disabled scenario "${value}" in ${env.name}; enabled: ${enabled.join(', ')}`);
  return value as GameDayScenario;
}

function journalOf(target: AwsTarget): S3GameDayJournal {
  return new S3GameDayJournal(target.clients.s3, names.evidenceBucket(target.env), target.env.name);
}

function regionTarget(target: AwsTarget, region: string, profile?: string): AwsTarget {
  if (region === target.region) return target;
  return { ...target, region, clients: cliRuntime.clients({ region, ...(profile ? { profile } : {}) }) };
}

function rootVersion(command: Command): string {
  let root = command;
  while (root.parent) root = root.parent;
  return root.version() ?? 'unknown';
}

export async function planGameDay(context: CliContext, command: Command): Promise<void> {
  const flags = command.optsWithGlobals() as GameDayFlags;
  const target = resolveTarget(flags);
  const scenario = scenarioOf(target.env, flags.scenario);
  const region = scenarioRegion(target.env, scenario);
  const template = await findTemplate(
    regionTarget(target, region, flags.profile).clients.fis,
    target.env,
    scenario,
    region,
  );
  const plan = renderPlan(target.env, scenario, region, template);
  context.io.out(flags.json ? JSON.stringify(plan.json, null, 2) : plan.text);
  context.exitCode = ExitCode.Ok;
}

export async function startGameDay(context: CliContext, command: Command): Promise<void> {
  const flags = command.optsWithGlobals() as GameDayFlags;
  const target = resolveTarget(flags);
  const scenario = scenarioOf(target.env, flags.scenario);
  const region = scenarioRegion(target.env, scenario);
  const scenarioTarget = regionTarget(target, region, flags.profile);
  const person = await callerIdentity(target, flags.profile);
  const journal = journalOf(target);
  const open = await readJournal(() => journal.open(), target, flags.profile);
  if (open?.started.experimentId)
    throw new UsageError(
      `a game day is already in progress in ${target.env.name}: ${open.started.runId} (${open.started.scenario}, started ${open.started.at} by ${open.started.startedBy}); follow it with \`rxdr gameday status --env ${target.env.name}\` or finish it with \`rxdr gameday end --env ${target.env.name} --lesson "<what you learned>"\``,
    );
  if (open && open.started.scenario !== scenario)
    throw new UsageError(
      `the interrupted game day ${open.started.runId} was for ${open.started.scenario}: resume it with --scenario ${open.started.scenario}, or end it`,
    );
  const template = await findTemplate(scenarioTarget.clients.fis, target.env, scenario, region);
  const now = new Date().toISOString();
  const started = open?.started ?? {
    entry: 'started' as const,
    runId: `gameday-${scenario}-${now.replace(/[:.]/g, '-')}`.slice(0, 80),
    environment: target.env.name,
    scenario,
    startedBy: person,
    at: now,
    region,
    experimentTemplateId: template.id ?? '',
    toolVersion: rootVersion(command),
  };
  // The journal first: an experiment never runs without a record of who started it and why.
  if (!open) await write(() => journal.append(started), target, flags.profile, 'game-day journal');
  else context.io.err(`resuming the start of ${started.runId}`);
  const experimentId = await startExperiment(
    scenarioTarget.clients.fis,
    started.experimentTemplateId,
    started.runId,
    region,
  );
  await write(
    () => journal.append({ ...started, experimentId, at: new Date().toISOString() }),
    target,
    flags.profile,
    'game-day journal',
  );
  const result = { runId: started.runId, scenario, experimentId, startedBy: person, region };
  if (flags.json) context.io.out(JSON.stringify(result, null, 2));
  else
    context.io.out(
      `game day ${started.runId} started by ${person}: experiment ${experimentId} (${scenario}) in ${region}\n` +
        `the on-call engineer now works from the alarms and the failover runbook; follow with \`rxdr gameday status --env ${target.env.name}\``,
    );
  context.exitCode = ExitCode.Ok;
}

export async function gameDayStatus(context: CliContext, command: Command): Promise<void> {
  const flags = command.optsWithGlobals() as GameDayFlags;
  const target = resolveTarget(flags);
  await callerIdentity(target, flags.profile);
  const journal = await requireOpen(target, flags.profile);
  const observations = await observe(target, journal, flags.profile);
  const timeline = buildTimeline(observations);
  if (flags.json)
    context.io.out(
      JSON.stringify(
        { runId: journal.started.runId, scenario: journal.started.scenario, observations, timeline },
        null,
        2,
      ),
    );
  else context.io.out(renderTimeline(journal, observations, timeline));
  context.exitCode = ExitCode.Ok;
}

export async function endGameDay(context: CliContext, command: Command): Promise<void> {
  const flags = command.optsWithGlobals() as GameDayFlags;
  const lessons = (flags.lesson ?? []).map((l) => l.trim()).filter((l) => l.length > 0);
  const target = resolveTarget(flags);
  const person = await callerIdentity(target, flags.profile);
  const journal = await requireOpen(target, flags.profile);
  if (lessons.length === 0 && !journal.endings.some((e) => e.lessons.length > 0))
    throw new UsageError(
      'what did the game day teach? pass --lesson "<text>" (repeat it for several): the lessons are part of the evidence',
    );
  const store = journalOf(target);
  const scenarioTarget = regionTarget(target, journal.started.region, flags.profile);
  let stoppedExperiment = false;
  if (journal.started.experimentId) {
    const experiment = await readExperiment(scenarioTarget.clients.fis, journal.started.experimentId);
    if (!EXPERIMENT_DONE.includes(experiment.state))
      stoppedExperiment = await stopExperiment(scenarioTarget.clients.fis, experiment.id);
    if (stoppedExperiment) context.io.err(`stopped the experiment ${experiment.id}`);
  }
  if (declaresVaultLost(journal) && (await withdrawVaultDeclaration(target)).found)
    context.io.err(
      `withdrew the declaration that the recovery vault is lost (${names.gameDayVaultLostParameter(target.env)})`,
    );
  const runs = await readRuns(target, journal.started.at, { drills: declaresVaultLost(journal) });
  const failbackExecutionArn = await failBackIfNeeded(context, target, journal, runs, flags.profile);
  await write(
    () =>
      store.append({
        entry: 'ending',
        runId: journal.started.runId,
        by: person,
        at: new Date().toISOString(),
        lessons,
        stoppedExperiment,
        ...(failbackExecutionArn ? { failbackExecutionArn } : {}),
      }),
    target,
    flags.profile,
    'game-day journal',
  );
  const ended = await requireOpen(target, flags.profile);
  const observations = await observe(target, ended, flags.profile);
  const baseline = observations.baseline;
  if (!baseline?.ok) {
    context.io.out(
      [
        `game day ${journal.started.runId} is not back at its baseline yet:`,
        ...(baseline?.problems ?? []).map((p) => `  ✗ ${p}`),
        `run \`rxdr gameday end --env ${target.env.name}\` again once these are done: the game day stays open until then`,
      ].join('\n'),
    );
    context.exitCode = ExitCode.Failed;
    return;
  }
  const doc = gameDayEvidence({
    journal: ended,
    observations: { ...observations, baseline },
    databases: scoredDatabases(target.env),
    roster: [...target.env.onCall.engineers, ...target.env.onCall.approvers],
    endedBy: person,
    now: new Date(),
    toolVersion: rootVersion(command),
  });
  const bucket = names.evidenceBucket(target.env);
  const location = await write(
    () => new S3EvidenceStore(target.clients.s3, bucket, 'gameday').put(doc),
    target,
    flags.profile,
    'game-day evidence',
  );
  const people = new S3PeopleStore(target.clients.s3, bucket);
  for (const record of participationRecords(doc))
    await write(() => people.put(record), target, flags.profile, 'participation record');
  await write(
    () =>
      store.append({
        entry: 'ended',
        runId: doc.runId,
        by: person,
        at: new Date().toISOString(),
        evidenceLocation: location,
      }),
    target,
    flags.profile,
    'game-day journal',
  );
  if (flags.json) context.io.out(JSON.stringify({ ...doc, location }, null, 2));
  else
    context.io.out(
      `${renderTimeline(ended, observations, buildTimeline(observations))}\n${doc.result.toUpperCase()}${doc.failureReason ? `: ${doc.failureReason}` : ''}\nevidence: ${location}`,
    );
  context.exitCode = doc.result === 'passed' ? ExitCode.Ok : ExitCode.Failed;
}

/** A failover this game day made that nothing has failed back yet: start the failback (it waits for approval). */
async function failBackIfNeeded(
  context: CliContext,
  target: AwsTarget,
  journal: GameDayJournal,
  runs: GameDayObservations['runs'],
  profile?: string,
): Promise<string | undefined> {
  const failover = recoveringFailover(runs);
  if (!failover || failover.status !== 'SUCCEEDED' || !failover.database) return undefined;
  const back = runs.some(
    (r) =>
      r.operation === 'failback' &&
      !r.dryRun &&
      r.database === failover.database &&
      r.startedAt > failover.startedAt &&
      (r.status === 'RUNNING' || r.status === 'SUCCEEDED'),
  );
  if (back) return undefined;
  const name = `failback-${failover.database}-${new Date().toISOString().replace(/[:.]/g, '-')}`.slice(0, 80);
  const started = await callGateway(
    target,
    {
      action: 'start',
      operation: 'failback',
      name,
      input: { database: failover.database, reason: `game day ${journal.started.runId} ends: back to the baseline` },
    },
    profile,
  );
  const arn = String(started.executionArn);
  context.io.err(
    `started the failback ${name} to bring ${failover.database} back: an approver runs \`rxdr failback approve --env ${target.env.name} --execution ${name}\``,
  );
  return arn;
}

async function observe(target: AwsTarget, journal: GameDayJournal, profile?: string): Promise<GameDayObservations> {
  const now = new Date();
  const scenarioTarget = regionTarget(target, journal.started.region, profile);
  const primary = regionTarget(target, target.env.primaryRegion, profile);
  const experiment = journal.started.experimentId
    ? await readExperiment(scenarioTarget.clients.fis, journal.started.experimentId)
    : undefined;
  const prefixes = alarmPrefixes(target);
  const [runs, primaryAlarms, recoveryAlarms] = await Promise.all([
    readRuns(target, journal.started.at, { drills: declaresVaultLost(journal) }),
    readAlarms(primary.clients.cloudwatch, prefixes, journal.started.at, now),
    primary === target ? Promise.resolve([]) : readAlarms(target.clients.cloudwatch, prefixes, journal.started.at, now),
  ]);
  // After an end: is the declaration gone? (Asked by withdrawing it again: see aws-vault-declaration.ts.)
  const declaration =
    declaresVaultLost(journal) && journal.endings.length > 0 ? await withdrawVaultDeclaration(target) : undefined;
  const baseline =
    journal.endings.length > 0 ? await checkBaseline(primary, experiment, runs, now, declaration) : undefined;
  return {
    ...(experiment ? { experiment } : {}),
    alarms: [...primaryAlarms, ...recoveryAlarms],
    runs,
    ...(baseline ? { baseline } : {}),
  };
}

/** The isolated-copy scenario declares the recovery vault lost; the on-call engineer answers with a restore drill. */
function declaresVaultLost(journal: GameDayJournal): boolean {
  return journal.started.scenario === 'isolated-copy-restore';
}

function scoredDatabases(env: EnvironmentConfig): ScoredDatabase[] {
  return env.databases.map((db) => ({
    name: db.name,
    tier: tierNumber(db.tierPreset.drPattern),
    tierName: db.tier,
    rtoSeconds: db.tierPreset.rtoMinutes * 60,
    rpoSeconds: db.tierPreset.rpoMinutes * 60,
  }));
}

async function requireOpen(target: AwsTarget, profile?: string): Promise<GameDayJournal> {
  const open = await readJournal(() => journalOf(target).open(), target, profile);
  if (!open)
    throw new UsageError(
      `no game day in progress in ${target.env.name}: plan one with \`rxdr gameday plan --env ${target.env.name} --scenario <name>\``,
    );
  return open;
}

async function readJournal<T>(read: () => Promise<T>, target: AwsTarget, profile?: string): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw awsUsageError(error, target, profile);
  }
}

/** A record that cannot be written fails the command (exit 1; credentials and network: exit 2). */
async function write<T>(
  put: () => Promise<T>,
  target: AwsTarget,
  profile: string | undefined,
  what: string,
): Promise<T> {
  try {
    return await put();
  } catch (error) {
    const mapped = awsUsageError(error, target, profile);
    if (mapped instanceof UsageError) throw mapped;
    throw new GameDayWriteError(`${what} NOT written: ${mapped.message}`);
  }
}

export class GameDayWriteError extends Error {
  readonly exitCode = ExitCode.Failed;
  constructor(message: string) {
    super(message);
    this.name = 'GameDayWriteError';
  }
}
