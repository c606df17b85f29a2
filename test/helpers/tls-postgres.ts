import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import forge from 'node-forge';
import { Client, ClientConfig } from 'pg';
import { RDS_CA_BUNDLE_VARIABLE } from '../../engines/common/database-tls';
import { PostgresCluster } from '../../lib/local/postgres-cluster';
import { ProcessGuard } from '../../lib/local/process-guard';
import type { TestDatabase } from './postgres';

/**
 * PostgreSQL the way RDS serves it to rxdr's Lambda functions: TLS required (`hostssl` only), a server
 * certificate issued by a private certificate authority, password (SCRAM) login. Certificates are made in
 * pure Node (node-forge), so no `openssl` binary is needed.
 */

/** A private certificate authority, made for one test file. */
export interface TestCertificateAuthority {
  readonly name: string;
  /** The CA certificate as a PEM file: what `RDS_CA_BUNDLE` points at in the tests. */
  readonly certFile: string;
  readonly certPem: string;
  /** A server certificate (and its key) for these host names / IP addresses, signed by this CA. */
  issueServerCertificate(names: CertificateNames): { certPem: string; keyPem: string };
}

export interface CertificateNames {
  readonly dns?: readonly string[];
  readonly ip?: readonly string[];
}

const pki = forge.pki;

function newCertificate(publicKey: forge.pki.PublicKey, subject: string, issuer: string, extensions: object[]) {
  const cert = pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60 * 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 60 * 60_000);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  cert.setIssuer([{ name: 'commonName', value: issuer }]);
  cert.setExtensions(extensions);
  return cert;
}

/** Create a CA (RSA 2048, SHA-256) and write its certificate to `dir/<name>.pem`. */
export async function createCertificateAuthority(dir: string, name: string): Promise<TestCertificateAuthority> {
  return certificateAuthoritySync(dir, name);
}

