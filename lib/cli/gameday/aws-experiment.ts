import {
  GetExperimentCommand,
  GetExperimentTemplateCommand,
  ListExperimentTemplatesCommand,
  StartExperimentCommand,
  StopExperimentCommand,
  type ExperimentTemplate,
} from '@aws-sdk/client-fis';
import { GAMEDAY_RUN_TAG } from '../../../engines/gameday/journal';
import type { ExperimentObservation, ExperimentState } from '../../../engines/gameday/observations';
import type { GameDayScenario } from '../../config/gameday';
import type { EnvironmentConfig } from '../../config/environment-config';
import { awsUsageError, type CliClients } from '../aws';
import { UsageError } from '../errors';

/** The FIS side of a game day: the scenario's template (found by its tags), starting, reading and stopping. */

/** Scenarios whose template lives in the primary region; the others run in the recovery region. */
const PRIMARY_REGION_SCENARIOS: readonly GameDayScenario[] = ['primary-instance-failure', 'primary-region-unreachable'];

export function scenarioRegion(env: EnvironmentConfig, scenario: GameDayScenario): string {
  return PRIMARY_REGION_SCENARIOS.includes(scenario) ? env.primaryRegion : env.recoveryRegion;
}

/** The deployed template of the scenario (its `Name` tag is `rxdr-<env>-<scenario>`), with targets and actions. */
export async function findTemplate(
  fis: CliClients['fis'],
  env: EnvironmentConfig,
  scenario: GameDayScenario,
  region: string,
): Promise<ExperimentTemplate> {
  const name = `rxdr-${env.name}-${scenario}`;
  let token: string | undefined;
  try {
    do {
      const page = await fis.send(new ListExperimentTemplatesCommand({ nextToken: token, maxResults: 100 }));
      const found = (page.experimentTemplates ?? []).find((t) => t.tags?.Name === name);
      if (found?.id) {
        const full = await fis.send(new GetExperimentTemplateCommand({ id: found.id }));
        if (full.experimentTemplate) return full.experimentTemplate;
      }
      token = page.nextToken;
    } while (token);
  } catch (error) {
    throw awsUsageError(error, { region });
  }
  throw new UsageError(
    `no experiment template "${name}" in ${region} (account ${env.account}): deploy the environment's stacks with game days enabled (gameDays in config/rxdr.config.json), or check --env`,
  );
}

/** Start the experiment; the run id is the client token, so a repeated start returns the same experiment. */
export async function startExperiment(
  fis: CliClients['fis'],
  templateId: string,
  runId: string,
  region: string,
): Promise<string> {
  try {
    const out = await fis.send(
      new StartExperimentCommand({
        experimentTemplateId: templateId,
        clientToken: runId,
        tags: { [GAMEDAY_RUN_TAG]: runId },
      }),
    );
    if (!out.experiment?.id) throw new Error('FIS started no experiment (no id in the answer)');
    return out.experiment.id;
  } catch (error) {
    throw awsUsageError(error, { region });
  }
}

export async function readExperiment(fis: CliClients['fis'], id: string): Promise<ExperimentObservation> {
  const out = await fis.send(new GetExperimentCommand({ id }));
  const experiment = out.experiment;
  const actionStarts = Object.values(experiment?.actions ?? {})
    .flatMap((a) => (a.startTime ? [a.startTime.toISOString()] : []))
    .sort();
  const faultAt = actionStarts[0] ?? experiment?.startTime?.toISOString();
  return {
    id,
    state: (experiment?.state?.status ?? 'pending') as ExperimentState,
    ...(experiment?.state?.reason ? { reason: experiment.state.reason } : {}),
    ...(faultAt ? { faultAt } : {}),
    ...(experiment?.endTime ? { endedAt: experiment.endTime.toISOString() } : {}),
  };
}

/** Stop a running experiment; one that already ended is left alone (FIS answers a conflict). */
export async function stopExperiment(fis: CliClients['fis'], id: string): Promise<boolean> {
  try {
    await fis.send(new StopExperimentCommand({ id }));
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'ConflictException') return false;
    throw error;
  }
}
