import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DescribeDBClusterParametersCommand, DescribeDBParametersCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { checkConformance } from '../../engines/conformance/check';
import type { ConformanceTarget } from '../../engines/conformance/target';

/*
 * What the conformance engine tests share: RDS and KMS mocked with aws-sdk-client-mock, the clients the engine
 * builds per region, and the way a world of descriptions is served.
 */

export const NOW = new Date('2026-12-06T12:00:00Z');
export const KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555';

export const rds = mockClient(RDSClient);
export const kms = mockClient(KMSClient);
export const clients = {
  rds: (region: string) => new RDSClient({ region }),
  kms: (region: string) => new KMSClient({ region }),
};

/**
 * A parameter group's parameters on two pages, those the rules read on the second: paging must be followed.
 * Clusters read their cluster parameter group, instances their DB parameter group.
 */
export function describesParameters(group: 'cluster' | 'instance', parameters: Record<string, string>): void {
  const Parameters = Object.entries(parameters).map(([ParameterName, ParameterValue]) => ({
    ParameterName,
    ParameterValue,
  }));
  const firstPage = { Parameters: [{ ParameterName: 'work_mem', ParameterValue: '4096' }], Marker: 'page-2' };
  if (group === 'cluster')
    rds
      .on(DescribeDBClusterParametersCommand, { Marker: undefined })
      .resolves(firstPage)
      .on(DescribeDBClusterParametersCommand, { Marker: 'page-2' })
      .resolves({ Parameters });
  else
    rds
      .on(DescribeDBParametersCommand, { Marker: undefined })
      .resolves(firstPage)
      .on(DescribeDBParametersCommand, { Marker: 'page-2' })
      .resolves({ Parameters });
}

/** The storage key, managed by the customer or by AWS. */
export function describesKey(keyManager: 'CUSTOMER' | 'AWS'): void {
  kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', Arn: KEY_ARN, KeyManager: keyManager } });
}

/** A change to a compliant world that must give exactly one finding: its label, the change, its detail. */
export type Drift<World> = [string, (world: World) => void, RegExp];

/** One test per drift: a compliant world with that one change gives exactly its finding kind and detail. */
export function eachDriftGivesItsFinding<World>(
  drifts: Record<string, Drift<World>>,
  world: { compliant: () => World; describe: (world: World) => void; target: ConformanceTarget },
): void {
  test.each(Object.entries(drifts))('%s: exactly that finding', async (kind, [, drift, detail]) => {
    const drifted = world.compliant();
    drift(drifted);
    world.describe(drifted);
    const report = await checkConformance('prod', [world.target], clients, NOW);
    expect(report.instances[0]!.findings).toEqual([{ kind, detail: expect.stringMatching(detail) }]);
  });
}
