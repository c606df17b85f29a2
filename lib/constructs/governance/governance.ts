import { Annotations, ArnFormat, CfnOutput, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../../config/environment-config';
import { names } from '../../naming';
import { deployedPlan } from '../../plan/deployed-plan';
import { AuditTrail } from './audit-trail';
import { OperatorRoles } from './operator-roles';
import { PlanArchive } from './plan-archive';
import { SecurityAlarms } from './security-alarms';
import { ANY_REGION_DETECTIONS } from './security-detections';

export interface GovernanceProps {
  readonly config: EnvironmentConfig;
  /** The recovery region's data key (evidence bucket, approval parameters). */
  readonly key: kms.IKey;
  /**
   * Toolkit version written into the stored plan.
   * @default - rxdr's package.json version
   */
  readonly toolVersion?: string;
  readonly alertsTopic: sns.ITopic;
  readonly evidenceBucket: s3.IBucket;
}

/**
 * The recovery region's share of the contingency plan: the audit trail (or the recorded reliance
 * on an organization trail), the security alarms, and the four operator roles. Records the trail choice
 * in the template metadata (`rxdr:auditTrail`) and as an output.
 *
 * Each deploy also stores the environment's contingency plan, generated from the configuration
 * (`deployedPlan`), in the evidence bucket as `plans/<env>/<version>.md` (`PlanArchive`), recorded in the
 * template metadata (`rxdr:contingencyPlan`). When the people-and-communication configuration is incomplete
 * there is no plan to store: synth warns, naming the missing fields, and deploys the rest.
 *
 * Audit trail and regions: the trail rxdr creates is multi-region and delivers every region's events to
 * one CloudWatch Logs group here, so its metric filters already see the primary region and the primary
 * stack needs nothing. An organization trail delivers elsewhere; the alarms then are EventBridge rules,
 * which see only their own region's events, so the primary stack adds its own (`PrimaryStack`).
 */
export class Governance extends Construct {
  readonly roles: OperatorRoles;
  readonly alarms: SecurityAlarms;
  readonly trail?: AuditTrail;
  /** The stored plan version; absent when the contingency config is incomplete. */
  readonly planArchive?: PlanArchive;

  constructor(scope: Construct, id: string, props: GovernanceProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);

    if (config.auditTrail.mode === 'create') {
      this.trail = new AuditTrail(this, 'AuditTrail', {
        keyAlias: names.auditKeyAlias(config),
        logRetentionDays: config.auditTrail.logRetentionDays,
        objectLockDays: config.auditTrail.objectLockDays,
        lockMode: config.production ? 'compliance' : 'governance',
      });
    }
    stack.addMetadata(
      'rxdr:auditTrail',
      config.auditTrail.mode === 'create'
        ? { mode: 'create' }
        : { mode: 'organization', organizationTrailArn: config.auditTrail.organizationTrailArn },
    );
    new CfnOutput(this, 'AuditTrailChoice', {
      description: 'How this environment is audited: the trail rxdr created, or the organization trail it relies on',
      value: this.trail ? this.trail.trail.trailArn : `organization:${config.auditTrail.organizationTrailArn}`,
    });

    this.alarms = new SecurityAlarms(this, 'SecurityAlarms', {
      topic: props.alertsTopic,
      trailLogGroup: this.trail?.logGroup,
      targets: securityTargets(stack, config),
    });

    this.roles = new OperatorRoles(this, 'Roles', {
      environmentName: config.name,
      primaryRegion: config.primaryRegion,
      recoveryRegion: config.recoveryRegion,
      breakGlassRoleName: names.breakGlassRole(config),
      vaults: [
        { name: names.primaryVault(config), region: config.primaryRegion },
        { name: names.recoveryVault(config), region: config.recoveryRegion },
        ...(config.isolatedBackup?.mode === 'air-gapped'
          ? [{ name: names.airGappedVault(config), region: config.recoveryRegion }]
          : []),
      ],
      stateMachines: {
        drill: names.drillStateMachine(config),
        failover: names.failoverStateMachine(config),
        failback: names.failbackStateMachine(config),
      },
      approvalParameterPrefix: names.approvalParameterPrefix(config),
      runbookGatewayFunctionName: names.runbookGatewayFunction(config),
      documents: {
        failover: names.failoverDocument(config),
        failback: names.failbackDocument(config),
        approve: names.approveDocument(config),
      },
      requireMfa: config.failover.requireMfa,
      automationPrincipals: config.failover.automationPrincipals,
      evidenceBucket: props.evidenceBucket,
      recoveryKey: props.key,
      auditLogs: this.trail ? { bucket: this.trail.bucket, key: this.trail.key } : undefined,
    });
    for (const [kind, role] of Object.entries({
      Operator: this.roles.operator,
      Approver: this.roles.approver,
      Auditor: this.roles.auditor,
      BreakGlass: this.roles.breakGlass,
    })) {
      new CfnOutput(this, `${kind}RoleArn`, { description: `rxdr ${config.name} ${kind} role`, value: role.roleArn });
    }

    const plan = deployedPlan(config, props.toolVersion);
    if (plan.complete) {
      this.planArchive = new PlanArchive(this, 'PlanArchive', {
        bucket: props.evidenceBucket,
        key: props.key,
        objectKey: plan.key,
        version: plan.version,
        markdown: plan.markdown,
        contentMd5: plan.contentMd5,
        sha256: plan.sha256,
        logRetention: config.auditTrail.logRetentionDays as logs.RetentionDays,
      });
      stack.addMetadata('rxdr:contingencyPlan', { version: plan.version, key: plan.key, sha256: plan.sha256 });
      new CfnOutput(this, 'ContingencyPlanObject', {
        description: 'The contingency plan this deployment stored in the evidence bucket (key and S3 version)',
        value: `s3://${names.evidenceBucket(config)}/${plan.key}#${this.planArchive.resource.getResponseField('VersionId')}`,
      });
    } else {
      stack.addMetadata('rxdr:contingencyPlan', { missing: plan.gaps.map((gap) => gap.field) });
      Annotations.of(this).addWarningV2(
        'rxdr:contingencyPlanIncomplete',
        `no contingency plan is stored for "${config.name}": the configuration lacks ${plan.gaps.map((gap) => `${gap.field} (${gap.what})`).join('; ')}`,
      );
    }
  }
}

