import { Stack, Stage } from 'aws-cdk-lib';

/** What the synthesized stacks actually contain, for the plan (so it cannot drift from the deployment). */
export interface SynthFacts {
  readonly stacks: { readonly primary: string; readonly recovery: string };
  readonly backupRules: readonly {
    plan: string;
    rule: string;
    schedule?: string;
    continuous: boolean;
    deleteAfterDays?: number;
    copyTo: string[];
  }[];
  readonly vaults: readonly { name: string; lock?: string }[];
  readonly databaseInstances: readonly {
    id: string;
    engineVersion?: string;
    autoMinorVersionUpgrade?: boolean;
    maintenanceWindow?: string;
  }[];
  readonly roles: readonly string[];
  /** How the audit trail is provided (the synthesized choice). */
  readonly auditTrail: string;
  readonly alarms: number;
}

type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
>;

/** Read the facts from a synthesized stage with a `primary` and a `recovery` stack. */
export function synthFacts(stage: Stage & { primary: Stack; recovery: Stack }): SynthFacts {
  const assembly = stage.synth();
  const template = (stack: Stack) =>
    (assembly.getStackArtifact(stack.artifactId).template as {
      Resources?: Resources;
      Metadata?: Record<string, unknown>;
      Outputs?: Record<string, { Value?: unknown }>;
    }) ?? {};
  const templates = [template(stage.primary), template(stage.recovery)];
  const resources = templates.flatMap((t) => Object.entries(t.Resources ?? {}));
  const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);

  const backupRules = ofType('AWS::Backup::BackupPlan').flatMap(([id, r]) => {
    const plan = r.Properties?.BackupPlan as
      { BackupPlanName?: unknown; BackupPlanRule?: Record<string, unknown>[] } | undefined;
    return (plan?.BackupPlanRule ?? []).map((rule) => {
      const lifecycle = rule.Lifecycle as { DeleteAfterDays?: number } | undefined;
      const copies = (rule.CopyActions as { DestinationBackupVaultArn?: unknown }[] | undefined) ?? [];
      return {
        plan: typeof plan?.BackupPlanName === 'string' ? plan.BackupPlanName : id,
        rule: String(rule.RuleName ?? ''),
        schedule: typeof rule.ScheduleExpression === 'string' ? rule.ScheduleExpression : undefined,
        continuous: rule.EnableContinuousBackup === true,
        deleteAfterDays: lifecycle?.DeleteAfterDays,
        copyTo: copies.map((copy) => describeArn(copy.DestinationBackupVaultArn)),
      };
    });
  });

  const vaults = [...ofType('AWS::Backup::BackupVault'), ...ofType('AWS::Backup::LogicallyAirGappedBackupVault')].map(
    ([id, r]) => {
      const lock = r.Properties?.LockConfiguration as
        { ChangeableForDays?: number; MinRetentionDays?: number } | undefined;
      const name = r.Properties?.BackupVaultName;
      return {
        name: typeof name === 'string' ? name : id,
        lock: lock
          ? `Vault Lock, min ${lock.MinRetentionDays ?? '?'} days${lock.ChangeableForDays !== undefined ? `, compliance after ${lock.ChangeableForDays} days` : ', governance'}`
          : undefined,
      };
    },
  );

  const databaseInstances = ofType('AWS::RDS::DBInstance')
    .filter(([, r]) => r.Properties?.SourceDBInstanceIdentifier === undefined)
    .map(([id, r]) => ({
      id,
      engineVersion: typeof r.Properties?.EngineVersion === 'string' ? r.Properties.EngineVersion : undefined,
      autoMinorVersionUpgrade: r.Properties?.AutoMinorVersionUpgrade as boolean | undefined,
      maintenanceWindow:
        typeof r.Properties?.PreferredMaintenanceWindow === 'string'
          ? r.Properties.PreferredMaintenanceWindow
          : undefined,
    }));

  const roles = ofType('AWS::IAM::Role')
    .map(([, r]) => r.Properties?.RoleName)
    .filter((name): name is string => typeof name === 'string');
  const trails = ofType('AWS::CloudTrail::Trail');
  const organization = templates.map((t) => t.Metadata?.['rxdr:auditTrail']).find((m) => m !== undefined) as
    { mode?: string; organizationTrailArn?: string } | undefined;
  const auditTrail =
    trails.length > 0
      ? `${trails.length} trail${trails.length > 1 ? 's' : ''} (${trails.map(([, r]) => trailFacts(r)).join('; ')})`
      : organization?.mode === 'organization'
        ? `no trail of its own; relies on ${organization.organizationTrailArn}`
        : 'no trail synthesized';
  return {
    stacks: { primary: stage.primary.stackName, recovery: stage.recovery.stackName },
    backupRules,
    vaults,
    databaseInstances,
    roles,
    auditTrail,
    alarms:
      ofType('AWS::CloudWatch::Alarm').length + ofType('AWS::Events::Rule').filter(([, r]) => isSecurityRule(r)).length,
  };
}

function isSecurityRule(resource: { Properties?: Record<string, unknown> }): boolean {
  const description = resource.Properties?.Description;
  return typeof description === 'string' && description.startsWith('rxdr security alarm');
}

/** A readable name for an ARN that may be a CloudFormation expression: the last literal segment. */
function describeArn(arn: unknown): string {
  if (typeof arn === 'string') return arn.split(':').pop() ?? arn;
  const joined = (arn as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join']?.[1];
  const last = joined?.filter((part): part is string => typeof part === 'string').pop();
  return last ? last.replace(/^.*:/, '') : 'a vault (resolved at deployment)';
}

function trailFacts(trail: { Properties?: Record<string, unknown> }): string {
  const multiRegion = trail.Properties?.IsMultiRegionTrail === true ? 'yes' : 'no';
  const validation = trail.Properties?.EnableLogFileValidation === true ? 'on' : 'off';
  return `multi-region ${multiRegion}, log-file validation ${validation}`;
}
