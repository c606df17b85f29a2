import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  DescribeDBClusterParametersCommand,
  DescribeDBClustersCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { POSTGRES_PARAMETERS } from '../../engines/database/postgres-parameters';

export const CONFORMING_KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555';

/**
 * Mocked RDS and KMS describing every instance as conforming: CMK storage, 35-day backups replicating, TLS,
 * pgaudit as the reference instance, PostgreSQL 17, Multi-AZ; and every Aurora cluster likewise (its cluster
 * parameter group, IAM authentication). Tests drift one instance from here. `latestRestorableTime`, when given, is
 * every instance's and cluster's `LatestRestorableTime`.
 */
export function conformingInstances(
  rds: AwsClientStub<RDSClient>,
  kms: AwsClientStub<KMSClient>,
  options: { readonly latestRestorableTime?: Date } = {},
): void {
  const restorable = options.latestRestorableTime ? { LatestRestorableTime: options.latestRestorableTime } : {};
  rds.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier?: string }) => ({
    DBInstances: [
      {
        DBInstanceIdentifier: input.DBInstanceIdentifier,
        DbiResourceId: `db-${input.DBInstanceIdentifier}`,
        Engine: 'postgres',
        EngineVersion: '17.6',
        StorageEncrypted: true,
        KmsKeyId: CONFORMING_KEY_ARN,
        BackupRetentionPeriod: 35,
        DeletionProtection: true,
        PubliclyAccessible: false,
        AutoMinorVersionUpgrade: true,
        MultiAZ: true,
        DBParameterGroups: [{ DBParameterGroupName: 'rxdr-params', ParameterApplyStatus: 'in-sync' }],
        ...restorable,
      },
    ],
  }));
  rds.on(DescribeDBParametersCommand).resolves({
    Parameters: Object.entries(POSTGRES_PARAMETERS).map(([ParameterName, ParameterValue]) => ({
      ParameterName,
      ParameterValue,
    })),
  });
  rds
    .on(DescribeDBInstanceAutomatedBackupsCommand)
    .resolves({ DBInstanceAutomatedBackups: [{ Status: 'replicating' }] });
  rds.on(DescribeDBClustersCommand).callsFake((input: { DBClusterIdentifier?: string }) => ({
    DBClusters: [
      {
        DBClusterIdentifier: input.DBClusterIdentifier,
        Engine: 'aurora-postgresql',
        EngineVersion: '17.6',
        StorageEncrypted: true,
        KmsKeyId: CONFORMING_KEY_ARN,
        BackupRetentionPeriod: 35,
        DeletionProtection: true,
        MultiAZ: true,
        IAMDatabaseAuthenticationEnabled: true,
        DBClusterParameterGroup: 'rxdr-cluster-params',
        DBClusterMembers: [{ DBInstanceIdentifier: `${input.DBClusterIdentifier}-writer` }],
        ...restorable,
      },
    ],
  }));
  rds.on(DescribeDBClusterParametersCommand).resolves({
    Parameters: Object.entries(POSTGRES_PARAMETERS).map(([ParameterName, ParameterValue]) => ({
      ParameterName,
      ParameterValue,
    })),
  });
  kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', Arn: CONFORMING_KEY_ARN, KeyManager: 'CUSTOMER' } });
}
