import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { gameDayStatements, trainingRecordStatements } from './game-day-statements';
import { acknowledgeResourceFamilies } from './resource-family-acknowledgement';
import { ROLE_DEFINITIONS, RoleKind } from './role-definitions';
import { APPROVAL_ACTIONS, RoleStatements } from './role-statements';
import { allowSourceIdentity, personTrust, trustAutomation } from './role-trust';

export interface OperatorRolesProps {
  /** Environment name, for role descriptions. */
  readonly environmentName: string;
  readonly primaryRegion: string;
  readonly recoveryRegion: string;
  /** The break-glass role's name: the vault access policies exempt exactly this name. */
  readonly breakGlassRoleName: string;
  /** Backup vault names (in either region) whose metadata the roles read and break-glass administers. */
  readonly vaults: readonly { readonly name: string; readonly region: string }[];
  /** State machine names in the recovery region. */
  readonly stateMachines: { readonly drill: string; readonly failover: string; readonly failback: string };
  /** SSM parameter path (e.g. `/rxdr/prod/approvals`) under which paused runs keep their task tokens. */
  readonly approvalParameterPrefix: string;
  /** Evidence bucket (the Auditor reads it) and the key it is encrypted with. */
  readonly evidenceBucket: s3.IBucket;
  /** Key of the evidence bucket and the approval parameters (recovery region). */
  readonly recoveryKey: kms.IKey;
  /** Audit trail log bucket and its key, when rxdr creates the trail. */
  readonly auditLogs?: { readonly bucket: s3.IBucket; readonly key: kms.IKey };
  /**
   * Oldest MFA authentication accepted when assuming the break-glass role.
   * @default Duration.hours(1)
   */
  readonly breakGlassMfaMaxAge?: Duration;
  /** The runbook gateway's function name: the only way Operators start and Approvers approve runbooks. */
  readonly runbookGatewayFunctionName: string;
  /** SSM Automation documents: Operators run the start documents, Approvers the approve document. */
  readonly documents: { readonly failover: string; readonly failback: string; readonly approve: string };
  /** Operator and Approver sessions need MFA. @default true */
  readonly requireMfa?: boolean;
  /** CI role ARNs that may assume the Operator role without MFA (still with a source identity). @default none */
  readonly automationPrincipals?: readonly string[];
}

/**
 * The four people-facing IAM roles of an environment, least privilege, no wildcard actions:
 * Operator, Approver, Auditor and BreakGlass (see `role-definitions.ts`). All are assumable by principals
 * of this account that IAM allows to; BreakGlass only with MFA, and assuming it raises an alarm
 * (`SecurityAlarms`). Statements on actions without resource-level permissions are narrowed to the
 * environment's two regions.
 */
export class OperatorRoles extends Construct {
  readonly operator: iam.Role;
  readonly approver: iam.Role;
  readonly auditor: iam.Role;
  readonly breakGlass: iam.Role;

  constructor(scope: Construct, id: string, props: OperatorRolesProps) {
    super(scope, id);
    const mfaMaxAge = props.breakGlassMfaMaxAge ?? Duration.hours(1);
    if (!mfaMaxAge.isUnresolved() && (mfaMaxAge.toSeconds() < 60 || mfaMaxAge.toSeconds() > 12 * 3600)) {
      throw new Error(`breakGlassMfaMaxAge must be between 1 minute and 12 hours, got ${mfaMaxAge.toHumanString()}`);
    }

    const statements = new RoleStatements(this, props);
    const { drill, failover, failback } = props.stateMachines;
    const allMachines = [drill, failover, failback];

    const person = personTrust(props.requireMfa ?? true);
    const records = {
      environmentName: props.environmentName,
      primaryRegion: props.primaryRegion,
      recoveryRegion: props.recoveryRegion,
      evidenceBucket: props.evidenceBucket,
      recoveryKey: props.recoveryKey,
    };
    this.operator = this.role(
      'Operator',
      props.environmentName,
      new iam.AccountRootPrincipal().withConditions(person),
      [
        statements.follow(allMachines),
        new iam.PolicyStatement({
          sid: 'StartDrills',
          actions: ['states:StartExecution'],
          resources: [statements.stateMachine(drill)],
        }),
        statements.useGateway,
        ...statements.runDocuments('RunStartDocuments', [props.documents.failover, props.documents.failback]),
        ...statements.backupMetadata,
        new iam.PolicyStatement({
          sid: 'NeverApprove',
          effect: iam.Effect.DENY,
          actions: [...APPROVAL_ACTIONS, 'ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
          resources: ['*'],
        }),
        statements.onlyThroughTheGateway('RunbooksOnlyThroughTheGateway', ['states:StartExecution']),
        ...gameDayStatements(this, records),
      ],
    );
    allowSourceIdentity(this.operator, person);
    trustAutomation(this.operator, props.automationPrincipals ?? []);

    this.approver = this.role(
      'Approver',
      props.environmentName,
      new iam.AccountRootPrincipal().withConditions(person),
      [
        statements.follow([failover, failback]),
        statements.useGateway,
        ...statements.runDocuments('RunApproveDocument', [props.documents.approve]),
        ...trainingRecordStatements(records),
        new iam.PolicyStatement({
          sid: 'NeverStartRuns',
          effect: iam.Effect.DENY,
          actions: ['states:StartExecution'],
          resources: ['*'],
        }),
        statements.onlyThroughTheGateway('ApproveOnlyThroughTheGateway', [
          ...APPROVAL_ACTIONS,
          'ssm:GetParameter',
          'ssm:GetParameters',
          'ssm:GetParametersByPath',
        ]),
      ],
    );
    allowSourceIdentity(this.approver, person);

    const auditorStatements = [
      statements.follow(allMachines),
      ...statements.backupMetadata,
      ...statements.auditorReads(),
    ];
    this.auditor = this.role('Auditor', props.environmentName, new iam.AccountRootPrincipal(), auditorStatements);

    const mfa = new iam.AccountRootPrincipal().withConditions({
      Bool: { 'aws:MultiFactorAuthPresent': 'true' },
      NumericLessThan: { 'aws:MultiFactorAuthAge': String(mfaMaxAge.toSeconds()) },
    });
    this.breakGlass = this.role(
      'BreakGlass',
      props.environmentName,
      mfa,
      [
        statements.follow(allMachines),
        statements.startRuns,
        ...statements.approve,
        statements.useGateway,
        ...statements.backupMetadata,
        statements.administerVaults,
      ],
      props.breakGlassRoleName,
    );
  }

  private role(
    kind: RoleKind,
    environmentName: string,
    principal: iam.IPrincipal,
    statements: iam.PolicyStatement[],
    roleName?: string,
  ): iam.Role {
    const definition = ROLE_DEFINITIONS[kind];
    const role = new iam.Role(this, kind, {
      roleName,
      assumedBy: principal,
      description: `rxdr ${environmentName} ${kind}: ${definition.purpose}`.slice(0, 1000),
      maxSessionDuration: Duration.hours(definition.maxSessionHours),
    });
    // A customer-managed policy per role (HIPAA/NIST prefer them to inline policies: reusable, versioned).
    const document = new iam.PolicyDocument({ statements });
    const policy = new iam.ManagedPolicy(this, `${kind}Policy`, {
      description: `rxdr ${environmentName} ${kind} permissions`,
      document,
      roles: [role],
    });
    acknowledgeResourceFamilies(policy, document);
    return role;
  }
}
