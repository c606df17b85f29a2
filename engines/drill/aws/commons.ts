import { BackupClient } from '@aws-sdk/client-backup';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import type { AwsDrillSettings } from './restore-provider-base';
import type { MetricsSink } from './record';
import { DRILL_METRICS } from '../../common/metrics-contract';
import { DRILL_ENV } from '../environment';

/** Clients, logger and metrics, created once per Lambda container (Powertools pattern). */
export const clients = {
  rds: new RDSClient({}),
  backup: new BackupClient({}),
  secrets: new SecretsManagerClient({}),
  s3: new S3Client({}),
  sns: new SNSClient({}),
  sfn: new SFNClient({}),
  ssm: new SSMClient({}),
};

const rdsByRegion = new Map<string, RDSClient>();

/** An RDS client in another region (the source database's, in the primary region), one per region and container. */
export function rdsIn(region: string): RDSClient {
  let client = rdsByRegion.get(region);
  if (!client) rdsByRegion.set(region, (client = new RDSClient({ region })));
  return client;
}

export const logger = new Logger({ serviceName: 'rxdr-drill' });
export const metrics = new Metrics({ namespace: DRILL_METRICS.namespace, serviceName: DRILL_METRICS.service });

const required = (key: string) => {
  const value = process.env[key];
  if (!value) throw new Error(`environment variable ${key} is not set (the drill construct sets it)`);
  return value;
};

export function settingsFromEnv(): AwsDrillSettings {
  return {
    vaultName: required(DRILL_ENV.vaultName),
    restoreRoleArn: required(DRILL_ENV.restoreRoleArn),
    subnetGroupName: required(DRILL_ENV.subnetGroupName),
    securityGroupIds: required(DRILL_ENV.securityGroupIds).split(',').filter(Boolean),
    kmsKeyArn: required(DRILL_ENV.kmsKeyArn),
    instanceClass: z.string().regex(/^db\./).parse(required(DRILL_ENV.instanceClass)),
    ...optional('isolatedVaultName', DRILL_ENV.isolatedVaultName),
    ...optional('vaultLostParameterName', DRILL_ENV.vaultLostParameterName),
  };
}

function optional<K extends keyof AwsDrillSettings>(key: K, variable: string): Partial<AwsDrillSettings> {
  const value = process.env[variable];
  return value ? { [key]: value } : {};
}

export const env = required;

/** Powertools metrics as the record step's sink: one EMF document per metric, each with every dimension. */
export const powertoolsSink: MetricsSink = {
  publish(dimensions, values) {
    // A single-metric instance publishes at addMetric and then forgets its dimensions: one per metric.
    for (const [name, { value, unit }] of Object.entries(values)) {
      const single = metrics.singleMetric();
      single.addDimensions({ ...dimensions });
      single.addMetric(name, unit === 'Seconds' ? MetricUnit.Seconds : MetricUnit.Count, value);
    }
  },
};
