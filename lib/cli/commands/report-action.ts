import { mkdir, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { EvidenceStore, FileEvidenceStore, S3EvidenceStore } from '../../../engines/evidence/store';
import { peopleStoreBeside } from '../../../engines/readiness/people-store';
import { assessReadiness, readinessRules } from '../../../engines/readiness/readiness';
import { ConfigError, loadConfigFile } from '../../config/load';
import { drillCadence } from '../../config/drill-cadence';
import { DEFAULT_EVIDENCE_DIR } from '../../local/evidence-dir';
import { TOOL_VERSION } from '../../project-root';
import type { ConfiguredDatabase } from '../../report/databases';
import type { ReportReadiness } from '../../report/readiness';
import { renderReport } from '../../report/render';
import { cliClock } from '../clock';
import { CliContext } from '../context';
import { ExitCode, UsageError } from '../errors';
import type { ReportFlags } from './report';

/** What `rxdr report` does (loaded only when it runs). */
export async function runReport(context: CliContext, flags: ReportFlags): Promise<void> {
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
  const config = flags.config ? loadConfig(flags.config) : undefined;
  const configuration = config ? configuredDatabases(config) : undefined;
  const { documents, invalid } = await store.list();
  const now = cliClock.now();
  const readiness = config ? await readReadiness(config, flags.evidence, now) : undefined;
  const html = renderReport({
    documents,
    invalid,
    source: flags.evidence,
    configuration,
    readiness,
    generatedAt: now,
    toolVersion: TOOL_VERSION,
  });
  await mkdir(path.dirname(path.resolve(flags.out)), { recursive: true });
  await writeFile(flags.out, html);
  const failed = documents.filter((d) => d.result === 'failed').length;
  io.out(
    `wrote ${flags.out}: ${documents.length} run(s) from ${flags.evidence}, ${failed} failed${invalid.length ? `, ${invalid.length} unreadable file(s)` : ''}`,
  );
  for (const bad of invalid) io.err(`unreadable evidence ${bad.location}: ${bad.error}`);
  if (flags.pdf !== undefined && flags.pdf !== false) {
    const pdf = typeof flags.pdf === 'string' ? flags.pdf : flags.out.replace(/\.html?$/i, '') + '.pdf';
    const { printToPdf } = await import('../../report/pdf');
    await printToPdf(flags.out, pdf);
    io.out(`wrote ${pdf}`);
  }
  context.exitCode = ExitCode.Ok;
}

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

type Config = ReturnType<typeof loadConfigFile>;

function loadConfig(file: string): Config {
  try {
    return loadConfigFile(file);
  } catch (error) {
    const message = error instanceof ConfigError ? error.problems.join('; ') : (error as Error).message;
    throw new UsageError(`--config ${file}: ${message}`);
  }
}

/** Each environment's roster against the people records beside the evidence (`<dir>/people/` or the bucket's). */
async function readReadiness(config: Config, evidence: string, now: Date): Promise<ReportReadiness[]> {
  const store = peopleStoreBeside(evidence);
  const withRoster = config.environments.filter((env) => env.onCall.engineers.length + env.onCall.approvers.length);
  return Promise.all(
    withRoster.map(async (env): Promise<ReportReadiness> => {
      try {
        const { records, invalid } = await store.list(env.name);
        if (invalid.length > 0)
          return { environment: env.name, error: `unreadable: ${invalid.map((i) => i.location).join(', ')}` };
        return { environment: env.name, report: assessReadiness(readinessRules(env), records, now) };
      } catch (error) {
        return { environment: env.name, error: (error as Error).message };
      }
    }),
  );
}

function configuredDatabases(config: Config): ConfiguredDatabase[] {
  return config.environments.flatMap((env) =>
    env.databases.map((db) => ({
      environment: env.name,
      database: db.name,
      tier: String(db.tier),
      rtoSeconds: db.tierPreset.rtoMinutes * 60,
      rpoSeconds: db.tierPreset.rpoMinutes * 60,
      pattern: db.tierPreset.drPattern,
      regions: `${env.primaryRegion} → ${env.recoveryRegion}`,
      cadence: drillCadence(env.drill, String(db.tier)),
    })),
  );
}
