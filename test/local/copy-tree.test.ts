import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { copyTree } from '../../lib/local/copy-tree';
import { tempDir } from '../helpers/temp-dir';

describe('copyTree', () => {
  test('GIVEN many files copied at once WHEN the copy ends THEN every byte is counted, the selection is honoured and every created path is handed to its owner', async () => {
    {
      const dir = tempDir('rxdr-copy-tree');
      const source = path.join(dir, 'source');
      await mkdir(path.join(source, 'base', '1'), { recursive: true });
      await mkdir(path.join(source, 'pg_wal', 'archive_status'), { recursive: true });
      let expected = 0;
      for (let i = 0; i < 200; i++) {
        const body = 'x'.repeat(1000 + i);
        expected += body.length;
        await writeFile(path.join(source, 'base', '1', `file-${i}`), body);
      }
      await writeFile(path.join(source, 'pg_wal', '000000010000000000000001'), 'wal');
      await writeFile(path.join(source, 'postmaster.pid'), '1');
      const owned: string[] = [];

      const target = path.join(dir, 'target');
      const bytes = await copyTree(source, target, {
        own: async (file) => void owned.push(path.relative(target, file)),
        select: (relative, entry) => {
          if (relative === 'postmaster.pid') return 'skip';
          if (relative.startsWith('pg_wal/')) return entry.isDirectory() ? 'empty-dir' : 'skip';
          return 'copy';
        },
      });

      expect(bytes).toBe(expected);
      expect((await readdir(path.join(target, 'base', '1'))).length).toBe(200);
      expect(await readFile(path.join(target, 'base', '1', 'file-199'), 'utf8')).toBe('x'.repeat(1199));
      expect(await readdir(path.join(target, 'pg_wal'))).toEqual(['archive_status']);
      expect((await stat(path.join(target, 'pg_wal', 'archive_status'))).isDirectory()).toBe(true);
      expect(await readdir(target)).not.toContain('postmaster.pid');
      expect(owned.sort()).toEqual(
        [
          '',
          'base',
          'base/1',
          'pg_wal',
          'pg_wal/archive_status',
          ...Array.from({ length: 200 }, (_, i) => `base/1/file-${i}`),
        ].sort(),
      );
    }
  });
});
