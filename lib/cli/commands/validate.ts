import { readFile } from 'node:fs/promises';
import {
  CheckResult,
  loadCustomChecks,
  Manifest,
  parseManifest,
  validateDatabase,
  ValidationReport,
} from '../../../engines/validation';
import { applicableChecks, NothingToCheckError, UnknownCheckError } from '../../../engines/validation/validator';
import type { CustomCheck } from '../../../engines/validation';
import { CommandRegistrar } from '../context';
import { ExitCode, UsageError } from '../errors';
import { isoTime, positiveInteger, postgresUrl, withConnectionHelp } from './flag-parsers';

interface ValidateFlags {
  url: string;
  manifest: string;
  recoveryPointTime?: Date;
  rpoTarget: number;
  checks?: string;
  customChecks?: string;
  concurrency: number;
  statementTimeout: number;
  json?: boolean;
}

async function readJsonFile<T>(file: string, what: string, parse: (text: string) => T, hint: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. ${hint}`,
    );
  }
  try {
    return parse(text);
  } catch (error) {
    throw new UsageError(`${file}: ${error instanceof Error ? error.message : String(error)}. ${hint}`);
  }
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** What a passing check could not look at because nothing tells it how (e.g. no freshness column). */
function notConfigured(check: CheckResult): string {
  const list = check.measured.notConfigured;
  return Array.isArray(list) ? list.join(', ') : '';
}

/** A plain-text table: one line per check, then a summary line. */
export function formatReport(report: ValidationReport): string {
  const rows = report.checks.map((c: CheckResult) => [
    c.name,
    c.suite,
    c.passed ? 'pass' : 'FAIL',
    String(c.durationMs),
    c.error ? `error: ${c.error}` : c.offendingKeys.join(', ') || notConfigured(c),
  ]);
  const header = ['CHECK', 'SUITE', 'RESULT', 'MS', 'OFFENDING KEYS / ERROR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : pad(cell, widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const failed = report.checks.filter((c) => !c.passed).length;
  const rpo = report.achievedRpoSeconds === null ? 'not measured' : `${report.achievedRpoSeconds.toFixed(0)} s`;
  const verdict =
    failed === 0 ? `all ${report.checks.length} checks passed` : `${failed} of ${report.checks.length} checks FAILED`;
  return [
    line(header),
    ...rows.map(line),
    '',
    `${verdict}. Achieved RPO: ${rpo} (recovery point ${report.recoveryPointTime}, manifest cut-off ${report.manifestCutoff}).`,
  ].join('\n');
}

/** `rxdr validate`: check a (restored) database against a manifest. */
export const registerValidate: CommandRegistrar = (program, context) => {
  program
    .command('validate')
    .description(
      'Validate a (restored) database against a manifest: generic, pharmacy and custom checks. Exit 0 all pass, 1 any fails, 2 usage or connection error.',
    )
    .requiredOption('--url <postgres-url>', 'database to validate (read-only access is enough)', postgresUrl)
    .requiredOption('--manifest <file>', 'manifest JSON written by `rxdr manifest`')
    .option(
      '--recovery-point-time <iso-time>',
      'time the database was restored to (default: now); the achieved RPO is measured against it',
      isoTime('--recovery-point-time'),
    )
    .option('--rpo-target <seconds>', 'largest acceptable achieved RPO', positiveInteger('--rpo-target'), 86_400)
    .option(
      '--checks <list>',
      'comma-separated check or suite names (generic, pharmacy, custom, custom:<name>, schema, row-counts, …)',
    )
    .option(
      '--custom-checks <file>',
      'JSON file of custom SQL assertions: [{ "name", "sql", "expect": "no-rows" | "true" }]',
    )
    .option('--concurrency <n>', 'connections used at once', positiveInteger('--concurrency', 64), 2)
    .option('--statement-timeout <ms>', 'per-statement timeout', positiveInteger('--statement-timeout'), 300_000)
    .option('--json', 'print the report as JSON')
    .action(async (flags: ValidateFlags) => {
      const { io } = context;
      const manifest: Manifest = await readJsonFile(
        flags.manifest,
        'manifest',
        parseManifest,
        'Create one with `rxdr manifest --url <source> --out <file>`.',
      );
      const customChecks: CustomCheck[] = flags.customChecks
        ? await readJsonFile(
            flags.customChecks,
            'custom checks',
            loadCustomChecks,
            'See docs/validation.md for the format.',
          )
        : [];
      const selection = flags.checks
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      try {
        applicableChecks(selection, customChecks, manifest);
      } catch (error) {
        if (error instanceof UnknownCheckError)
          throw new UsageError(`${error.message}. Pass names from that list to --checks.`);
        if (error instanceof NothingToCheckError)
          throw new UsageError(`${error.message}. Choose checks that apply, e.g. --checks generic.`);
        throw error;
      }
      const report = await withConnectionHelp(() =>
        validateDatabase({
          url: flags.url,
          manifest,
          recoveryPointTime: flags.recoveryPointTime,
          rpoTargetSeconds: flags.rpoTarget,
          checks: selection,
          customChecks,
          concurrency: flags.concurrency,
          statementTimeoutMs: flags.statementTimeout,
          onProgress: (e) => {
            if (e.kind === 'check-finished') io.err(`${e.passed ? 'pass' : 'FAIL'} ${e.name} (${e.durationMs} ms)`);
          },
        }),
      );
      io.out(flags.json ? JSON.stringify(report, null, 2) : formatReport(report));
      context.exitCode = report.passed ? ExitCode.Ok : ExitCode.Failed;
    });
};
