import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { CommandRegistrar } from '../context';
import { UsageError } from '../errors';
import { isoTime, positiveInteger, postgresUrl, withConnectionHelp } from './flag-parsers';

interface ManifestFlags {
  url: string;
  out: string;
  cutoff?: Date;
  concurrency: number;
}

/** `rxdr manifest`: describe a source database at a cut-off (counts, checksums, pharmacy aggregates). */
export const registerManifest: CommandRegistrar = (program, context) => {
  program
    .command('manifest')
    .description(
      'Describe the source database at a cut-off: per-table counts and checksums of older rows, audit chain head, pharmacy aggregates. Writes JSON.',
    )
    .requiredOption('--url <postgres-url>', 'source database (read-only access is enough)', postgresUrl)
    .requiredOption('--out <file>', 'where to write the manifest JSON (written only when complete)')
    .option(
      '--cutoff <iso-time>',
      'describe rows at or before this time (default: now minus 60 s)',
      isoTime('--cutoff'),
    )
    .option('--concurrency <n>', 'tables hashed at once, one connection each', positiveInteger('--concurrency', 64), 2)
    .action(async (flags: ManifestFlags) => {
      const { io } = context;
      const { buildManifest } = await import('../../../engines/validation');
      const out = path.resolve(flags.out);
      if (!existsSync(path.dirname(out)))
        throw new UsageError(`the directory of --out does not exist: ${path.dirname(out)}`);
      const manifest = await withConnectionHelp(() =>
        buildManifest({
          url: flags.url,
          cutoff: flags.cutoff,
          concurrency: flags.concurrency,
          onProgress: (e) => {
            if (e.kind === 'manifest-table') io.err(`manifest: ${e.table} ${e.rows.toLocaleString('en-US')} rows`);
          },
        }),
      );
      const temporary = `${out}.${process.pid}.tmp`;
      await writeFile(temporary, JSON.stringify(manifest, null, 2) + '\n');
      await rename(temporary, out);
      const rows = manifest.tables.reduce((n, t) => n + t.rowCount, 0);
      io.out(
        `wrote ${flags.out}: ${manifest.tables.length} tables, ${rows.toLocaleString('en-US')} rows at or before ${manifest.cutoff}`,
      );
    });
};
