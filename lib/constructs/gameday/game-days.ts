import { Lazy } from 'aws-cdk-lib';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { GameDayExperiment } from './game-day-experiment';
import { DEFAULT_GAME_DAY_MINUTES, GameDaySettings } from './game-day-settings';
import { OutOfScopeAlarm } from './out-of-scope-alarm';

export interface GameDaysProps extends GameDaySettings {
  readonly alertsTopic: sns.ITopic;
}

/**
 * What the game days of either region share: props checked before anything is built, the fault bound, and
 * the out-of-scope alarm every scenario stops on, whose rule watches each role a scenario adds (`watch`).
 */
export abstract class GameDays extends Construct {
  readonly experiments: Record<string, GameDayExperiment> = {};
  readonly outOfScope: OutOfScopeAlarm;
  /** Upper bound of every fault, in minutes. */
  protected readonly minutes: number;
  private readonly roleArns: string[] = [];

  /** `what` names the construct in the error listing `problems`; `vaultNames` are the vaults its game days may call. */
  protected constructor(
    scope: Construct,
    id: string,
    props: GameDaysProps,
    check: { what: string; problems: readonly string[] },
    vaultNames: readonly string[],
  ) {
    super(scope, id);
    if (check.problems.length > 0) throw new Error(`${check.what}: ${check.problems.join('; ')}`);
    this.minutes = props.durationMinutes ?? DEFAULT_GAME_DAY_MINUTES;
    this.outOfScope = new OutOfScopeAlarm(this, 'OutOfScope', {
      environmentName: props.environmentName,
      gameDayRoleArns: Lazy.list({ produce: () => this.roleArns }),
      databaseIdentifiers: [...props.databaseIdentifiers],
      clusterIdentifiers: [...(props.clusterIdentifiers ?? [])],
      vaultNames: [...vaultNames],
      topic: props.alertsTopic,
    });
  }

  /** Let the out-of-scope alarm watch the calls of these game-day roles. */
  protected watch(...roleArns: string[]): void {
    this.roleArns.push(...roleArns);
  }
}
