import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { initdbOrCopy } from '../../lib/local/initdb-template';
import { tempDir } from '../helpers/temp-dir';

/**
 * The cache logic with a stand-in initdb that writes a two-file data directory (every real cluster of the suite,
 * local mode and the benchmarks goes through the same function with the real initdb).
 */
describe('initdbOrCopy: the first cluster of a kind is initdb-ed, later ones copy it from a private cache', () => {
  const uid = process.getuid!();
  let runs: string[];
  const fakeInitdb = (dataDir: string, marker: string) => async () => {
    runs.push(dataDir);
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(path.join(dataDir, 'PG_VERSION'), '18\n');
    writeFileSync(path.join(dataDir, 'marker'), marker, { mode: 0o600 });
  };
  const binary = () => {
    const file = path.join(tempDir('rxdr-initdb-bin'), 'initdb');
    writeFileSync(file, '#!/bin/sh\n', { mode: 0o755 });
    return file;
  };
  beforeEach(() => {
    runs = [];
  });

  test('copies the template for the same binary and options, with its modes; other options initdb again', async () => {
    const cacheParent = tempDir('rxdr-initdb-cache');
    const initdbBinary = binary();
    const root = tempDir('rxdr-initdb-clusters');
    const create = (name: string, options: string[]) =>
      initdbOrCopy({
        initdbBinary,
        options,
        dataDir: path.join(root, name),
        cacheParent,
        initdb: fakeInitdb(path.join(root, name), name),
      });
    expect(await create('first', ['--wal-segsize=1'])).toBe('initdb');
    expect(await create('second', ['--wal-segsize=1'])).toBe('copied');
    expect(await create('third', ['--wal-segsize=16'])).toBe('initdb');
    expect(runs.map((dir) => path.basename(dir))).toEqual(['first', 'third']);
    expect(readFileSync(path.join(root, 'second', 'marker'), 'utf8')).toBe('first');
    expect(statSync(path.join(root, 'second')).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(root, 'second', 'marker')).mode & 0o777).toBe(0o600);
    const cache = path.join(cacheParent, `rxdr-initdb-${uid}`);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
  });

  test.each([
    ['open to other users (0777)', (cache: string) => (mkdirSync(cache), chmodSync(cache, 0o777))],
    ['a link to another directory', (cache: string) => symlinkSync(tempDir('rxdr-initdb-elsewhere'), cache)],
  ])('a cache directory that is %s is never used', async (_name, plant) => {
    const cacheParent = tempDir('rxdr-initdb-cache');
    plant(path.join(cacheParent, `rxdr-initdb-${uid}`));
    const initdbBinary = binary();
    const root = tempDir('rxdr-initdb-clusters');
    for (const name of ['first', 'second']) {
      const dataDir = path.join(root, name);
      const how = await initdbOrCopy({
        initdbBinary,
        options: [],
        dataDir,
        cacheParent,
        initdb: fakeInitdb(dataDir, name),
      });
      expect(how).toBe('initdb');
      expect(readFileSync(path.join(dataDir, 'marker'), 'utf8')).toBe(name);
    }
  });
});
