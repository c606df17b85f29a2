import { buildManifest, Manifest, validateDatabase } from '../../engines/validation';
import { validateChunked } from '../../engines/validation/chunks/validate-chunked';
import { parallelWorkersPerQuery, sessionOptions } from '../../engines/validation/manifest';
import { seedDatabase } from '../../lib/seed';
import { useTestDatabase } from '../helpers/postgres';
import { queryOne } from './fixture';

const END = new Date('2026-11-01T00:00:00Z');
const db = useTestDatabase('parallel');
let manifest: Manifest;

beforeAll(async () => {
  await seedDatabase({ url: db().url, prescriptions: 200, seed: 5, endTime: END, historyDays: 30 });
  manifest = await buildManifest({ url: db().url, cutoff: END });
});

describe('parallelWorkersPerQuery', () => {
  test('leaves PostgreSQL only the cores the connections leave idle', () => {
    expect(parallelWorkersPerQuery(2, 2)).toBe(0);
    expect(parallelWorkersPerQuery(2, 1)).toBe(1);
    expect(parallelWorkersPerQuery(8, 2)).toBe(3);
    expect(parallelWorkersPerQuery(3, 2)).toBe(0);
    expect(parallelWorkersPerQuery(1, 4)).toBe(0);
  });

  test('unknown cores leave the server its setting', () => {
    expect(parallelWorkersPerQuery(undefined, 2)).toBeUndefined();
    expect(parallelWorkersPerQuery(0, 2)).toBeUndefined();
    expect(parallelWorkersPerQuery(Number.NaN, 2)).toBeUndefined();
    expect(sessionOptions(1000)).not.toContain('max_parallel_workers_per_gather');
    expect(sessionOptions(1000, '64MB', 0)).toContain('-c max_parallel_workers_per_gather=0');
  });
});

describe("the validator's sessions", () => {
  // A custom check runs on the validator's own pooled connections, so it reads their session setting.
  const workersSeen = async (options: { serverCores?: number; chunked?: boolean }) => {
    const validate = options.chunked ? validateChunked : validateDatabase;
    const report = await validate({
      url: db().url,
      manifest,
      recoveryPointTime: END,
      concurrency: 2,
      ...(options.serverCores === undefined ? {} : { serverCores: options.serverCores }),
      // Small enough that the chunked validation chunks the tables and finishes with the combined passes.
      ...(options.chunked ? { chunkBytes: 16_384 } : {}),
      checks: ['custom'],
      customChecks: [
        { name: 'workers', sql: "SELECT current_setting('max_parallel_workers_per_gather') AS w", expect: 'no-rows' },
      ],
    });
    // The chunked run must really have run in chunks, not fallen back to one whole validation.
    if (options.chunked) expect(report.chunks?.planned).toBeGreaterThan(manifest.tables.length);
    return report.checks[0]?.offendingKeys;
  };

  test('take the parallel workers from the server cores they are told, and the server setting otherwise', async () => {
    const server = await queryOne<{ w: string }>(
      db(),
      "SELECT current_setting('max_parallel_workers_per_gather') AS w",
    );
    expect(server.w).not.toBe('0');
    expect(await workersSeen({ serverCores: 2 })).toEqual(['0']);
    expect(await workersSeen({ serverCores: 8 })).toEqual(['3']);
    expect(await workersSeen({ serverCores: 2, chunked: true })).toEqual(['0']);
    expect(await workersSeen({})).toEqual([server.w]);
  });
});
