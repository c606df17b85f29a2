import { DeleteParameterCommand } from '@aws-sdk/client-ssm';
import { names } from '../../naming';
import type { AwsTarget } from '../aws';

/**
 * The isolated-copy scenario's declaration that the recovery vault is lost: an SSM parameter in the recovery region
 * that its automation writes and, after the fault's duration, deletes. While it exists, drills restore from the
 * isolated vault; a game day ended early must withdraw it itself (stopping the experiment cancels the automation).
 *
 * The Operator may only delete this parameter (it may read no parameter at all), so "is it gone?" is asked by
 * deleting it: `ParameterNotFound` is the answer "gone"; a delete that succeeds found it declared again.
 */
export interface VaultDeclaration {
  readonly parameter: string;
  /** The declaration existed when it was last deleted. */
  readonly found: boolean;
}

/** Delete the declaration (`target` is the recovery region's) and say whether there was one. */
export async function withdrawVaultDeclaration(target: AwsTarget): Promise<VaultDeclaration> {
  const parameter = names.gameDayVaultLostParameter(target.env);
  try {
    await target.clients.ssm.send(new DeleteParameterCommand({ Name: parameter }));
    return { parameter, found: true };
  } catch (error) {
    if (error instanceof Error && error.name === 'ParameterNotFound') return { parameter, found: false };
    throw error;
  }
}
