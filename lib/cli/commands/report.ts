import { mkdir, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { CommandRegistrar } from '../context';
import { ExitCode, UsageError } from '../errors';
import { EvidenceStore, FileEvidenceStore, S3EvidenceStore } from '../../../engines/evidence/store';
import { DEFAULT_EVIDENCE_DIR } from '../../local/local-drill';
import { ConfiguredDatabase, renderReport } from '../../report/render';
import { loadConfigFile } from '../../config/load';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../../package.json') as { version: string };

export const DEFAULT_REPORT_FILE = path.join('.rxdr', 'report.html');

interface ReportFlags {
  evidence: string;
  out: string;
  config?: string;
}

/** `rxdr report`: one self-contained HTML file over all drill and failover evidence. */
export const registerReport: CommandRegistrar = (program, context) => {
  program
    .command('report')
    .description(
      'Write a self-contained HTML report (summary, RTO/RPO chart, every check) over drill and failover evidence.',
    )
    .option('--evidence <dir|s3://bucket/prefix>', 'where the evidence JSON documents are', DEFAULT_EVIDENCE_DIR)
    .option('--out <file>', 'the HTML file to write', DEFAULT_REPORT_FILE)
    .option('--config <file>', 'rxdr configuration to summarise (environments, databases, tiers, schedules)')
    .action(async (flags: ReportFlags) => {
      const { io } = context;
      let store: EvidenceStore;
      if (flags.evidence.startsWith('s3://')) {
        try {
          store = S3EvidenceStore.fromUrl(flags.evidence);
        } catch (error) {
          throw new UsageError(`--evidence: ${(error as Error).message}`);
        }
      } else {
        await requireDirectory(flags.evidence);
        store = new FileEvidenceStore(flags.evidence);
      }
      const configuration = flags.config ? configuredDatabases(flags.config) : undefined;
      const { documents, invalid } = await store.list();
      const html = renderReport({
        documents,
        invalid,
        source: flags.evidence,
        configuration,
        generatedAt: new Date(),
        toolVersion: version,
      });
      await mkdir(path.dirname(path.resolve(flags.out)), { recursive: true });
      await writeFile(flags.out, html);
      const failed = documents.filter((d) => d.result === 'failed').length;
      io.out(
        `wrote ${flags.out}: ${documents.length} run(s) from ${flags.evidence}, ${failed} failed${invalid.length ? `, ${invalid.length} unreadable file(s)` : ''}`,
      );
      for (const bad of invalid) io.err(`unreadable evidence ${bad.location}: ${bad.error}`);
      context.exitCode = ExitCode.Ok;
    });
};

/** A mistyped --evidence must not become an empty, all-green report. */
async function requireDirectory(dir: string): Promise<void> {
  const found = await stat(dir).catch(() => undefined);
  if (!found)
    throw new UsageError(
      `--evidence ${dir}: no such directory. Pass the directory the drills wrote (default ${DEFAULT_EVIDENCE_DIR}) or an s3:// URL.`,
    );
  if (!found.isDirectory())
    throw new UsageError(`--evidence ${dir}: not a directory. Pass the directory that holds the evidence JSON files.`);
}

function configuredDatabases(file: string): ConfiguredDatabase[] {
  let config;
  try {
    config = loadConfigFile(file);
  } catch (error) {
    throw new UsageError(`--config ${file}: ${(error as Error).message}`);
  }
  return config.environments.flatMap((env) =>
    env.databases.map((db) => ({
      environment: env.name,
      database: db.name,
      tier: String(db.tier),
      rtoSeconds: db.tierPreset.rtoMinutes * 60,
      rpoSeconds: db.tierPreset.rpoMinutes * 60,
      pattern: db.tierPreset.drPattern,
      regions: `${env.primaryRegion} → ${env.recoveryRegion}`,
      drillSchedule: env.drill?.schedule,
    })),
  );
}
