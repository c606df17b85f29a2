/**
 * Validates EventBridge Scheduler expressions: `cron(min hour day-of-month month day-of-week year)`,
 * `rate(n unit)` and `at(yyyy-mm-ddThh:mm:ss)`. Returns a problem description, or undefined when valid.
 */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] ?? '';
    if (value < 1) return 'a rate must be at least 1';
    if ((value === 1) !== !unit.endsWith('s'))
      return `use "${value} ${value === 1 ? unit.replace(/s$/, '') : unit.replace(/s?$/, 's')}"`;
    return undefined;
  }
  if (/^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/.test(expression)) return undefined;
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron)
    return 'expected cron(min hour day-of-month month day-of-week year), rate(n unit) or at(yyyy-mm-ddThh:mm:ss)';
  const fields = (cron[1] ?? '').trim().split(/\s+/);
  if (fields.length !== 6)
    return `a cron expression has 6 fields (min hour day-of-month month day-of-week year), found ${fields.length}`;
  const [minute, hour, dayOfMonth, month, dayOfWeek, year] = fields as [string, string, string, string, string, string];
  const problems = [
    fieldProblem('minutes', minute, 0, 59),
    fieldProblem('hours', hour, 0, 23),
    fieldProblem('day-of-month', dayOfMonth, 1, 31, { question: true, extra: /^(L|L-\d{1,2}|\d{1,2}W|LW)$/ }),
    fieldProblem('month', month, 1, 12, {
      names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
    }),
    fieldProblem('day-of-week', dayOfWeek, 1, 7, {
      question: true,
      names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
      extra: /^([1-7]|[A-Z]{3})(L|#[1-5])$/,
    }),
    fieldProblem('year', year, 1970, 2199),
  ].filter((p): p is string => p !== undefined);
  if (problems.length > 0) return problems.join('; ');
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) return 'exactly one of day-of-month and day-of-week must be "?"';
  return undefined;
}

interface FieldOptions {
  readonly question?: boolean;
  readonly names?: readonly string[];
  readonly extra?: RegExp;
}

function fieldProblem(
  name: string,
  field: string,
  min: number,
  max: number,
  options: FieldOptions = {},
): string | undefined {
  if (field === '*') return undefined;
  if (field === '?') return options.question ? undefined : `"?" is not allowed in ${name}`;
  if (options.extra?.test(field)) return undefined;
  for (const part of field.split(',')) {
    const [range, step] = part.split('/');
    if (step !== undefined && !/^\d+$/.test(step)) return `${name}: bad step "${step}"`;
    if (range === '*' && step !== undefined) continue;
    const bounds = (range ?? '').split('-');
    if (bounds.length > 2) return `${name}: bad range "${range}"`;
    for (const bound of bounds) {
      const value = toNumber(bound, options.names, min);
      if (value === undefined || value < min || value > max)
        return `${name} must be ${min}-${max}${options.names ? ' or a name' : ''}, got "${bound}"`;
    }
  }
  return undefined;
}

function toNumber(token: string, names: readonly string[] | undefined, min: number): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  const index = names?.indexOf(token.toUpperCase()) ?? -1;
  return index >= 0 ? index + min : undefined;
}
