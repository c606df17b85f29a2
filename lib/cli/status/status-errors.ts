import { awsUsageError, type AwsTarget } from '../aws';

/** Credential problems abort the command (exit 2); anything else is reported against the one check it hit. */
export function checkError(error: unknown, target: AwsTarget, profile: string | undefined): string {
  const mapped = awsUsageError(error, target, profile);
  if (mapped.name === 'UsageError' && /credentials/.test(mapped.message)) throw mapped;
  return mapped.message;
}
