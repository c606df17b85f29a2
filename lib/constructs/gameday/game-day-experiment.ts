import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as fis from 'aws-cdk-lib/aws-fis';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { GameDayScenario } from '../../config/gameday';
import { ManagedPolicyRole } from '../managed-policy-role';

/** Tag on every game-day experiment template: `rxdr gameday` finds a scenario's template by it. */
export const SCENARIO_TAG = 'rxdr:gameday-scenario';

export interface GameDayExperimentProps {
  readonly environmentName: string;
  readonly scenario: GameDayScenario;
  readonly description: string;
  readonly targets: Record<string, fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty>;
  readonly actions: Record<string, fis.CfnExperimentTemplate.ExperimentTemplateActionProperty>;
  /** Any of these in ALARM stops the experiment (at least one: the out-of-scope alarm). */
  readonly stopConditions: readonly cloudwatch.IAlarm[];
  /**
   * "fail" refuses to run when no tagged target exists; "skip" lets one of several targets be empty.
   * @default "fail"
   */
  readonly emptyTargetResolutionMode?: 'fail' | 'skip';
}

/**
 * One FIS experiment template with a role of its own: FIS may assume the role only for this account's
 * experiments, and the role holds only what the scenario's actions need (added with `allow`).
 */
export class GameDayExperiment extends Construct {
  readonly role: ManagedPolicyRole;
  readonly template: fis.CfnExperimentTemplate;

  constructor(scope: Construct, id: string, props: GameDayExperimentProps) {
    super(scope, id);
    if (props.stopConditions.length === 0) throw new Error(`game day ${props.scenario}: a stop condition is required`);
    const stack = Stack.of(this);
    this.role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('fis.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': stack.formatArn({
            service: 'fis',
            resource: 'experiment',
            resourceName: '*',
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        },
      }),
      description: `rxdr ${props.environmentName} game day ${props.scenario}: what FIS needs for this scenario only`,
    });
    this.template = new fis.CfnExperimentTemplate(this, 'Template', {
      description: `rxdr ${props.environmentName} game day ${props.scenario}: ${props.description}`.slice(0, 512),
      roleArn: this.role.roleArn,
      targets: props.targets,
      actions: props.actions,
      stopConditions: props.stopConditions.map((alarm) => ({ source: 'aws:cloudwatch:alarm', value: alarm.alarmArn })),
      experimentOptions: {
        accountTargeting: 'single-account',
        emptyTargetResolutionMode: props.emptyTargetResolutionMode ?? 'fail',
      },
      tags: { Name: `rxdr-${props.environmentName}-${props.scenario}`, [SCENARIO_TAG]: props.scenario },
    });
  }

  /** Add one least-privilege statement to the experiment's role. */
  allow(statement: iam.PolicyStatementProps): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement(statement));
  }
}

/** ISO 8601 duration of whole minutes, as FIS action parameters take it. */
export function isoMinutes(minutes: number): string {
  return `PT${minutes}M`;
}
