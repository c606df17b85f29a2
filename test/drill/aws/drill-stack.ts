import { Duration, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DrillDatabaseSpec, RestoreDrill, RestoreDrillProps } from '../../../lib/constructs/drill/restore-drill';
import { Template } from 'aws-cdk-lib/assertions';
import { LocalStateMachine } from '../../helpers/local-state-machine';
import { testApp } from '../../helpers/synth';

export const ACCOUNT = '111111111111';

export function databaseSpec(name: string, overrides: Partial<DrillDatabaseSpec> = {}): DrillDatabaseSpec {
  return {
    name,
    tierName: 'important',
    tier: 2,
    targets: { rtoSeconds: 4 * 3600, rpoSeconds: 3600 },
    source: 'backup',
    sourceArn: `arn:aws:rds:us-east-1:${ACCOUNT}:db:pharmacy-${name}`,
    secretId: `arn:aws:secretsmanager:us-west-2:${ACCOUNT}:secret:rxdr/test/${name}-AbCdEf`,
    databaseName: 'pharmacy',
    ...overrides,
  };
}

/** The drills' usual database: `dispensing` in the critical tier (RTO 1 h, RPO 5 min). */
export function criticalDispensing(overrides: Partial<DrillDatabaseSpec> = {}): DrillDatabaseSpec {
  return databaseSpec('dispensing', {
    tierName: 'critical',
    tier: 1,
    targets: { rtoSeconds: 3600, rpoSeconds: 300 },
    ...overrides,
  });
}

/** The drill state machine of `drillStack(overrides)`, ready to run locally. */
export function drillMachine(overrides: Partial<RestoreDrillProps> = {}): LocalStateMachine {
  return LocalStateMachine.fromTemplate(Template.fromStack(drillStack(overrides).stack));
}

/** A stack with only the drill and the stateful things it is given (bundling skipped). */
export function drillStack(
  overrides: Partial<RestoreDrillProps> = {},
  context: Record<string, unknown> = {},
): { stack: Stack; drill: RestoreDrill } {
  const app = testApp({ context });
  const stack = new Stack(app, 'DrillTest', { env: { account: ACCOUNT, region: 'us-west-2' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const drill = new RestoreDrill(stack, 'Drill', {
    environmentName: 'test',
    toolVersion: '0.1.0',
    key,
    vault: new backup.BackupVault(stack, 'Vault', { backupVaultName: 'rxdr-test-recovery', encryptionKey: key }),
    evidenceBucket: new s3.Bucket(stack, 'Evidence', { encryptionKey: key }),
    alertsTopic: new sns.Topic(stack, 'Alerts', { masterKey: key }),
    databases: [criticalDispensing()],
    schedules: [{ name: 'monthly', expression: 'cron(0 6 1 * ? *)' }],
    timezone: 'UTC',
    maxConcurrency: 5,
    instanceClass: 'db.t4g.medium',
    timeout: Duration.hours(6),
    restoreTimeout: Duration.hours(3),
    networkCidr: '10.82.0.0/22',
    maxDaysBetweenDrills: 32,
    ...overrides,
  });
  return { stack, drill };
}
