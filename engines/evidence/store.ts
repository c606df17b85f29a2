import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { EvidenceDocument, evidenceKey, parseEvidence } from './schema';

/**
 * Records kept beside the evidence that are not evidence documents: people records (training, game-day
 * participation) and the game-day journals.
 */
export const NOT_EVIDENCE_PREFIXES = ['people/', 'gamedays/'] as const;

/** Where evidence documents are kept. Writes never overwrite: each run has its own key. */
export interface EvidenceStore {
  /**
   * Write one document; returns where it went (a file path or an `s3://` URL). Safe to retry: when the
   * key already holds the same run's evidence (an earlier attempt wrote it), that counts as written.
   */
  put(doc: EvidenceDocument): Promise<string>;
  /** Every document under the store's root, oldest first. Unparseable files are reported, not skipped silently. */
  list(): Promise<{ documents: EvidenceDocument[]; invalid: { location: string; error: string }[] }>;
}

/** Local evidence: `<root>/<environment>/<database>/<started>-<kind>-<runId>.json`. */
export class FileEvidenceStore implements EvidenceStore {
  constructor(readonly root: string) {}

  async put(doc: EvidenceDocument): Promise<string> {
    const file = path.join(this.root, ...evidenceKey(doc).split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(parseEvidence(doc), null, 2) + '\n', { flag: 'wx' });
    return file;
  }

  async list(): Promise<{ documents: EvidenceDocument[]; invalid: { location: string; error: string }[] }> {
    const beside = NOT_EVIDENCE_PREFIXES.map((prefix) => path.join(this.root, prefix));
    const files = (await jsonFilesUnder(this.root)).filter((f) => !beside.some((dir) => f.startsWith(dir)));
    const documents: EvidenceDocument[] = [];
    const invalid: { location: string; error: string }[] = [];
    for (const file of files) {
      try {
        documents.push(parseEvidence(JSON.parse(await readFile(file, 'utf8'))));
      } catch (error) {
        invalid.push({ location: file, error: (error as Error).message });
      }
    }
    return { documents: sortByStart(documents), invalid };
  }
}

/** Evidence in S3 (the evidence bucket has Object Lock; `put` never reuses a key). */
export class S3EvidenceStore implements EvidenceStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    readonly prefix = '',
  ) {}

  static fromUrl(url: string, s3: S3Client = new S3Client({})): S3EvidenceStore {
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
    if (!match?.[1]) throw new Error(`not an s3:// URL: ${url}`);
    return new S3EvidenceStore(s3, match[1], match[2] ?? '');
  }

  private key(relative: string): string {
    return this.prefix ? `${this.prefix.replace(/\/+$/, '')}/${relative}` : relative;
  }

  async put(doc: EvidenceDocument): Promise<string> {
    const key = this.key(evidenceKey(doc));
    const location = `s3://${this.bucket}/${key}`;
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: JSON.stringify(parseEvidence(doc), null, 2),
          ContentType: 'application/json',
          IfNoneMatch: '*',
        }),
      );
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
      // A retried step finds what its earlier attempt wrote: done, if it is this run's evidence.
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const existing = parseEvidence(JSON.parse((await object.Body?.transformToString()) ?? ''));
      if (!sameRun(existing, doc)) {
        const other = `${existing.kind} ${existing.runId} of ${existing.database}`;
        throw new EvidenceConflictError(`${location} holds evidence of another run (${other}): not overwritten`);
      }
    }
    return location;
  }

  async list(): Promise<{ documents: EvidenceDocument[]; invalid: { location: string; error: string }[] }> {
    const documents: EvidenceDocument[] = [];
    const invalid: { location: string; error: string }[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix || undefined, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        const key = object.Key;
        if (!key?.endsWith('.json') || NOT_EVIDENCE_PREFIXES.some((prefix) => key.startsWith(prefix))) continue;
        const location = `s3://${this.bucket}/${object.Key}`;
        try {
          const body = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: object.Key }));
          documents.push(parseEvidence(JSON.parse((await body.Body?.transformToString()) ?? '')));
        } catch (error) {
          invalid.push({ location, error: (error as Error).message });
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return { documents: sortByStart(documents), invalid };
  }
}

/** The key holds a different run's evidence: nothing is overwritten, and this run's evidence is not written. */
export class EvidenceConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Rxdr.EvidenceConflict';
  }
}

/** S3 answered `412 Precondition Failed` to a conditional write (`If-None-Match: *`): the key exists. */
function isPreconditionFailed(error: unknown): boolean {
  const { name, $metadata } = (error ?? {}) as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  return name === 'PreconditionFailed' || $metadata?.httpStatusCode === 412;
}

function sameRun(a: EvidenceDocument, b: EvidenceDocument): boolean {
  return (
    a.runId === b.runId &&
    a.kind === b.kind &&
    a.environment === b.environment &&
    a.database === b.database &&
    a.runbook?.operation === b.runbook?.operation
  );
}

async function jsonFilesUnder(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await jsonFilesUnder(full)));
    else if (entry.isFile() && entry.name.endsWith('.json')) files.push(full);
  }
  return files;
}

function sortByStart(documents: EvidenceDocument[]): EvidenceDocument[] {
  return documents.sort(
    (a, b) => a.timestamps.started.localeCompare(b.timestamps.started) || a.runId.localeCompare(b.runId),
  );
}