function certificateAuthoritySync(dir: string, name: string): TestCertificateAuthority {
  const keys = pki.rsa.generateKeyPair({ bits: 2048 });
  const ca = newCertificate(keys.publicKey, name, name, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(keys.privateKey, forge.md.sha256.create());
  const certPem = pki.certificateToPem(ca);
  const certFile = path.join(dir, `${name}.pem`);
  writeFileSync(certFile, certPem);
  return {
    name,
    certFile,
    certPem,
    issueServerCertificate(names) {
      const serverKeys = pki.rsa.generateKeyPair({ bits: 2048 });
      const dns = (names.dns ?? []).map((value) => ({ type: 2, value }));
      const ips = (names.ip ?? []).map((ip) => ({ type: 7, ip }));
      const altNames = [...dns, ...ips];
      const cert = newCertificate(serverKeys.publicKey, names.dns?.[0] ?? names.ip?.[0] ?? 'server', name, [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames },
        { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
      ]);
      cert.sign(keys.privateKey, forge.md.sha256.create());
      return { certPem: pki.certificateToPem(cert), keyPem: pki.privateKeyToPem(serverKeys.privateKey) };
    },
  };
}

export interface TlsPostgres {
  /** Always the loopback address; whether the certificate names it is the test's choice. */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /**
   * For test setup only (seeding, creating databases): TLS trusting the CA, without the host-name check,
   * so that setup works on a server whose certificate deliberately names another host.
   */
  setupConfig(database?: string): ClientConfig;
  /** A fresh, empty database. */
  createDatabase(prefix: string): Promise<string>;
  /** Stop the server and remove its files. */
  stop(): Promise<void>;
}

/**
 * Start a throwaway PostgreSQL server on 127.0.0.1 that accepts only TLS connections with a password,
 * serving a certificate from `ca` for `names`.
 */
export async function startTlsPostgres(ca: TestCertificateAuthority, names: CertificateNames): Promise<TlsPostgres> {
  const { certPem, keyPem } = ca.issueServerCertificate(names);
  const cluster = await PostgresCluster.create();
  const guard = ProcessGuard.start(cluster.rootDir);
  guard.watchDataDir(cluster.dataDir);
  guard.watchDir(cluster.rootDir);
  const certFile = path.join(cluster.rootDir, 'server.crt');
  const keyFile = path.join(cluster.rootDir, 'server.key');
  await writeFile(certFile, certPem);
  await writeFile(keyFile, keyPem);
  await chmod(keyFile, 0o600); // PostgreSQL refuses a key others can read
  await cluster.user.own(certFile);
  await cluster.user.own(keyFile);
  const hba = path.join(cluster.dataDir, 'pg_hba.conf');
  // No `host`/`local` lines: a connection without TLS is refused, as with rds.force_ssl.
  await writeFile(hba, 'hostssl all all 127.0.0.1/32 trust\n');
  cluster.configure({ ssl: true, ssl_cert_file: certFile, ssl_key_file: keyFile });
  const password = randomBytes(12).toString('hex');
  const user = 'postgres';
  const setupConfig = (database = 'postgres'): ClientConfig => ({
    host: '127.0.0.1',
    port: cluster.port,
    user,
    password,
    database,
    ssl: { ca: ca.certPem, rejectUnauthorized: true, checkServerIdentity: () => undefined },
  });
  const admin = async <T>(fn: (client: Client) => Promise<T>): Promise<T> => {
    const client = new Client(setupConfig());
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  try {
    await cluster.start();
    // Trust was only for setting the password: from now on the login is SCRAM, as on RDS.
    await admin((client) => client.query(`ALTER ROLE ${user} PASSWORD '${password}'`));
    await writeFile(hba, 'hostssl all all 127.0.0.1/32 scram-sha-256\n');
    await admin((client) => client.query('SELECT pg_reload_conf()'));
  } catch (error) {
    await cluster.destroy();
    guard.release();
    throw error;
  }
  return {
    host: '127.0.0.1',
    port: cluster.port,
    user,
    password,
    setupConfig,
    createDatabase: async (prefix) => {
      const name = `${prefix}_${randomBytes(6).toString('hex')}`;
      await admin((client) => client.query(`CREATE DATABASE ${name}`));
      return name;
    },
    stop: async () => {
      await cluster.destroy();
      guard.release();
    },
  };
}

/** A temporary directory for certificate files, removed by the returned function. */
export async function certificateDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rxdr-tls-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Set `RDS_CA_BUNDLE` to a throwaway CA for the calling test file (restored and removed after it), for tests
 * that run the real drill code over a fake AWS and never reach a database, yet need the variable set as the
 * construct sets it.
 */
export function useThrowawayCaBundle(): void {
  const saved = process.env[RDS_CA_BUNDLE_VARIABLE];
  let dir: string | undefined;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rxdr-ca-'));
    process.env[RDS_CA_BUNDLE_VARIABLE] = certificateAuthoritySync(dir, 'rxdr-throwaway-ca').certFile;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env[RDS_CA_BUNDLE_VARIABLE];
    else process.env[RDS_CA_BUNDLE_VARIABLE] = saved;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
}

/**
 * Give the calling test file a database on its own TLS-only server, the way RDS serves the validators: a
 * private CA that `RDS_CA_BUNDLE` points at (as the constructs configure the Lambda functions), a certificate
 * naming 127.0.0.1, password login. The returned URLs verify the server too (`sslmode=verify-full` with the
 * CA), so the usual fixtures (seeding, manifests, `copyDatabase`) work on it unchanged.
 */
export function useTlsTestDatabase(prefix = 't'): () => TestDatabase {
  const saved = process.env[RDS_CA_BUNDLE_VARIABLE];
  let certificates: { dir: string; remove: () => Promise<void> } | undefined;
  let server: TlsPostgres | undefined;
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    certificates = await certificateDir();
    const ca = await createCertificateAuthority(certificates.dir, 'rxdr-test-rds-ca');
    server = await startTlsPostgres(ca, { ip: ['127.0.0.1'] });
    process.env[RDS_CA_BUNDLE_VARIABLE] = ca.certFile;
    const url = (name: string) =>
      `postgres://${server!.user}:${server!.password}@${server!.host}:${server!.port}/${name}` +
      `?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca.certFile)}`;
    const name = await server.createDatabase(prefix);
    database = { name, url: url(name), adminUrl: url('postgres') };
  }, 60_000);
  afterAll(async () => {
    if (saved === undefined) delete process.env[RDS_CA_BUNDLE_VARIABLE];
    else process.env[RDS_CA_BUNDLE_VARIABLE] = saved;
    await server?.stop();
    await certificates?.remove();
  });
  return () => {
    if (!database) throw new Error('useTlsTestDatabase(): the database is only available inside tests');
    return database;
  };
}

/**
 * `RDS_CA_BUNDLE` set to a throwaway CA while `fn` runs, outside jest (benchmarks that run the drill code over a
 * fake AWS): restored and removed afterwards.
 */
export async function withThrowawayCaBundle<T>(fn: () => Promise<T>): Promise<T> {
  const saved = process.env[RDS_CA_BUNDLE_VARIABLE];
  const dir = mkdtempSync(path.join(tmpdir(), 'rxdr-ca-'));
  process.env[RDS_CA_BUNDLE_VARIABLE] = certificateAuthoritySync(dir, 'rxdr-throwaway-ca').certFile;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env[RDS_CA_BUNDLE_VARIABLE];
    else process.env[RDS_CA_BUNDLE_VARIABLE] = saved;
    rmSync(dir, { recursive: true, force: true });
  }
}
