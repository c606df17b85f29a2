import { environment, parsing, problemsOf } from '../helpers/config';

describe('backup settings in the environment config', () => {
  test('isolatedBackup defaults to cross-account mode; the shipped shape stays valid', () => {
    expect(environment({ isolatedBackup: { account: '444444444444', vaultName: 'iso' } }).isolatedBackup).toEqual({
      mode: 'cross-account',
      account: '444444444444',
      vaultName: 'iso',
    });
    expect(environment({ isolatedBackup: { mode: 'air-gapped' } }).isolatedBackup).toEqual({ mode: 'air-gapped' });
  });

  test('cross-account mode needs the account and the vault name', () => {
    const message = problemsOf({ isolatedBackup: { mode: 'cross-account' } });
    expect(message).toContain('isolatedBackup.account: required in cross-account mode');
    expect(message).toContain('isolatedBackup.vaultName: required in cross-account mode');
  });

  test('air-gapped mode rejects an account and a vault name, with the values received', () => {
    expect(parsing({ isolatedBackup: { mode: 'air-gapped', account: '444444444444', vaultName: 'x1' } })).toThrow(
      /isolatedBackup\.account: not allowed in air-gapped mode .*got "444444444444"[\s\S]*isolatedBackup\.vaultName: not allowed in air-gapped mode .*got "x1"/,
    );
  });

  test('cold storage is rejected for RDS databases, naming them and the value', () => {
    expect(parsing({ coldStorage: { monthlyAfterDays: 180 } })).toThrow(
      /coldStorage\.monthlyAfterDays: AWS Backup cannot move RDS recovery points to cold storage .*protected databases dispensing are RDS, got 180 days/,
    );
  });

  test('cold storage also needs 90 days in cold storage before deletion; all problems are listed at once', () => {
    const message = problemsOf({
      coldStorage: { dailyAfterDays: 10 },
      retention: { dailyDays: 35 },
      breakGlassRoleName: 'no spaces allowed',
    });
    expect(message).toContain('coldStorage.dailyAfterDays: AWS Backup cannot move RDS recovery points');
    expect(message).toContain('retention.dailyDays 35 must be at least 10 + 90');
    expect(message).toContain('breakGlassRoleName: must be an IAM role name');
  });

  test('retention above the vault lock maximum is rejected', () => {
    expect(parsing({ retention: { monthlyDays: 40000 } })).toThrow(
      /retention\.monthlyDays: vault lock allows at most 36500 days, got 40000/,
    );
  });

  test('the break-glass role name is optional (the vault policies default to rxdr-<env>-break-glass)', () => {
    expect(environment({ breakGlassRoleName: 'Ops-BreakGlass' }).breakGlassRoleName).toBe('Ops-BreakGlass');
    expect(environment().breakGlassRoleName).toBeUndefined();
  });
});
