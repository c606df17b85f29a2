import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LAMBDA_RUNTIME_CA_BUNDLE, RDS_CA_BUNDLE_VARIABLE } from '../common/database-tls';
import { ConnectionError, DatabaseConfig } from './db';

/** Where a Lambda finds its database: the RDS-format secret, optionally overridden (a restored copy's endpoint). */
export const databaseInputSchema = z.object({
  /** Secrets Manager secret in the RDS format: { username, password, host, port, dbname }. */
  secretArn: z.string().min(1),
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  database: z.string().min(1).optional(),
});
export type DatabaseInput = z.infer<typeof databaseInputSchema>;

const secretSchema = z.object({
  username: z.string().min(1),
  password: z.string(),
  host: z.string().optional(),
  port: z.union([z.number(), z.string().regex(/^\d+$/)]).optional(),
  dbname: z.string().optional(),
});
export type DatabaseSecret = z.infer<typeof secretSchema>;

/** A database server and the credentials to log in with. */
export interface DatabaseEndpoint {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
}

/**
 * The one way AWS code (drill validation, failover validator, manifest job) connects to a database: TLS that
 * verifies the server's certificate chain and host name against the CA bundle named by `RDS_CA_BUNDLE`, which
 * the constructs set to the Lambda runtime's Amazon CA bundle. Throws a `ConnectionError` naming the cause when
 * the bundle is not configured or cannot be read; never falls back to an unverified connection.
 */
export function rdsConnectionConfig(endpoint: DatabaseEndpoint, env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  const bundle = readCaBundle(env);
  return {
    host: endpoint.host,
    port: endpoint.port,
    database: endpoint.database,
    user: endpoint.user,
    password: endpoint.password,
    ssl: { rejectUnauthorized: true, ca: bundle.pem, minVersion: 'TLSv1.2' },
    trustSource: `the CA bundle ${RDS_CA_BUNDLE_VARIABLE}=${bundle.path} (does it hold the server's CA?)`,
    connectionTimeoutMillis: 10_000,
  };
}

function readCaBundle(env: NodeJS.ProcessEnv): { path: string; pem: string } {
  const cannotVerify = "cannot verify the database server's certificate";
  const path = env[RDS_CA_BUNDLE_VARIABLE];
  if (!path) {
    throw new ConnectionError(
      `${RDS_CA_BUNDLE_VARIABLE} is not set: ${cannotVerify} ` +
        `(the rxdr constructs set it to ${LAMBDA_RUNTIME_CA_BUNDLE}, the Lambda runtime's Amazon CA bundle)`,
    );
  }
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    const bundle = `${RDS_CA_BUNDLE_VARIABLE}=${path}`;
    throw new ConnectionError(`cannot read the CA bundle ${bundle} (${reason}): ${cannotVerify}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConnectionError(`the CA bundle ${RDS_CA_BUNDLE_VARIABLE}=${path} holds no certificate: ${cannotVerify}`);
  }
  return { path, pem };
}

/** The RDS-format secret's credentials (never logged). */
export async function readDatabaseSecret(secrets: SecretsManagerClient, secretId: string): Promise<DatabaseSecret> {
  const response = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  try {
    return secretSchema.parse(JSON.parse(response.SecretString ?? ''));
  } catch {
    throw new Error(`secret ${secretId} is not an RDS-format JSON secret with username and password`);
  }
}

/** The connection config for `input`: the secret's endpoint and credentials, with the input's overrides. */
export async function databaseConfig(secrets: SecretsManagerClient, input: DatabaseInput): Promise<DatabaseConfig> {
  const secret = await readDatabaseSecret(secrets, input.secretArn);
  const host = input.host ?? secret.host;
  if (!host) throw new Error(`no database host: neither the input nor secret ${input.secretArn} names one`);
  return rdsConnectionConfig({
    host,
    port: input.port ?? (secret.port === undefined ? 5432 : Number(secret.port)),
    database: input.database ?? secret.dbname ?? 'postgres',
    user: secret.username,
    password: secret.password,
  });
}
