import { DescribeGlobalClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { findGlobalCluster } from '../../engines/failover/cluster/aws-clusters';

describe('findGlobalCluster', () => {
  const rds = mockClient(RDSClient);
  afterEach(() => rds.reset());

  test('takes the global database it asked for from an answer that lists more than one (as moto answers)', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves({
      GlobalClusters: [
        { GlobalClusterIdentifier: 'claims-global', Status: 'available' },
        { GlobalClusterIdentifier: 'claims-global-fb', Status: 'creating' },
      ],
    });
    const found = await findGlobalCluster(new RDSClient({ region: 'us-east-1' }), 'Claims-Global-FB');
    expect(found).toEqual({ GlobalClusterIdentifier: 'claims-global-fb', Status: 'creating' });
  });

  test('is undefined when the answer does not name it, or when RDS says it does not exist', async () => {
    const client = new RDSClient({ region: 'us-east-1' });
    rds.on(DescribeGlobalClustersCommand).resolves({ GlobalClusters: [{ GlobalClusterIdentifier: 'claims-global' }] });
    expect(await findGlobalCluster(client, 'claims-global-fb')).toBeUndefined();
    rds
      .on(DescribeGlobalClustersCommand)
      .rejects(Object.assign(new Error('not found'), { name: 'GlobalClusterNotFoundFault' }));
    expect(await findGlobalCluster(client, 'claims-global-fb')).toBeUndefined();
  });
});
