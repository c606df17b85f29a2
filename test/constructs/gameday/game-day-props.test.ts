import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { GameDayScenario } from '../../../lib/config/gameday';
import { PrimaryGameDays, PrimaryGameDaysProps } from '../../../lib/constructs/gameday/primary-game-days';
import { RecoveryGameDays, RecoveryGameDaysProps } from '../../../lib/constructs/gameday/recovery-game-days';

const stack = () => new Stack(new App(), 'GameDays', { env: { account: '111111111111', region: 'us-east-1' } });

function primary(props: Partial<PrimaryGameDaysProps>) {
  const scope = stack();
  new PrimaryGameDays(scope, 'GameDays', {
    environmentName: 'dev',
    scenarios: ['primary-instance-failure'],
    databaseIdentifiers: ['rxdr-dev-orders'],
    vaultName: 'rxdr-dev-primary',
    alertsTopic: new sns.Topic(scope, 'Alerts'),
    instances: [],
    ...props,
  });
  return Template.fromStack(scope);
}

function recovery(props: Partial<RecoveryGameDaysProps>) {
  const scope = stack();
  new RecoveryGameDays(scope, 'GameDays', {
    environmentName: 'dev',
    scenarios: ['recovery-point-deletion-attempt'],
    databaseIdentifiers: ['rxdr-dev-orders'],
    primaryVault: { name: 'rxdr-dev-primary', region: 'us-east-1' },
    recoveryVault: { name: 'rxdr-dev-recovery', region: 'us-west-2' },
    alertsTopic: new sns.Topic(scope, 'Alerts'),
    ...props,
  });
  return Template.fromStack(scope);
}

describe('game-day constructs with their own props', () => {
  test('the optional props default: a 30-minute reboot', () => {
    const template = primary({});
    const [experiment] = Object.values(template.findResources('AWS::FIS::ExperimentTemplate')) as {
      Properties: { Actions: Record<string, { ActionId: string }> };
    }[];
    expect(Object.values(experiment!.Properties.Actions).map((a) => a.ActionId)).toEqual([
      'aws:rds:reboot-db-instances',
      'aws:rds:reboot-db-instances',
    ]);
    expect(JSON.stringify(recovery({}).findResources('AWS::FIS::ExperimentTemplate'))).toContain('PT30M');
  });

  test('every problem with the primary props is named with the value received', () => {
    expect(() =>
      primary({
        environmentName: ' ',
        scenarios: ['primary-region-unreachable', 'isolated-copy-restore', 'fire' as GameDayScenario],
        durationMinutes: 721,
        instanceFailure: 'halt' as 'stop',
        applicationSubnetIds: ['sub-1'],
      }),
    ).toThrow(
      'PrimaryGameDays: environmentName: a non-empty name, got " "; ' +
        'scenarios: this construct builds primary-instance-failure and primary-region-unreachable, ' +
        'got isolated-copy-restore; scenarios: one of primary-instance-failure, primary-region-unreachable, ' +
        'recovery-point-deletion-attempt, isolated-copy-restore, got "fire"; ' +
        'durationMinutes: a whole number of minutes from 1 to 720, got 721; ' +
        'instanceFailure: reboot or stop, got "halt"; ' +
        'applicationSubnetIds: subnet ids such as "subnet-0abc1234", got "sub-1"; ' +
        'primaryDatabaseCidr: primary-region-unreachable needs the network to cut, got undefined',
    );
    expect(() => primary({ scenarios: ['primary-region-unreachable'], primaryDatabaseCidr: '10.0.0.0/16' })).toThrow(
      'PrimaryGameDays: applicationSubnetIds: primary-region-unreachable needs at least one subnet, got none',
    );
  });

  test('every problem with the recovery props is named with the value received', () => {
    expect(() =>
      recovery({
        scenarios: ['primary-instance-failure'],
        durationMinutes: 0,
        recoveryVault: { name: '', region: 'us-west-2' },
      }),
    ).toThrow(
      'RecoveryGameDays: scenarios: this construct builds recovery-point-deletion-attempt and ' +
        'isolated-copy-restore, got primary-instance-failure; ' +
        'durationMinutes: a whole number of minutes from 1 to 720, got 0; ' +
        'recoveryVault: a vault name and region, got {"name":"","region":"us-west-2"}',
    );
  });
});
