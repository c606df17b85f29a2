import { readFile } from 'node:fs/promises';
import { CheckResult, loadCustomChecks, Manifest, parseManifest, ValidationReport } from '../../../engines/validation';
import { validateChunked } from '../../../engines/validation/chunks/validate-chunked';
import { applicableChecks, NothingToCheckError, UnknownCheckError } from '../../../engines/validation/validator';
import type { CustomCheck } from '../../../engines/validation';
import { CliContext } from '../context';
import { ExitCode, UsageError } from '../errors';
import { parallelOf, withConnectionHelp } from './flag-parsers';
import type { ValidateFlags } from './validate';

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

/** What a passing check could not look at because nothing tells it how (e.g. no freshness column). */
function notConfigured(check: CheckResult): string {
  const list = check.measured.notConfigured;
  return Array.isArray(list) ? list.join(', ') : '';
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
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

/** What `rxdr validate` does (loaded only when it runs). */
export async function runValidate(context: CliContext, flags: ValidateFlags): Promise<void> {
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
    validateChunked({
      url: flags.url,
      manifest,
      recoveryPointTime: flags.recoveryPointTime,
      rpoTargetSeconds: flags.rpoTarget,
      checks: selection,
      customChecks,
      concurrency: parallelOf(flags),
      chunkBytes: flags.chunkSize,
      statementTimeoutMs: flags.statementTimeout,
      onProgress: (e) => {
        if (e.kind === 'check-finished') io.err(`${e.passed ? 'pass' : 'FAIL'} ${e.name} (${e.durationMs} ms)`);
      },
    }),
  );
  io.out(flags.json ? JSON.stringify(report, null, 2) : formatReport(report));
  context.exitCode = report.passed ? ExitCode.Ok : ExitCode.Failed;
}
