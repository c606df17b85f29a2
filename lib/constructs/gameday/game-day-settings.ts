import { GAME_DAY_MAX_MINUTES, GAME_DAY_SCENARIOS, GameDayScenario } from '../../config/gameday';

/** What every game-day construct takes: the environment, its scenarios and the bound of every fault. */
export interface GameDaySettings {
  /** Environment name: the target tag's value, resource names and descriptions. */
  readonly environmentName: string;
  /** The scenarios to build; each construct builds only those that run in its region. */
  readonly scenarios: readonly GameDayScenario[];
  /**
   * Upper bound of every fault, in minutes (at most 720).
   * @default 30
   */
  readonly durationMinutes?: number;
  /** RDS identifiers of the environment's primary instances: the only instances a game day may name. */
  readonly databaseIdentifiers: readonly string[];
  /**
   * Identifiers of the environment's primary Aurora clusters: the only clusters a game day may name (and fail over).
   * @default none
   */
  readonly clusterIdentifiers?: readonly string[];
}

export const DEFAULT_GAME_DAY_MINUTES = 30;

/** Every problem with the shared settings, each naming the value received (empty when there is none). */
export function gameDaySettingsProblems(props: GameDaySettings, own: readonly GameDayScenario[]): string[] {
  const problems: string[] = [];
  if (props.environmentName.trim() === '')
    problems.push(`environmentName: a non-empty name, got ${JSON.stringify(props.environmentName)}`);
  for (const scenario of props.scenarios) {
    if (!GAME_DAY_SCENARIOS.includes(scenario))
      problems.push(`scenarios: one of ${GAME_DAY_SCENARIOS.join(', ')}, got ${JSON.stringify(scenario)}`);
    else if (!own.includes(scenario))
      problems.push(`scenarios: this construct builds ${own.join(' and ')}, got ${scenario}`);
  }
  const minutes = props.durationMinutes;
  if (minutes !== undefined && !(Number.isInteger(minutes) && minutes > 0 && minutes <= GAME_DAY_MAX_MINUTES))
    problems.push(`durationMinutes: a whole number of minutes from 1 to ${GAME_DAY_MAX_MINUTES}, got ${minutes}`);
  return problems;
}
