import { InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../errors';

/** Flag parsing shared by rxdr commands: each error names the flag and the value received. */

export function postgresUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected a PostgreSQL URL such as postgres://user@host:5432/database');
  }
  if (!['postgres:', 'postgresql:'].includes(url.protocol))
    throw new InvalidArgumentError(`expected a postgres:// URL, got ${url.protocol}//…`);
  return value;
}

export function positiveInteger(flag: string, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max)
      throw new InvalidArgumentError(`${flag} must be a whole number from 1 to ${max}, got '${value}'.`);
    return n;
  };
}

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** A size such as `2GiB`, `512MB` or `65536` (bytes), at least `min` bytes. */
export function byteSize(flag: string, min = 1024) {
  return (value: string): number => {
    const match = /^(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?$/i.exec(value.trim());
    const bytes = match ? Math.round(Number(match[1]) * (BYTE_UNITS[(match[2] ?? 'b').toLowerCase()] ?? NaN)) : NaN;
    if (!Number.isSafeInteger(bytes) || bytes < min)
      throw new InvalidArgumentError(
        `${flag} must be a size of at least ${min} bytes such as 2GiB, 512MB or 65536, got '${value}'.`,
      );
    return bytes;
  };
}

export function isoTime(flag: string) {
  return (value: string): Date => {
    const date = new Date(value);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(date.getTime())) {
      throw new InvalidArgumentError(
        `${flag} must be an ISO time with a zone such as 2026-11-01T00:00:00Z, got "${value}"`,
      );
    }
    return date;
  };
}

/** Turn an engine connection failure into a usage error that says what to do. */
export async function withConnectionHelp<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const { ConnectionError } = await import('../../../engines/validation/db');
    if (error instanceof ConnectionError) {
      throw new UsageError(
        `${error.message}. Check --url (host, port, database, user) and that the server is running and reachable.`,
      );
    }
    throw error;
  }
}

/** `--parallel`, or its older name `--concurrency` (default 2); both with different values is a usage error. */
export function parallelOf(flags: { parallel?: number; concurrency?: number }): number {
  if (flags.parallel !== undefined && flags.concurrency !== undefined && flags.parallel !== flags.concurrency)
    throw new UsageError(
      `--parallel ${flags.parallel} and --concurrency ${flags.concurrency} disagree: they are the same setting, pass only --parallel.`,
    );
  return flags.parallel ?? flags.concurrency ?? 2;
}

/** `--parallel <n>` (at most 64) of the commands that hash or validate in chunks; `help` says what runs at once. */
export function parallelOption(help: string): Option {
  return new Option('--parallel <n>', help).argParser(positiveInteger('--parallel', 64));
}

/** `--concurrency <n>`: the older name of `--parallel` (see `parallelOf`). */
export function concurrencyOption(): Option {
  return new Option('--concurrency <n>', 'the same as --parallel (older name)').argParser(
    positiveInteger('--concurrency', 64),
  );
}

/** `--chunk-size <size>`: tables larger than this are split into key-range chunks. */
export function chunkSizeOption(): Option {
  return new Option(
    '--chunk-size <size>',
    'split tables larger than this into key-range chunks (bytes on disk; e.g. 2GiB, 512MB)',
  ).argParser(byteSize('--chunk-size'));
}

/** `--engine` of a local run: one of `choices`, else exit 2 listing them (checked while parsing). */
export function oneOf<T extends string>(flag: string, choices: readonly T[], what: string) {
  return (value: string): T => {
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw new InvalidArgumentError(`${flag} '${value}' is not ${what}: choose one of ${choices.join(', ')}.`);
  };
}
