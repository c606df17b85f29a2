import { KMSClient } from '@aws-sdk/client-kms';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { rxdr } from '../helpers/cli';
import { conformingInstances } from '../helpers/conforming-instances';
import { tempDir } from '../helpers/temp-dir';

/** `rxdr plan --conformance`: the plan lists every finding of every instance, read by the conformance engine. */

const rds = mockClient(RDSClient);
const kms = mockClient(KMSClient);
const sts = mockClient(STSClient);

beforeEach(() => {
  for (const mock of [rds, kms, sts]) mock.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:sts::333333333333:assumed-role/compliance/carol' });
  conformingInstances(rds, kms);
});

const plan = (...flags: string[]) =>
  rxdr('plan', '--env', 'prod', '--no-synth', '--evidence', tempDir('rxdr-plan'), ...flags);

test('each finding of each instance is a row of the conformance section', async () => {
  rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'pharmacy-claims-prod' }).resolves({
    DBInstances: [
      {
        DBInstanceIdentifier: 'pharmacy-claims-prod',
        Engine: 'postgres',
        EngineVersion: '16.4',
        StorageEncrypted: false,
        BackupRetentionPeriod: 7,
        DeletionProtection: true,
        AutoMinorVersionUpgrade: false,
        MultiAZ: true,
      },
    ],
  });
  const { code, stdout } = await plan('--conformance');
  expect(code).toBe(0);
  expect(stdout).toMatch(/## \d+\. Conformance of the protected databases\n/);
  expect(stdout).toContain('1 of 8 instance(s) depart from them'); // 6 instances, the Aurora cluster and its secondary
  expect(stdout).toContain(
    '| claims | primary `pharmacy-claims-prod` (us-east-1) | ✗ storageEncryption | storage is not encrypted |',
  );
  expect(stdout).toContain(
    '| claims | primary `pharmacy-claims-prod` (us-east-1) | ✗ backupRetention | automated backups kept 7 days, tier critical asks for at least 35 |',
  );
  expect(stdout).toMatch(
    /\| claims \| primary `pharmacy-claims-prod` \(us-east-1\) \| ✗ pgaudit \| shared_preload_libraries is \(unset\)/,
  );
  expect(stdout).toContain('| claims | replica `rxdr-prod-claims-dr` (us-west-2) | ✓ | every rule met |');
  expect(stdout).toContain('| analytics | primary `pharmacy-analytics-prod` (us-east-1) | ✓ | every rule met |');
});

test('without --conformance the plan reads nothing from AWS and has no such section', async () => {
  const { code, stdout } = await plan();
  expect(code).toBe(0);
  expect(stdout).not.toContain('Conformance of the protected databases');
  expect(rds.calls()).toHaveLength(0);
  expect(sts.calls()).toHaveLength(0);
});

test('--conformance without credentials exits 2 saying how to log in', async () => {
  sts
    .on(GetCallerIdentityCommand)
    .rejects(Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' }));
  const { code, stderr } = await plan('--conformance');
  expect(code).toBe(2);
  expect(stderr).toMatch(/no AWS credentials found: run `aws sso login`/);
  expect(rds.calls()).toHaveLength(0);
});
