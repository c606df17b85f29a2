import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';

/** A parameter's value, or undefined when there is no such parameter. */
export async function parameterValue(ssm: SSMClient, name: string): Promise<string | undefined> {
  try {
    return (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  } catch (error) {
    if (error instanceof Error && error.name === 'ParameterNotFound') return undefined;
    throw error;
  }
}
