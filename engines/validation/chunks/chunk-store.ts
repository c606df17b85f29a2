import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CHUNK_RESULTS_PREFIX } from '../../common/chunk-key';
import type { Chunk } from './chunk';
import type { ChunkVerdict } from './validate';

/** What the planning step leaves for the chunk steps and the whole-table step. */
export interface StoredChunkPlan {
  /** The manifest version every step compares with (chosen once, by the planning step). */
  readonly manifest: { readonly bucket: string; readonly key: string; readonly versionId: string };
  readonly chunks: Chunk[];
  /** Connections (chunk invocations) running at once. */
  readonly parallel: number;
}

/**
 * A chunked run's plan and chunk verdicts in the evidence bucket (KMS, the bucket's key) under one prefix
 * per run and database (`chunkRunPrefix` for a validation, `manifestRunPrefix` for a manifest): a plan of
 * hundreds of chunks and their verdicts would overflow the 256 KB Step Functions state, so only the prefix
 * and chunk ids travel as state. A retried chunk writes the same verdict to the same key again, so the
 * combined result does not change.
 */
export class S3ChunkStore<Plan = StoredChunkPlan, Verdict extends { chunk: number } = ChunkVerdict> {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
    root = CHUNK_RESULTS_PREFIX,
  ) {
    if (!prefix.startsWith(root) || !prefix.endsWith('/'))
      throw new Error(`chunk results prefix must be under ${root}, got "${prefix}"`);
  }

  putPlan(plan: Plan): Promise<void> {
    return this.put('plan.json', plan);
  }

  getPlan(): Promise<Plan> {
    return this.get<Plan>('plan.json');
  }

  putVerdict(verdict: Verdict): Promise<void> {
    return this.put(`chunks/${verdict.chunk}.json`, verdict);
  }

  /** Every planned chunk's verdict; a missing one is an error naming the chunk. */
  async getVerdicts(chunks: readonly { id: number }[], concurrency = 16): Promise<Verdict[]> {
    const verdicts: Verdict[] = new Array<Verdict>(chunks.length);
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const index = next++;
        const chunk = chunks[index] as { id: number };
        try {
          verdicts[index] = await this.get<Verdict>(`chunks/${chunk.id}.json`);
        } catch (error) {
          throw new Error(`chunk ${chunk.id}: no verdict at ${this.prefix}chunks/${chunk.id}.json (${String(error)})`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
    return verdicts;
  }

  private async put(name: string, body: unknown): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: `${this.prefix}${name}`,
        Body: JSON.stringify(body),
        ContentType: 'application/json',
        ServerSideEncryption: 'aws:kms',
      }),
    );
  }

  private async get<T>(name: string): Promise<T> {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: `${this.prefix}${name}` }));
    return JSON.parse((await object.Body?.transformToString()) ?? '') as T;
  }
}
