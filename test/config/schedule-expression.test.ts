import { scheduleExpressionProblem } from '../../lib/config/schedule-expression';

describe('EventBridge Scheduler expressions', () => {
  test.each([
    'cron(0 6 1 * ? *)',
    'cron(30 2 ? * MON-FRI *)',
    'cron(0 6 ? * 2#1 *)',
    'cron(0 */4 * * ? 2027)',
    'cron(0 6 L * ? *)',
    'rate(30 days)',
    'rate(1 day)',
    'at(2027-01-01T06:00:00)',
  ])('%s is valid', (expression) => {
    expect(scheduleExpressionProblem(expression)).toBeUndefined();
  });

  test.each([
    ['monthly', /expected cron/],
    ['cron(0 6 1 * *)', /6 fields .* found 5/],
    ['cron(60 6 1 * ? *)', /minutes must be 0-59, got "60"/],
    ['cron(0 6 32 * ? *)', /day-of-month must be 1-31, got "32"/],
    ['cron(0 6 1 13 ? *)', /month must be 1-12/],
    ['cron(0 6 1 * MON *)', /exactly one of day-of-month and day-of-week must be "\?"/],
    ['cron(0 6 ? * ? *)', /exactly one of/],
    ['rate(0 days)', /at least 1/],
    ['rate(2 day)', /use "2 days"/],
    ['rate(1 weeks)', /expected cron/],
  ])('%s is rejected', (expression, problem) => {
    expect(scheduleExpressionProblem(expression)).toMatch(problem);
  });
});
