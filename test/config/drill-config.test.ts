import { environment, parsing } from '../helpers/config';

const parse = (drill: Record<string, unknown>, extra: Record<string, unknown> = {}) => parsing({ drill, ...extra });

describe('drill config: defaults', () => {
  test('monthly, from the recovery vault, a /22 drill VPC, the missed-schedule alarm after 35 days, a daily manifest job', () => {
    expect(environment().drill).toMatchObject({
      schedule: 'cron(0 6 1 * ? *)',
      tierSchedules: {},
      source: 'backup',
      tierSources: {},
      vpcCidr: '10.82.0.0/22',
      maxDaysBetweenDrills: 35,
      restoreTimeoutMinutes: 180,
      manifestSchedule: 'cron(30 3 * * ? *)',
      manifestStatementTimeoutSeconds: 600,
    });
  });

  test('per-tier schedules and sources are kept', () => {
    const env = environment({
      drill: { tierSchedules: { critical: 'rate(7 days)' }, tierSources: { critical: 'point-in-time' } },
    });
    expect(env.drill).toMatchObject({
      tierSchedules: { critical: 'rate(7 days)' },
      tierSources: { critical: 'point-in-time' },
    });
  });
});

describe('drill config: every problem names the field and the received value', () => {
  test('a per-tier schedule for an unknown tier', () => {
    expect(parse({ tierSchedules: { platinum: 'rate(7 days)' } })).toThrow(
      /drill\.tierSchedules\.platinum: unknown tier; known tiers: critical, important, deferrable/,
    );
  });

  test('an invalid per-tier schedule expression', () => {
    expect(parse({ tierSchedules: { critical: 'weekly' } })).toThrow(
      /drill\.tierSchedules\.critical: invalid schedule expression: .*got "weekly"/,
    );
  });

  test('a per-tier source for an unknown tier', () => {
    expect(parse({ tierSources: { platinum: 'backup' } })).toThrow(/drill\.tierSources\.platinum: unknown tier/);
  });

  test('an unknown source kind', () => {
    expect(parse({ source: 'snapshot' })).toThrow(/drill\.source/);
  });

  test('a drill VPC CIDR that is not a private /16-/24 block', () => {
    expect(parse({ vpcCidr: '8.8.0.0/22' })).toThrow(
      /drill\.vpcCidr: must be a private \(RFC 1918\) range.*got "8\.8\.0\.0\/22"/,
    );
    expect(parse({ vpcCidr: '10.82.0.0/28' })).toThrow(
      /drill\.vpcCidr: the prefix must be \/16 to \/24.*got "10\.82\.0\.0\/28"/,
    );
  });

  test('a drill VPC overlapping a database VPC', () => {
    expect(parse({ vpcCidr: '10.81.4.0/22' })).toThrow(
      /drill\.vpcCidr: must not overlap databaseProtection\.recoveryVpcCidr "10\.81\.0\.0\/16", got "10\.81\.4\.0\/22"/,
    );
    expect(parse({ vpcCidr: '10.90.0.0/22' }, { databaseProtection: { primaryVpcCidr: '10.90.0.0/16' } })).toThrow(
      /drill\.vpcCidr: must not overlap databaseProtection\.primaryVpcCidr "10\.90\.0\.0\/16"/,
    );
  });

  test('maxDaysBetweenDrills out of range', () => {
    expect(parse({ maxDaysBetweenDrills: 0 })).toThrow(/drill\.maxDaysBetweenDrills/);
    expect(parse({ maxDaysBetweenDrills: 500 })).toThrow(/drill\.maxDaysBetweenDrills: at most 400 days/);
  });

  test('a restore timeout not shorter than the run timeout', () => {
    expect(parse({ restoreTimeoutMinutes: 360, timeoutMinutes: 360 })).toThrow(
      /drill\.restoreTimeoutMinutes: must be shorter than timeoutMinutes \(360\).*got 360/,
    );
  });

  test('an invalid manifest schedule and a statement timeout above the Lambda limit', () => {
    expect(parse({ manifestSchedule: 'cron(0 3 * * *)' })).toThrow(
      /drill\.manifestSchedule: invalid schedule expression: a cron expression has 6 fields/,
    );
    expect(parse({ manifestStatementTimeoutSeconds: 1200 })).toThrow(
      /drill\.manifestStatementTimeoutSeconds: at most 900 s/,
    );
  });

  test('all problems are reported at once', () => {
    expect(parse({ vpcCidr: '8.8.0.0/22', tierSources: { platinum: 'backup' }, restoreTimeoutMinutes: 400 })).toThrow(
      /vpcCidr[\s\S]*tierSources\.platinum[\s\S]*restoreTimeoutMinutes|vpcCidr[\s\S]*restoreTimeoutMinutes[\s\S]*tierSources|tierSources[\s\S]*vpcCidr/,
    );
  });
});
