import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GAMEDAY_JOURNAL_PREFIX, JournalEntry, foldJournal, journalKey, type GameDayJournal } from './journal';

/**
 * The game-day journals of one environment in the evidence bucket. Entries are only ever added
 * (`If-None-Match: *`; the bucket's Object Lock keeps them), so two people ending the same game day each add their
 * entry and neither loses the other's.
 */
export class S3GameDayJournal {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    readonly environment: string,
  ) {}

  async append(entry: JournalEntry): Promise<string> {
    const key = journalKey(this.environment, JournalEntry.parse(entry));
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: JSON.stringify(entry, null, 2),
        ContentType: 'application/json',
        IfNoneMatch: '*',
      }),
    );
    return `s3://${this.bucket}/${key}`;
  }

  /** Every game day of the environment, oldest first. An unreadable entry fails the read: it may be an end. */
  async list(): Promise<GameDayJournal[]> {
    const byRun = new Map<string, JournalEntry[]>();
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: `${GAMEDAY_JOURNAL_PREFIX}${this.environment}/`,
          ContinuationToken: token,
        }),
      );
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key?.endsWith('.json') ? [o.Key] : []));
      for (const key of keys.sort()) {
        const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        const parsed = JournalEntry.safeParse(JSON.parse((await object.Body?.transformToString()) ?? ''));
        if (!parsed.success)
          throw new Error(`s3://${this.bucket}/${key} is not a game-day journal entry: ${parsed.error.message}`);
        byRun.set(parsed.data.runId, [...(byRun.get(parsed.data.runId) ?? []), parsed.data]);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return [...byRun.values()]
      .map((entries) => foldJournal(entries))
      .sort((a, b) => a.started.at.localeCompare(b.started.at));
  }

  /** The game day not yet ended, if any (at most one runs per environment). */
  async open(): Promise<GameDayJournal | undefined> {
    return (await this.list()).filter((j) => !j.ended).at(-1);
  }
}
