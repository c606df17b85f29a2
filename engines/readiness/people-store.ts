import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PEOPLE_PREFIX, PeopleRecord, peopleRecordKey } from './records';

/** Where people records live: beside the drill evidence, under `people/`, never overwritten. */
export interface PeopleStore {
  put(record: PeopleRecord): Promise<string>;
  /** Every record of one environment; unreadable ones are reported, not skipped silently. */
  list(environment: string): Promise<{ records: PeopleRecord[]; invalid: { location: string; error: string }[] }>;
}

export class FilePeopleStore implements PeopleStore {
  constructor(readonly root: string) {}

  async put(record: PeopleRecord): Promise<string> {
    const file = path.join(this.root, ...peopleRecordKey(PeopleRecord.parse(record)).split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(record, null, 2) + '\n', { flag: 'wx' });
    return file;
  }

  async list(environment: string) {
    const dir = path.join(this.root, PEOPLE_PREFIX, environment);
    const records: PeopleRecord[] = [];
    const invalid: { location: string; error: string }[] = [];
    for (const file of await jsonFiles(dir)) {
      const parsed = PeopleRecord.safeParse(JSON.parse(await readFile(file, 'utf8')));
      if (parsed.success) records.push(parsed.data);
      else invalid.push({ location: file, error: parsed.error.issues.map((i) => i.message).join('; ') });
    }
    return { records, invalid };
  }
}

export class S3PeopleStore implements PeopleStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async put(record: PeopleRecord): Promise<string> {
    const key = peopleRecordKey(PeopleRecord.parse(record));
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: JSON.stringify(record, null, 2),
        ContentType: 'application/json',
        IfNoneMatch: '*',
      }),
    );
    return `s3://${this.bucket}/${key}`;
  }

  async list(environment: string) {
    const records: PeopleRecord[] = [];
    const invalid: { location: string; error: string }[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: `${PEOPLE_PREFIX}${environment}/`,
          ContinuationToken: token,
        }),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key?.endsWith('.json')) continue;
        const location = `s3://${this.bucket}/${object.Key}`;
        try {
          const body = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: object.Key }));
          records.push(PeopleRecord.parse(JSON.parse((await body.Body?.transformToString()) ?? '')));
        } catch (error) {
          invalid.push({ location, error: (error as Error).message });
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return { records, invalid };
  }
}

/** The people records beside the evidence at a location: `<dir>/people/`, or `people/` at the root of the bucket. */
export function peopleStoreBeside(evidence: string, s3: S3Client = new S3Client({})): PeopleStore {
  const bucket = /^s3:\/\/([^/]+)/.exec(evidence)?.[1];
  return bucket ? new S3PeopleStore(s3, bucket) : new FilePeopleStore(evidence);
}

async function jsonFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}
