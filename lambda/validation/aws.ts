import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readFileSync } from 'node:fs';
import type { ClientConfig } from 'pg';
import type { ConnectionOptions } from 'node:tls';
import { z } from 'zod';

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

/**
 * TLS that verifies the server: the RDS CA bundle from `RDS_CA_BUNDLE` (a file shipped with the function)
 * when set, otherwise Node's trust store.
 */
export function verifiedTls(): ConnectionOptions {
  const bundle = process.env.RDS_CA_BUNDLE;
  return { rejectUnauthorized: true, ...(bundle ? { ca: readFileSync(bundle, 'utf8') } : {}) };
}

/** Build a pg config from the secret (never logged), with the input's overrides and the given TLS. */
export async function databaseConfig(secrets: SecretsManagerClient, input: DatabaseInput, ssl: ClientConfig['ssl']): Promise<ClientConfig> {
  const response = await secrets.send(new GetSecretValueCommand({ SecretId: input.secretArn }));
  let parsed: z.infer<typeof secretSchema>;
  try {
    parsed = secretSchema.parse(JSON.parse(response.SecretString ?? ''));
  } catch {
    throw new Error(`secret ${input.secretArn} is not an RDS-format JSON secret with username and password`);
  }
  const host = input.host ?? parsed.host;
  if (!host) throw new Error(`no database host: neither the input nor secret ${input.secretArn} names one`);
  return {
    host,
    port: input.port ?? (parsed.port === undefined ? 5432 : Number(parsed.port)),
    database: input.database ?? parsed.dbname ?? 'postgres',
    user: parsed.username,
    password: parsed.password,
    ssl,
    connectionTimeoutMillis: 10_000,
  };
}
