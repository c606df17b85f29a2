import { drillCalendar } from '../../lib/plan/drill-calendar';

const iso = (dates: readonly Date[]) => dates.map((d) => d.toISOString().slice(0, 16));

describe('drill calendar', () => {
  const from = new Date('2026-11-28T14:00:00Z');

  test('monthly on the 1st at 06:00 UTC', () => {
    const calendar = drillCalendar('cron(0 6 1 * ? *)', 'UTC', from, 3);
    expect(iso(calendar.next)).toEqual(['2026-12-01T06:00', '2027-01-01T06:00', '2027-02-01T06:00']);
    expect(calendar.description).toBe('monthly on day 1, at 06:00 UTC');
  });

  test('a run later today is included; one earlier today is not', () => {
    expect(iso(drillCalendar('cron(30 13,15 * * ? *)', 'UTC', from, 2).next)).toEqual([
      '2026-11-28T15:30',
      '2026-11-29T13:30',
    ]);
  });

  test('local time zones follow daylight saving (America/New_York)', () => {
    // 02:00 New York is 07:00 UTC in winter (EST) and 06:00 UTC in summer (EDT).
    expect(
      iso(drillCalendar('cron(0 2 15 * ? *)', 'America/New_York', new Date('2027-02-01T00:00:00Z'), 2).next),
    ).toEqual(['2027-02-15T07:00', '2027-03-15T06:00']);
  });

  test('last day of the month, nth weekday, last weekday of the month', () => {
    expect(iso(drillCalendar('cron(0 6 L * ? *)', 'UTC', from, 3).next)).toEqual([
      '2026-11-30T06:00',
      '2026-12-31T06:00',
      '2027-01-31T06:00',
    ]);
    // First Monday (2#1) of each month: 2026-12-07, 2027-01-04.
    expect(iso(drillCalendar('cron(0 6 ? * 2#1 *)', 'UTC', from, 2).next)).toEqual([
      '2026-12-07T06:00',
      '2027-01-04T06:00',
    ]);
    // Last Friday (6L): 2026-12-25, 2027-01-29.
    expect(iso(drillCalendar('cron(0 6 ? * FRIL *)', 'UTC', from, 2).next)).toEqual([
      '2026-12-25T06:00',
      '2027-01-29T06:00',
    ]);
  });

  test('nearest weekday (W) moves a weekend day into the month', () => {
    // 2027-05-01 is a Saturday: 1W is Monday 3 May (not 30 April).
    expect(iso(drillCalendar('cron(0 6 1W 5 ? *)', 'UTC', from, 1).next)).toEqual(['2027-05-03T06:00']);
  });

  test('weekdays by name and a year restriction', () => {
    const next = drillCalendar('cron(0 6 ? * MON-FRI 2027)', 'UTC', from, 2).next;
    expect(iso(next)).toEqual(['2027-01-01T06:00', '2027-01-04T06:00']);
  });

  test('rate() has no calendar dates; at() is one date or none when past', () => {
    expect(drillCalendar('rate(7 days)', 'UTC', from).next).toEqual([]);
    expect(drillCalendar('rate(7 days)', 'UTC', from).description).toMatch(/every 7 days/);
    expect(iso(drillCalendar('at(2027-01-10T06:00:00)', 'UTC', from).next)).toEqual(['2027-01-10T06:00']);
    expect(drillCalendar('at(2026-01-10T06:00:00)', 'UTC', from).next).toEqual([]);
  });

  test('an unknown time zone is named', () => {
    expect(() => drillCalendar('cron(0 6 1 * ? *)', 'Mars/Olympus', from)).toThrow(/unknown time zone "Mars\/Olympus"/);
  });
});
