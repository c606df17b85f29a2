import { constants, Dirent } from 'node:fs';
import { copyFile, mkdir, readdir, readlink, stat, symlink } from 'node:fs/promises';
import * as path from 'node:path';

/** What to do with an entry of the copied tree. */
export type CopyDecision = 'copy' | 'skip' | 'empty-dir';

export interface CopyTreeOptions {
  /** Decide per entry, by its path relative to the source root. @default copy everything */
  readonly select?: (relativePath: string, entry: Dirent) => CopyDecision;
  /** Called for every directory, file and link created, e.g. to hand it to the server's OS user. */
  readonly own?: (target: string) => Promise<void>;
  /** Files copied at once. @default 16 */
  readonly concurrency?: number;
}

/**
 * Copy a directory tree as fast as the machine allows. Per-file cost dominates a data directory (hundreds
 * of small relation files), so the files are copied concurrently, each in the kernel (`copy_file_range`,
 * or a reflink where the file system shares blocks), and handed to their owner in the same pass.
 * Files that disappear while copying (temporary files of a running server) are skipped. Returns bytes copied.
 */
export async function copyTree(source: string, target: string, options: CopyTreeOptions = {}): Promise<number> {
  const files: [string, string][] = [];
  const own = options.own ?? (async () => undefined);
  await walk(source, target, '', files, options.select ?? (() => 'copy'), own);
  let bytes = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < files.length; index = next++) {
      const [from, to] = files[index] as [string, string];
      try {
        await copyFile(from, to, constants.COPYFILE_FICLONE);
        await own(to);
        const { size } = await stat(to);
        bytes += size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker));
  return bytes;
}

async function walk(
  source: string,
  target: string,
  relative: string,
  files: [string, string][],
  select: NonNullable<CopyTreeOptions['select']>,
  own: (target: string) => Promise<void>,
): Promise<void> {
  await mkdir(target, { recursive: true, mode: 0o700 });
  await own(target);
  let entries: Dirent[];
  try {
    entries = await readdir(source, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const subdirectories: Promise<void>[] = [];
  for (const entry of entries) {
    const from = path.join(source, entry.name);
    const to = path.join(target, entry.name);
    const relativePath = relative ? `${relative}/${entry.name}` : entry.name;
    const decision = select(relativePath, entry);
    if (decision === 'skip') continue;
    if (entry.isDirectory()) {
      if (decision === 'empty-dir') subdirectories.push(mkdir(to, { mode: 0o700 }).then(() => own(to)));
      else subdirectories.push(walk(from, to, relativePath, files, select, own));
    } else if (entry.isSymbolicLink()) {
      subdirectories.push(
        readlink(from)
          .then((link) => symlink(link, to))
          .catch((error: NodeJS.ErrnoException) => {
            if (error.code !== 'ENOENT') throw error;
          }),
      );
    } else if (entry.isFile()) {
      files.push([from, to]);
    }
  }
  await Promise.all(subdirectories);
}
