import { isCluster, isInstance } from '../config/database-kind';
import { EnvironmentConfig } from '../config/environment-config';
import { gameDayScenarios } from '../config/gameday';
import type { GameDaySettings } from '../constructs/gameday/game-day-settings';
import type { PrimaryGameDaysProps } from '../constructs/gameday/primary-game-days';
import type { RecoveryGameDaysProps } from '../constructs/gameday/recovery-game-days';
import { names } from '../naming';

const PRIMARY = ['primary-instance-failure', 'primary-region-unreachable'];

/** The settings both regions share, with the scenarios of one region. */
function gameDaySettings(config: EnvironmentConfig, primaryRegion: boolean): GameDaySettings {
  return {
    environmentName: config.name,
    scenarios: gameDayScenarios(config).filter((scenario) => PRIMARY.includes(scenario) === primaryRegion),
    durationMinutes: config.gameDays.durationMinutes,
    // The RDS identifiers of the environment's primary instances and clusters: the only databases a game day may name.
    databaseIdentifiers: config.databases.filter(isInstance).map((db) => names.primaryInstance(config, db)),
    clusterIdentifiers: config.databases.filter(isCluster).map((db) => names.primaryCluster(config, db)),
  };
}

/** The primary-region game days of an environment (without the topic, instances and clusters the stack holds). */
export function primaryGameDayProps(
  config: EnvironmentConfig,
): Omit<PrimaryGameDaysProps, 'alertsTopic' | 'instances' | 'clusters'> {
  return {
    ...gameDaySettings(config, true),
    vaultName: names.primaryVault(config),
    instanceFailure: config.gameDays.instanceFailure,
    applicationSubnetIds: config.gameDays.applicationSubnetIds,
    primaryDatabaseCidr: config.databaseProtection.primaryVpcCidr,
  };
}

/** The recovery-region game days of an environment (without the topic the stack holds). */
export function recoveryGameDayProps(config: EnvironmentConfig): Omit<RecoveryGameDaysProps, 'alertsTopic'> {
  return {
    ...gameDaySettings(config, false),
    primaryVault: { name: names.primaryVault(config), region: config.primaryRegion },
    recoveryVault: { name: names.recoveryVault(config), region: config.recoveryRegion },
  };
}
