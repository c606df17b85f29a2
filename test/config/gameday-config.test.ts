import { gameDayScenarios, gameDaysEnabled } from '../../lib/config/gameday';
import { environment, problemsOf } from '../helpers/config';

const APPROVER = 'arn:aws:iam::111111111111:user/second-approver';

describe('game-day configuration', () => {
  test('game days are on outside production and off in production unless enabled', () => {
    expect(gameDaysEnabled(environment({}))).toBe(true);
    expect(gameDaysEnabled(environment({ production: true }))).toBe(false);
    expect(gameDayScenarios(environment({ production: true }))).toEqual([]);
  });

  test('a production game day without allowProduction and a second approver is refused, naming both', () => {
    const message = problemsOf({ production: true, gameDays: { enabled: true } });
    expect(message).toMatch(
      /gameDays\.enabled: a game day in a production environment .* set allowProduction: true and secondApprover \(an IAM ARN\)/,
    );
  });

  test('allowProduction alone is not enough: the second approver must be named', () => {
    const message = problemsOf({ production: true, gameDays: { enabled: true, allowProduction: true } });
    expect(message).toMatch(/set secondApprover \(an IAM ARN\) in gameDays/);
    expect(message).not.toMatch(/allowProduction: true and/);
  });

  test('a production game day with both is accepted', () => {
    const env = environment({
      production: true,
      gameDays: { enabled: true, allowProduction: true, secondApprover: APPROVER },
    });
    expect(gameDayScenarios(env)).toEqual(['primary-instance-failure', 'recovery-point-deletion-attempt']);
  });

  test('every game-day problem is listed at once with the value received', () => {
    const message = problemsOf(
      {
        gameDays: {
          allowProduction: true,
          secondApprover: 'jane',
          scenarios: ['primary-region-unreachable', 'isolated-copy-restore'],
          applicationSubnetIds: [],
          instanceFailure: 'stop',
          durationMinutes: 900,
        },
      },
      'qa',
    );
    expect(message).toMatch(/gameDays\.secondApprover: must be the IAM user or role ARN .*got "jane"/);
    expect(message).toMatch(/gameDays\.allowProduction: only a production environment/);
    expect(message).toMatch(/primary-region-unreachable needs gameDays\.applicationSubnetIds/);
    expect(message).toMatch(/isolated-copy-restore needs isolatedBackup/);
    expect(message).toMatch(
      /RDS cannot stop an instance that has a read replica \(dispensing\): use "reboot", got "stop"/,
    );
    expect(message).toMatch(/gameDays\.durationMinutes: at most 720 minutes .*got 900/);
  });

  test('subnet ids are checked', () => {
    expect(problemsOf({ gameDays: { applicationSubnetIds: ['sn-1'] } }, 'qa')).toMatch(
      /gameDays\.applicationSubnetIds\[0\]: must be a subnet id .*got "sn-1"/,
    );
  });

  test('scenarios default to what the environment has the resources for', () => {
    expect(gameDayScenarios(environment({}))).toEqual(['primary-instance-failure', 'recovery-point-deletion-attempt']);
    expect(
      gameDayScenarios(
        environment({
          isolatedBackup: { mode: 'air-gapped' },
          gameDays: { applicationSubnetIds: ['subnet-0abc12340001'] },
        }),
      ),
    ).toEqual([
      'primary-instance-failure',
      'primary-region-unreachable',
      'recovery-point-deletion-attempt',
      'isolated-copy-restore',
    ]);
  });

  test('the isolated-copy scenario needs an air-gapped vault: a cross-account copy cannot be restored from here', () => {
    const crossAccount = { isolatedBackup: { account: '444444444444', vaultName: 'rxdr-qa-isolated' } };
    expect(problemsOf({ ...crossAccount, gameDays: { scenarios: ['isolated-copy-restore'] } }, 'qa')).toMatch(
      /gameDays\.scenarios: isolated-copy-restore restores from the logically air-gapped vault .*got mode "cross-account"/,
    );
    expect(gameDayScenarios(environment(crossAccount))).not.toContain('isolated-copy-restore');
  });
});
