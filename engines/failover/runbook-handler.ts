import { connect } from 'node:net';
import type { Logger } from '@aws-lambda-powertools/logger';
import { BackupClient } from '@aws-sdk/client-backup';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Catalog } from './catalog';
import type { ConnectivityProbe, RunbookClients, StepDeps } from './clients';
import { runFailbackAction, runFailoverAction } from './dispatch';

/* The runbook step Lambda's logic (lambda/runbook-steps.ts): its AWS clients, its probe, its dispatch. */

/** The AWS clients for a catalog: recovery region by default, the primary region where named. */
export function awsClients(catalog: Pick<Catalog, 'primaryRegion' | 'recoveryRegion'>): RunbookClients {
  const region = catalog.recoveryRegion;
  return {
    rdsRecovery: new RDSClient({ region }),
    rdsPrimary: new RDSClient({ region: catalog.primaryRegion, maxAttempts: 2 }),
    backup: new BackupClient({ region }),
    route53: new Route53Client({ region }),
    ssm: new SSMClient({ region }),
    secrets: new SecretsManagerClient({ region }),
    kms: new KMSClient({ region }),
    sns: new SNSClient({ region }),
    s3: new S3Client({ region }),
    cloudwatch: new CloudWatchClient({ region }),
    cloudwatchPrimary: new CloudWatchClient({ region: catalog.primaryRegion }),
  };
}

/** TCP connect with a 5 s timeout; proves the name resolves and the port accepts connections. */
export const tcpProbe: ConnectivityProbe = (host, port) =>
  new Promise((resolve) => {
    const started = Date.now();
    const socket = connect({ host, port, timeout: 5000 });
    const done = (ok: boolean, detail: string) => {
      socket.destroy();
      resolve({ ok, detail });
    };
    socket.once('connect', () => done(true, `${host}:${port} accepted a connection in ${Date.now() - started} ms`));
    socket.once('timeout', () => done(false, `${host}:${port} did not accept a connection within 5 s`));
    socket.once('error', (error) => done(false, `${host}:${port}: ${error.message}`));
  });

export type RunbookHandler = (event: unknown) => Promise<unknown>;

/** A handler over given dependencies (tests pass mocked clients and a fake clock). */
export function makeHandler(operation: 'failover' | 'failback', deps: StepDeps, logger?: Logger): RunbookHandler {
  const run = operation === 'failover' ? runFailoverAction : runFailbackAction;
  return async (event) => {
    const action = (event as { action?: unknown } | null)?.action;
    logger?.info('step', { operation, action });
    try {
      return await run(event, deps);
    } catch (error) {
      logger?.error('step failed', {
        operation,
        action,
        error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
      });
      throw error;
    }
  };
}
