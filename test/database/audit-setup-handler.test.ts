import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { Client } from 'pg';
import { AUDIT_ROLE } from '../../engines/database/audit-setup';
import { TABLES_SQL } from '../../engines/validation/schema';
import { handler } from '../../lambda/audit-setup';
import { useTlsTestDatabase } from '../helpers/tls-postgres';

/*
 * The audit setup's Lambda entry as CloudFormation's provider calls it: credentials from Secrets Manager (mocked),
 * the database on a TLS-only PostgreSQL server whose private CA `RDS_CA_BUNDLE` names, as on RDS. The server has
 * no pgaudit library, so a Create fails after the role and grants, which the provider reports as FAILED.
 */

const secrets = mockClient(SecretsManagerClient);
const db = useTlsTestDatabase('auditcr');
const SECRET = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:rxdr-dev-dispensing-AbCdEf';

function event(requestType: 'Create' | 'Delete', host = '127.0.0.1') {
  const url = new URL(db().url);
  return {
    RequestType: requestType,
    ...(requestType === 'Delete' ? { PhysicalResourceId: `${host}/${db().name}` } : {}),
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:provider',
      SecretArn: SECRET,
      Host: host,
      Port: url.port,
      Database: db().name,
      Tables: ['pharmacy.patient', 'pharmacy.claim'],
    },
  };
}

beforeAll(async () => {
  const url = new URL(db().url);
  secrets.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({
    SecretString: JSON.stringify({
      username: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      host: 'not-used.example.com',
      port: 5432,
    }),
  });
  const client = new Client({ connectionString: db().url });
  await client.connect();
  await client.query(TABLES_SQL);
  await client.end();
});

test('Create connects with verified TLS, grants, and fails naming the missing pgaudit library', async () => {
  await expect(handler(event('Create'))).rejects.toThrow(
    /cannot create the pgaudit extension .*shared_preload_libraries includes pgaudit/,
  );
  const client = new Client({ connectionString: db().url });
  await client.connect();
  const grants = await client.query(
    `SELECT table_name FROM information_schema.role_table_grants WHERE grantee = $1 AND privilege_type = 'SELECT' ORDER BY 1`,
    [AUDIT_ROLE],
  );
  await client.end();
  expect(grants.rows.map((r) => r.table_name)).toEqual(['claim', 'patient']);
});

test('a host the certificate does not name is refused: TLS is verified, never downgraded', async () => {
  await expect(handler(event('Create', 'localhost'))).rejects.toThrow(
    /cannot connect to .*localhost.*(certificate|altnames|IP)/i,
  );
});

test('Delete leaves the audit in place and connects to nothing', async () => {
  secrets.resetHistory();
  await expect(handler(event('Delete'))).resolves.toEqual({ PhysicalResourceId: `127.0.0.1/${db().name}` });
  expect(secrets.calls()).toHaveLength(0);
});

test('a malformed event is refused before any call', async () => {
  secrets.resetHistory();
  await expect(handler({ RequestType: 'Create', ResourceProperties: { SecretArn: 'x' } })).rejects.toThrow(
    /invalid audit setup event: ResourceProperties\.SecretArn: must be a Secrets Manager secret ARN/,
  );
  expect(secrets.calls()).toHaveLength(0);
});
