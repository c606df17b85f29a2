import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { CommandRegistrar } from '../context';
import { UsageError } from '../errors';
import { byteSize, isoTime, parallelOf, positiveInteger, postgresUrl, withConnectionHelp } from './flag-parsers';
import type { AwsFlags } from '../aws';
import type { PharmacyTables } from '../../../engines/validation/checks/pharmacy/table-mapping';

interface ManifestFlags extends AwsFlags {
  url: string;
  out?: string;
  upload?: boolean;
  cutoff?: Date;
  concurrency?: number;
  parallel?: number;
  chunkSize?: number;
  schema?: string[];
  include?: string[];
  exclude?: string[];
  cutoffColumn?: string[];
  pharmacyTables?: string;
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

/** The `--pharmacy-tables` file: reference table -> the adopter's table and columns (exit 2 when invalid). */
async function readPharmacyTables(file: string): Promise<PharmacyTables> {
  const hint = 'See "Pharmacy invariants on your own tables" in docs/validation.md.';
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read --pharmacy-tables ${file}: ${(error as Error).message}. ${hint}`);
  }
  // Loaded on use: `rxdr --help` loads no schema library.
  const { pharmacyTablesSchema } = await import('../../../engines/validation/checks/pharmacy/table-mapping');
  const result = pharmacyTablesSchema.safeParse(value);
  if (!result.success)
    throw new UsageError(
      `${file}: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}. ${hint}`,
    );
  return result.data;
}

/** `rxdr manifest`: describe a source database at a cut-off (counts, checksums, pharmacy aggregates). */
export const registerManifest: CommandRegistrar = (program, context) => {
  program
    .command('manifest')
    .description(
      'Describe the source database at a cut-off: per-table counts and checksums of older rows, audit chain head, pharmacy aggregates. Writes JSON.',
    )
    .requiredOption('--url <postgres-url>', 'source database (read-only access is enough)', postgresUrl)
    .option('--out <file>', 'where to write the manifest JSON (written only when complete)')
    .option(
      '--upload',
      'write it to the evidence bucket as manifests/<database>.json, where drills read it (needs --env, --database)',
    )
    .option('--env <name>', 'with --upload: the environment whose evidence bucket receives it')
    .option(
      '--database <name>',
      "with --upload: the database's name in the configuration (its validation settings apply)",
    )
    .option('--region <region>', "with --upload: the evidence bucket's region (default: the recovery region)")
    .option('--profile <name>', 'with --upload: AWS named profile')
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
    .option(
      '--pharmacy-tables <file>',
      'JSON mapping the reference pharmacy tables to this database\'s: { "prescription": { "table": "rx.scripts", ' +
        '"columns": { "rx_number": "rx_no" } }, … } (the invariant checks then run on them)',
    )
    .action(async (flags: ManifestFlags) => {
      const { io } = context;
      const { buildChunkedManifest } = await import('../../../engines/validation/chunks/manifest');
      const parallel = parallelOf(flags);
      if (!flags.out && !flags.upload)
        throw new UsageError('say where the manifest goes: --out <file> and/or --upload');
      const out = flags.out ? path.resolve(flags.out) : undefined;
      if (out && !existsSync(path.dirname(out)))
        throw new UsageError(`the directory of --out does not exist: ${path.dirname(out)}`);
      const upload = flags.upload ? await import('./manifest-upload') : undefined;
      const destination = upload?.uploadDestination(flags);
      const configured = destination?.validation;
      const selection = {
        schemas: flags.schema ?? configured?.schemas,
        include: flags.include ?? configured?.include,
        exclude: flags.exclude ?? configured?.exclude,
        cutoffColumns: cutoffColumns(flags.cutoffColumn) ?? configured?.cutoffColumns,
      };
      const pharmacyTables = flags.pharmacyTables
        ? await readPharmacyTables(flags.pharmacyTables)
        : configured?.pharmacyTables;
      const { MappingError } = await import('../../../engines/validation/manifest');
      const manifest = await withConnectionHelp(() =>
        buildChunkedManifest({
          url: flags.url,
          selection,
          pharmacyTables,
          cutoff: flags.cutoff,
          concurrency: parallel,
          chunkBytes: flags.chunkSize,
          onProgress: (e) => {
            if (e.kind === 'manifest-table') io.err(`manifest: ${e.table} ${e.rows.toLocaleString('en-US')} rows`);
          },
        }).catch((error: unknown) => {
          if (error instanceof MappingError) throw new UsageError(`${error.message}. Fix --pharmacy-tables.`);
          throw error;
        }),
      );
      if (out) {
        const temporary = `${out}.${process.pid}.tmp`;
        await writeFile(temporary, JSON.stringify(manifest, null, 2) + '\n');
        await rename(temporary, out);
      }
      const rows = manifest.tables.reduce((n, t) => n + t.rowCount, 0);
      for (const t of manifest.tables)
        if (t.chosen) io.err(`manifest: ${t.schema}.${t.table}: key ${t.chosen.key}; cut-off ${t.chosen.cutoff}`);
      for (const s of manifest.discovery?.skipped ?? []) io.err(`manifest: left out ${s.table}: ${s.reason}`);
      const what = `${manifest.tables.length} tables, ${rows.toLocaleString('en-US')} rows at or before ${manifest.cutoff}`;
      if (flags.out) io.out(`wrote ${flags.out}: ${what}`);
      if (upload && destination) {
        const written = await upload.uploadManifest(destination, manifest, flags.profile);
        if (!written.ok) {
          io.err(`manifest NOT uploaded: ${written.message}`);
          context.exitCode = written.exitCode;
          return;
        }
        io.out(`uploaded ${written.location} (version ${written.versionId ?? 'unversioned'}): ${what}`);
      }
    });
};
