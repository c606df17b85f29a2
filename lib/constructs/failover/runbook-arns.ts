import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { secretResourceArn } from './failover-validator';
import type { RunbookPermissionsProps } from './runbook-permissions';
import { RxdrBackupVault } from '../backup-vault';

/**
 * The ARN expressions the failover and failback permissions are scoped to (the configured instances, secrets,
 * records and parameters); the nag acknowledgements are built from the same expressions.
 */
export class RunbookArns {
  readonly stack: Stack;
  readonly recoveryRegion: string;
  readonly primaryIds: string[];
  readonly replicaIds: string[];
  readonly recoveredIds: string[];
  readonly failbackIds: string[];
  readonly recoveryDbArns: string[];
  readonly primaryDbArns: string[];
  readonly secretArns: string[];
  readonly endpointParameters: string[];
  /** Hosted zones of the configured CNAME records. */
  readonly zones: string[];
  /** The configured record names, normalized as Route 53 compares them. */
  readonly recordNames: string[];
  readonly approvalTokens: string;
  readonly writeFreezeFlags: string;
  readonly recordChanges: string;
  readonly recoveryVault: string;
  /** The air-gapped vault restored from while the recovery vault is declared lost. @default - none */
  readonly isolatedVault?: string;
  readonly recoveryPoints: string;
  /** Every key of the primary region (narrowed by an alias condition when the primary key is given as an alias). */
  readonly primaryRegionKeys: string;
  /** The failback replica's key: the primary key's ARN, or `primaryRegionKeys` when it is given as an alias. */
  readonly primaryKey: string;
  /** The alias the primary key was given as. @default - it was given as a key ARN */
  readonly primaryKeyAlias?: string;

  constructor(
    scope: Construct,
    private readonly permissions: RunbookPermissionsProps,
  ) {
    const { runbooks: props } = permissions;
    const databases = permissions.catalog.databases;
    const stack = Stack.of(scope);
    this.stack = stack;
    this.recoveryRegion = stack.region;
    // Instance ARNs name RDS instances only; an Aurora cluster's are `cluster-runbook-permissions.ts`'s.
    const instances = databases.filter((d) => d.cluster === undefined);
    this.primaryIds = instances.map((d) => d.primaryInstanceIdentifier);
    this.replicaIds = instances.flatMap((d) => (d.replicaInstanceIdentifier ? [d.replicaInstanceIdentifier] : []));
    this.recoveredIds = instances.map((d) => d.recoveredInstanceIdentifier);
    this.failbackIds = instances.map((d) => d.failbackInstanceIdentifier);
    this.recoveryDbArns = [...this.replicaIds, ...this.recoveredIds].map((i) => this.rds(this.recoveryRegion, 'db', i));
    this.primaryDbArns = [...this.primaryIds, ...this.failbackIds].map((i) => this.rds(props.primaryRegion, 'db', i));
    this.secretArns = databases.map((d) => secretResourceArn(stack, d.repoint.secretArn));
    this.endpointParameters = databases.flatMap((d) => (d.repoint.parameterName ? [d.repoint.parameterName] : []));
    this.zones = [...new Set(databases.flatMap((d) => (d.repoint.route53 ? [d.repoint.route53.hostedZoneId] : [])))];
    this.recordNames = databases.flatMap((d) =>
      d.repoint.route53 ? [d.repoint.route53.recordName.replace(/\.$/, '').toLowerCase()] : [],
    );
    this.approvalTokens = this.parameter(`${props.approvalParameterPrefix}/*`);
    this.writeFreezeFlags = this.parameter(`${props.writeFreezeParameterPrefix}/*`);
    this.recordChanges = `arn:${stack.partition}:route53:::change/*`;
    this.recoveryVault = RxdrBackupVault.arnInRegion(scope, props.recoveryVaultName, stack.region);
    if (props.isolatedSource)
      this.isolatedVault = RxdrBackupVault.arnInRegion(scope, props.isolatedSource.vaultName, stack.region);
    this.recoveryPoints = stack.formatArn({
      service: 'backup',
      resource: 'recovery-point',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    // IAM matches KMS permissions on key ARNs: an alias ARN becomes "the primary region's key carrying that alias".
    const aliasMatch = /:alias\/(.+)$/.exec(props.primaryKeyArn);
    this.primaryRegionKeys = stack.formatArn({
      service: 'kms',
      region: props.primaryRegion,
      resource: 'key',
      resourceName: '*',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.primaryKey = aliasMatch ? this.primaryRegionKeys : props.primaryKeyArn;
    this.primaryKeyAlias = aliasMatch ? `alias/${aliasMatch[1]}` : undefined;
  }

  /** An RDS resource (`db`, `subgrp`, `og`, `pg`, `secgrp`, `auto-backup`) of this account in `region`. */
  rds(region: string, resource: string, name: string): string {
    return this.stack.formatArn({
      service: 'rds',
      region,
      resource,
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** The named subnet groups in `region` (unset names skipped). */
  subnetGroups(region: string, names: (string | undefined)[]): string[] {
    return names.filter((n): n is string => n !== undefined).map((n) => this.rds(region, 'subgrp', n));
  }

  /** An SSM parameter of the recovery region, by name (with or without its leading slash). */
  parameter(name: string): string {
    return this.stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, '') });
  }

  /** The evidence objects the function writes: `failover/*` or `failback/*`. */
  evidenceObjects(fn: lambda.IFunction): string {
    const { runbooks, failoverFn } = this.permissions;
    return runbooks.evidenceBucket.arnForObjects(`${fn === failoverFn ? 'failover' : 'failback'}/*`);
  }
}
