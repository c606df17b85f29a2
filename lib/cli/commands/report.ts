import * as path from 'node:path';
import { DEFAULT_EVIDENCE_DIR } from '../../local/evidence-dir';
import { CommandRegistrar } from '../context';

export const DEFAULT_REPORT_FILE = path.join('.rxdr', 'report.html');

export interface ReportFlags {
  evidence: string;
  out: string;
  config?: string;
  pdf?: string | boolean;
}

/** `rxdr report`: one self-contained HTML file (and, with `--pdf`, a PDF of it) over all drill and failover evidence. */
export const registerReport: CommandRegistrar = (program, context) => {
  program
    .command('report')
    .description(
      'Write a self-contained HTML report over drill and failover evidence: problems first, drill coverage per month, next drill due, RTO/RPO over time against targets, every check.',
    )
    .option('--evidence <dir|s3://bucket/prefix>', 'where the evidence JSON documents are', DEFAULT_EVIDENCE_DIR)
    .option('--out <file>', 'the HTML file to write', DEFAULT_REPORT_FILE)
    .option(
      '--config <file>',
      'rxdr configuration: every configured database, its tier targets and drill schedule, and each on-call roster whose readiness the report shows (default: the monthly schedule for databases found only in evidence, no roster)',
    )
    .option(
      '--pdf [file]',
      'also print the report to PDF with the headless Chromium (default: the --out name with .pdf)',
    )
    .action(async (flags: ReportFlags) => (await import('./report-action')).runReport(context, flags));
};
