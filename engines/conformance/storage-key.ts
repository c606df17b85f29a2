import { DescribeKeyCommand, KMSClient, NotFoundException } from '@aws-sdk/client-kms';
import type { ConformanceClients } from './describe';
import type { InstanceSettings } from './settings';
import type { ConformanceTarget } from './target';

/**
 * The storage key of an instance or a cluster as the rules judge it: its ARN and manager (customer or AWS), and the
 * ARN the target's expected key (alias) resolves to.
 */
export async function readStorageKeys(
  target: ConformanceTarget,
  clients: ConformanceClients,
  storage: { readonly StorageEncrypted?: boolean; readonly KmsKeyId?: string },
): Promise<Pick<InstanceSettings, 'kmsKeyArn' | 'keyManager' | 'expectedKeyArn'>> {
  const kms = () => clients.kms(target.region);
  const [key, expectedKeyArn] = await Promise.all([
    storage.StorageEncrypted && storage.KmsKeyId ? describeKey(kms(), storage.KmsKeyId) : undefined,
    target.expectedKey ? describeKey(kms(), target.expectedKey).then((k) => k?.arn) : undefined,
  ]);
  return {
    ...(storage.KmsKeyId ? { kmsKeyArn: key?.arn ?? storage.KmsKeyId } : {}),
    ...(key ? { keyManager: key.manager } : {}),
    ...(expectedKeyArn ? { expectedKeyArn } : {}),
  };
}

export async function describeKey(
  kms: KMSClient,
  keyId: string,
): Promise<{ arn: string; manager: string } | undefined> {
  try {
    const out = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    const metadata = out.KeyMetadata;
    return metadata?.Arn ? { arn: metadata.Arn, manager: metadata.KeyManager ?? 'unknown' } : undefined;
  } catch (error) {
    if (error instanceof NotFoundException || (error as Error).name === 'NotFoundException') return undefined;
    throw error;
  }
}
