import { drillCadence, drillDue, scheduledBetween } from '../../lib/config/drill-cadence';

const drill = {
  schedule: 'cron(0 6 1 * ? *)',
  timezone: 'UTC',
  tierSchedules: { deferrable: 'cron(0 6 1 1,4,7,10 ? *)', lab: 'rate(14 days)' },
  timeoutMinutes: 360,
};

describe('drill cadence: when the next drill is due', () => {
  test("a tier named in tierSchedules follows its own schedule; others follow the environment's", () => {
    expect(drillCadence(drill, 'critical')).toMatchObject({ expression: 'cron(0 6 1 * ? *)', graceMinutes: 360 });
    expect(drillCadence(drill, 'deferrable').expression).toBe('cron(0 6 1 1,4,7,10 ? *)');
  });

  test('the next drill is the first scheduled time after the last; overdue only once the time limit has passed too', () => {
    const monthly = drillCadence(drill, 'critical');
    const last = new Date('2026-11-01T06:00:05Z');
    expect(drillDue(monthly, last, new Date('2026-12-01T12:00:00Z'))).toEqual({
      lastDrill: '2026-11-01T06:00:05.000Z',
      nextDrillDue: '2026-12-01T06:00:00.000Z',
      overdue: false,
    });
    expect(drillDue(monthly, last, new Date('2026-12-01T12:00:01Z')).overdue).toBe(true);
  });

  test('a quarterly tier is not overdue in the months between its drills', () => {
    const quarterly = drillCadence(drill, 'deferrable');
    const due = drillDue(quarterly, new Date('2026-07-01T07:00:00Z'), new Date('2026-09-20T00:00:00Z'));
    expect(due).toMatchObject({ nextDrillDue: '2026-10-01T06:00:00.000Z', overdue: false });
    expect(scheduledBetween(quarterly, new Date('2026-01-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z'))).toEqual(
      ['2026-01-01', '2026-04-01', '2026-07-01', '2026-10-01'].map((d) => new Date(`${d}T06:00:00Z`)),
    );
  });

  test('rate(...) counts from the last drill; never drilled is due now', () => {
    const rate = drillCadence(drill, 'lab');
    expect(drillDue(rate, new Date('2026-11-01T00:00:00Z'), new Date('2026-11-10T00:00:00Z')).nextDrillDue).toBe(
      '2026-11-15T00:00:00.000Z',
    );
    expect(drillDue(rate, undefined, new Date('2026-11-10T00:00:00Z'))).toEqual({
      lastDrill: null,
      nextDrillDue: null,
      overdue: true,
    });
  });
});
