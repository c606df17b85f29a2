import { CommandRegistrar } from '../context';
import {
  chunkSizeOption,
  concurrencyOption,
  isoTime,
  parallelOption,
  positiveInteger,
  postgresUrl,
} from './flag-parsers';

export interface ValidateFlags {
  url: string;
  manifest: string;
  recoveryPointTime?: Date;
  rpoTarget: number;
  checks?: string;
  skipChecks?: string;
  customChecks?: string;
  invariants?: string;
  concurrency?: number;
  parallel?: number;
  chunkSize?: number;
  statementTimeout: number;
  json?: boolean;
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
      '--skip-checks <list>',
      'comma-separated check or suite names to leave out (e.g. extensions,row-level-security); with --checks: of those',
    )
    .option(
      '--custom-checks <file>',
      'JSON file of custom SQL assertions: [{ "name", "sql", "expect": "no-rows" | "true" }]',
    )
    .addOption(parallelOption('connections used at once: chunks validated in parallel (default 2)'))
    .addOption(concurrencyOption())
    .addOption(chunkSizeOption())
    .option(
      '--invariants <file>',
      'JSON file mapping pharmacy invariants to this database: { "rx-uniqueness": { "sql", "expect" }, … }',
    )
    .option('--statement-timeout <ms>', 'per-statement timeout', positiveInteger('--statement-timeout'), 300_000)
    .option('--json', 'print the report as JSON')
    .action(async (flags: ValidateFlags) => (await import('./validate-action')).runValidate(context, flags));
};
