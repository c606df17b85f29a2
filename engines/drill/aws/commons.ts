import { BackupClient } from '@aws-sdk/client-backup';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import type { AwsDrillSettings } from './provider';
import type { MetricsSink } from './record';
import { DRILL_METRICS } from '../../common/metrics-contract';

/** Clients, logger and metrics, created once per Lambda container (Powertools pattern). */
export const clients = {
  rds: new RDSClient({}),
  backup: new BackupClient({}),
  secrets: new SecretsManagerClient({}),
  s3: new S3Client({}),
  sns: new SNSClient({}),
  sfn: new SFNClient({}),
};

export const logger = new Logger({ serviceName: 'rxdr-drill' });
export const metrics = new Metrics({ namespace: DRILL_METRICS.namespace, serviceName: DRILL_METRICS.service });

/** Environment variables the drill constructs set (names shared with `lib/constructs/drill`). */
export const ENV = {
  vaultName: 'RXDR_VAULT_NAME',
  restoreRoleArn: 'RXDR_RESTORE_ROLE_ARN',
  subnetGroupName: 'RXDR_DRILL_SUBNET_GROUP',
  securityGroupIds: 'RXDR_DRILL_SECURITY_GROUP_IDS',
  kmsKeyArn: 'RXDR_RECOVERY_KEY_ARN',
  instanceClass: 'RXDR_DRILL_INSTANCE_CLASS',
  evidenceBucket: 'RXDR_EVIDENCE_BUCKET',
  topicArn: 'RXDR_ALERTS_TOPIC_ARN',
  stateMachineArn: 'RXDR_DRILL_STATE_MACHINE_ARN',
  maxAgeSeconds: 'RXDR_DRILL_MAX_AGE_SECONDS',
  environment: 'RXDR_ENVIRONMENT',
} as const;

const required = (key: string) => {
  const value = process.env[key];
  if (!value) throw new Error(`environment variable ${key} is not set (the drill construct sets it)`);
  return value;
};

export function settingsFromEnv(): AwsDrillSettings {
  return {
    vaultName: required(ENV.vaultName),
    restoreRoleArn: required(ENV.restoreRoleArn),
    subnetGroupName: required(ENV.subnetGroupName),
    securityGroupIds: required(ENV.securityGroupIds).split(',').filter(Boolean),
    kmsKeyArn: required(ENV.kmsKeyArn),
    instanceClass: z.string().regex(/^db\./).parse(required(ENV.instanceClass)),
  };
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
