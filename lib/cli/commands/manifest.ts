import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { CommandRegistrar } from '../context';
import { UsageError } from '../errors';
import { byteSize, isoTime, parallelOf, positiveInteger, postgresUrl, withConnectionHelp } from './flag-parsers';

interface ManifestFlags {
  url: string;
  out: string;
  cutoff?: Date;
  concurrency?: number;
  parallel?: number;
  chunkSize?: number;
  schema?: string[];
  include?: string[];
  exclude?: string[];
  cutoffColumn?: string[];
}

const collect = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

/** `schema.table=column` pairs (the last `=` splits, so names may contain dots). */
function cutoffColumns(pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs?.length) return undefined;
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.lastIndexOf('=');
    if (at <= 0)
      throw new UsageError(`--cutoff-column ${pair}: expected schema.table=column (or schema.table= for none)`);
    result[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return result;
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
    .option(
      '--parallel <n>',
      'chunks hashed at once, one connection each (default 2)',
      positiveInteger('--parallel', 64),
    )
    .option('--concurrency <n>', 'the same as --parallel (older name)', positiveInteger('--concurrency', 64))
    .option(
      '--chunk-size <size>',
      'split tables larger than this into key-range chunks (bytes on disk; e.g. 2GiB, 512MB)',
      byteSize('--chunk-size'),
    )
    .option(
      '--schema <names>',
      'describe only these schemas (comma-separated; default: every non-system schema)',
      collect,
    )
    .option('--include <patterns>', 'describe only tables matching schema.table patterns (* = any characters)', collect)
    .option('--exclude <patterns>', 'leave out tables matching schema.table patterns', collect)
    .option(
      '--cutoff-column <table=column>',
      'the timestamp column the cut-off applies to for schema.table (repeatable; default: inferred and reported)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .action(async (flags: ManifestFlags) => {
      const { io } = context;
      const { buildChunkedManifest } = await import('../../../engines/validation/chunks/manifest');
      const parallel = parallelOf(flags);
      const out = path.resolve(flags.out);
      if (!existsSync(path.dirname(out)))
        throw new UsageError(`the directory of --out does not exist: ${path.dirname(out)}`);
      const selection = {
        schemas: flags.schema,
        include: flags.include,
        exclude: flags.exclude,
        cutoffColumns: cutoffColumns(flags.cutoffColumn),
      };
      const manifest = await withConnectionHelp(() =>
        buildChunkedManifest({
          url: flags.url,
          selection,
          cutoff: flags.cutoff,
          concurrency: parallel,
          chunkBytes: flags.chunkSize,
          onProgress: (e) => {
            if (e.kind === 'manifest-table') io.err(`manifest: ${e.table} ${e.rows.toLocaleString('en-US')} rows`);
          },
        }),
      );
      const temporary = `${out}.${process.pid}.tmp`;
      await writeFile(temporary, JSON.stringify(manifest, null, 2) + '\n');
      await rename(temporary, out);
      const rows = manifest.tables.reduce((n, t) => n + t.rowCount, 0);
      for (const t of manifest.tables)
        if (t.chosen) io.err(`manifest: ${t.schema}.${t.table}: key ${t.chosen.key}; cut-off ${t.chosen.cutoff}`);
      for (const s of manifest.discovery?.skipped ?? []) io.err(`manifest: left out ${s.table}: ${s.reason}`);
      io.out(
        `wrote ${flags.out}: ${manifest.tables.length} tables, ${rows.toLocaleString('en-US')} rows at or before ${manifest.cutoff}`,
      );
    });
};
