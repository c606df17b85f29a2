import type { Manifest } from '../../engines/validation';

/**
 * A manifest of one small table (`<schema>.fill`) taken at `cutoff`: for code that finds, reads or passes a
 * manifest on without validating a database against it.
 */
export function manifestAt(database: string, cutoff: string, schema = 'public'): Manifest {
  return {
    format: 'rxdr.validation-manifest',
    version: 1,
    createdAt: cutoff,
    cutoff,
    source: { database, serverVersionNum: 170006 },
    schemas: [schema],
    tables: [
      {
        schema,
        table: 'fill',
        keyColumn: 'id',
        cutoffColumn: 'filled_at',
        columns: [{ name: 'id', type: 'bigint' }],
        rowCount: 1,
        checksum: '1',
        buckets: { start: 0, width: 1, entries: [] },
      },
    ],
    freshness: [],
  };
}