/**
 * The security alarms a region other than the recovery region needs, if any (the primary stack's share).
 *
 * - Trail mode "create": none. The trail is multi-region and delivers every region's events to one log
 *   group in the recovery region; its metric filters there already match calls made in the primary region.
 *   A second set here would only page twice.
 * - Trail mode "organization": EventBridge rules, because an EventBridge rule sees only the events of its
 *   own region. Without these, deleting a primary-vault recovery point, changing its policy or lock, or
 *   disabling the primary key would go unnoticed. The drill and failover detections stay in the recovery
 *   region, where those state machines live (`ANY_REGION_DETECTIONS`). Break-glass assumptions through the
 *   global STS endpoint are recorded in us-east-1 only: caught here when us-east-1 is one of the two regions.
 */
export function regionalSecurityAlarms(
  scope: Construct,
  config: EnvironmentConfig,
  topic: sns.ITopic,
): SecurityAlarms | undefined {
  if (config.auditTrail.mode !== 'organization') return undefined;
  return new SecurityAlarms(scope, 'SecurityAlarms', {
    topic,
    targets: securityTargets(Stack.of(scope), config),
    detections: ANY_REGION_DETECTIONS,
  });
}

/** The ARNs the security detections compare against, for an environment (any region's stack). */
export function securityTargets(stack: Stack, config: EnvironmentConfig) {
  const sm = (name: string) =>
    stack.formatArn({
      service: 'states',
      region: config.recoveryRegion,
      resource: 'stateMachine',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  const role = (name: string) => stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: name });
  return {
    breakGlassRoleArn: role(names.breakGlassRole(config)),
    drillStateMachineArn: sm(names.drillStateMachine(config)),
    drillSchedulerRoleArn: role(names.drillSchedulerRole(config)),
    failoverStateMachineArns: [sm(names.failoverStateMachine(config)), sm(names.failbackStateMachine(config))],
  };
}
