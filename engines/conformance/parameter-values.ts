import type { Parameter } from '@aws-sdk/client-rds';
import { READ_PARAMETERS } from './settings';

/** One page of DescribeDBParameters or DescribeDBClusterParameters. */
interface ParameterPage {
  readonly Parameters?: Parameter[];
  readonly Marker?: string;
}

/** The values of the parameters the rules read, from every page of a DB or DB cluster parameter group. */
export async function readParameterValues(
  page: (marker: string | undefined) => Promise<ParameterPage>,
): Promise<Record<string, string>> {
  const wanted = new Set<string>(READ_PARAMETERS);
  const values: Record<string, string> = {};
  let marker: string | undefined;
  do {
    const next = await page(marker);
    for (const p of next.Parameters ?? [])
      if (p.ParameterName && wanted.has(p.ParameterName) && p.ParameterValue !== undefined)
        values[p.ParameterName] = p.ParameterValue;
    marker = next.Marker;
  } while (marker);
  return values;
}
