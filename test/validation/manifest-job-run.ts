import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type {
  createManifestJobSteps,
  ManifestJobResult,
  ManifestJobState,
} from '../../engines/validation/manifest-job';

/** The parts of an aws-sdk-client-mock S3 stub used here. */
interface S3Stub {
  on(command: unknown): { callsFake(fn: (input: any) => unknown): unknown }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** An S3 bucket in memory behind a mocked S3 client: PutObject stores the body, GetObject returns it. */
export function inMemoryBucket(s3: S3Stub): Map<string, string> {
  const objects = new Map<string, string>();
  s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: unknown }) => {
    objects.set(input.Key, String(input.Body));
    return {};
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const text = objects.get(input.Key);
    if (text === undefined) throw Object.assign(new Error(`NoSuchKey: ${input.Key}`), { name: 'NoSuchKey' });
    return { Body: { transformToString: async () => text } };
  });
  return objects;
}

/** The manifest job's steps one after the other, as its state machine runs them (chunks one at a time). */
export async function runManifestJob(
  steps: ReturnType<typeof createManifestJobSteps>,
  input: unknown,
  run = 'local-run',
): Promise<ManifestJobResult> {
  const state: ManifestJobState = await steps.plan({ input, run });
  for (const chunk of state.chunking.ids)
    await steps.chunk({ chunk, prefix: state.chunking.prefix, database: state.input.database });
  return steps.finish(state);
}
