import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { lambdaEntry } from '../lambda-entry';
import { bundleInputsHash } from '../bundle-inputs-hash';
import { lambdaLogsAndRole } from '../managed-policy-role';
import type { CatalogInput } from '../../../engines/failover/catalog';
import { BUNDLING_TARGET, FUNCTION_PLATFORM } from '../function-runtime';

export interface RunbookFunctionProps {
  readonly operation: 'failover' | 'failback';
  /** What the function knows about the environment (serialised into `RUNBOOK_CATALOG`). */
  readonly catalog: CatalogInput;
  readonly key: kms.IKey;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The function behind every task of one runbook state machine: thin handler, logic in
 * `engines/failover/failover-steps/` and `failback-steps/`, catalog checked at cold start. Its permissions are granted by the runbook
 * construct, scoped to the configured resources.
 */
export class RunbookFunction extends Construct {
  readonly function: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: RunbookFunctionProps) {
    super(scope, id);
    const { logGroup, role } = lambdaLogsAndRole(this, {
      key: props.key,
      logRetention: props.logRetention,
      description: `rxdr ${props.catalog.environment} ${props.operation} runbook steps`,
    });
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      role,
      entry: lambdaEntry('runbook-steps'),
      handler: 'handler',
      ...FUNCTION_PLATFORM,
      memorySize: 256,
      timeout: Duration.minutes(2),
      description: `rxdr ${props.catalog.environment} ${props.operation} runbook steps`,
      environment: {
        RUNBOOK_OPERATION: props.operation,
        RUNBOOK_CATALOG: JSON.stringify(props.catalog),
        POWERTOOLS_SERVICE_NAME: `rxdr-${props.operation}`,
        NODE_OPTIONS: '--enable-source-maps',
      },
      environmentEncryption: props.key,
      logGroup,
      tracing: lambda.Tracing.ACTIVE,
      // A failover runs one step at a time; a few in flight at most (one per database).
      reservedConcurrentExecutions: 10,
      bundling: {
        minify: true,
        sourceMap: true,
        target: BUNDLING_TARGET,
        externalModules: [],
        assetHash: bundleInputsHash(lambdaEntry('runbook-steps')),
      },
    });
  }
}
