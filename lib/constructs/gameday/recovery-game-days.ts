import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../../compliance/acknowledgements';
import { GameDayScenario } from '../../config/gameday';
import { names } from '../../naming';
import { ManagedPolicyRole } from '../managed-policy-role';
import { ATTEMPT_DENIED_CALLS, CANARY_RECOVERY_POINT_PREFIX } from './denied-calls-script';
import { GameDayExperiment, isoMinutes } from './game-day-experiment';
import { gameDaySettingsProblems } from './game-day-settings';
import { GameDays, GameDaysProps } from './game-days';
import { thisAccountsService } from '../service-principal-scope';
import { RxdrBackupVault } from '../backup-vault';

const RECOVERY_SCENARIOS: readonly GameDayScenario[] = ['recovery-point-deletion-attempt', 'isolated-copy-restore'];

/** A backup vault by name and region. */
export interface GameDayVault {
  readonly name: string;
  readonly region: string;
}

export interface RecoveryGameDaysProps extends GameDaysProps {
  /** The primary-region vault: its policy is tried and its changes are watched. */
  readonly primaryVault: GameDayVault;
  /** The recovery-region vault: tried and watched like the primary one, and the one declared lost. */
  readonly recoveryVault: GameDayVault;
}

/** Every problem with the props, each naming the value received (empty when there is none). */
export function recoveryGameDaysProblems(props: RecoveryGameDaysProps): string[] {
  const problems = gameDaySettingsProblems(props, RECOVERY_SCENARIOS);
  for (const [key, vault] of Object.entries({ primaryVault: props.primaryVault, recoveryVault: props.recoveryVault }))
    if (!vault.name || !vault.region) problems.push(`${key}: a vault name and region, got ${JSON.stringify(vault)}`);
  return problems;
}

/**
 * Recovery-region game-day scenarios, each an SSM Automation FIS runs (`aws:ssm:start-automation-execution`):
 * the recovery-point deletion attempt (denials and detections must fire; nothing can be deleted) and the
 * recovery vault declared lost (the runbook must restore from the isolated copy).
 */
export class RecoveryGameDays extends GameDays {
  constructor(scope: Construct, id: string, props: RecoveryGameDaysProps) {
    const vaults = [
      { name: props.primaryVault.name, region: props.primaryVault.region },
      { name: props.recoveryVault.name, region: props.recoveryVault.region },
    ];
    const check = { what: 'RecoveryGameDays', problems: recoveryGameDaysProblems(props) };
    super(
      scope,
      id,
      props,
      check,
      vaults.map((v) => v.name),
    );
    const environment = { name: props.environmentName };
    const stack = Stack.of(this);
    const scenarios = props.scenarios;
    const minutes = this.minutes;

    const automationScenario = (
      scenario: GameDayScenario,
      logicalId: string,
      description: string,
      documentName: string,
      automationRole: ManagedPolicyRole,
      content: Record<string, unknown>,
    ): GameDayExperiment => {
      const document = new ssm.CfnDocument(this, `${logicalId}Document`, {
        name: documentName,
        documentType: 'Automation',
        documentFormat: 'JSON',
        updateMethod: 'NewVersion',
        content: { schemaVersion: '0.3', assumeRole: automationRole.roleArn, ...content },
      });
      const documentArn = stack.formatArn({ service: 'ssm', resource: 'document', resourceName: documentName });
      const experiment = new GameDayExperiment(this, logicalId, {
        environmentName: environment.name,
        scenario,
        description,
        targets: {},
        actions: {
          RunAutomation: {
            actionId: 'aws:ssm:start-automation-execution',
            parameters: { documentArn, maxDuration: isoMinutes(minutes) },
          },
        },
        stopConditions: [this.outOfScope.alarm],
      });
      experiment.template.node.addDependency(document);
      const definition = stack.formatArn({
        service: 'ssm',
        resource: 'automation-definition',
        resourceName: `${documentName}:*`,
      });
      const executions = stack.formatArn({ service: 'ssm', resource: 'automation-execution', resourceName: '*' });
      experiment.allow({
        sid: 'RunTheAutomation',
        actions: ['ssm:StartAutomationExecution'],
        resources: [definition, documentArn],
      });
      experiment.allow({
        sid: 'FollowAndStopIt',
        actions: ['ssm:GetAutomationExecution', 'ssm:StopAutomationExecution'],
        resources: [executions],
      });
      experiment.allow({
        sid: 'HandTheAutomationItsRole',
        actions: ['iam:PassRole'],
        resources: [automationRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
      });
      acknowledgeWildcardResources(
        experiment.role,
        [definition, executions],
        "FIS starts one version of this scenario's document and follows the execution it started (ids are not known in advance)",
      );
      this.watch(experiment.role.roleArn, automationRole.roleArn);
      this.experiments[scenario] = experiment;
      return experiment;
    };
    const automationRole = (logicalId: string, what: string) =>
      new ManagedPolicyRole(this, logicalId, {
        assumedBy: thisAccountsService(this, 'ssm.amazonaws.com'),
        description: `rxdr ${environment.name} game day: ${what}`,
      });

    if (scenarios.includes('recovery-point-deletion-attempt')) {
      const role = automationRole('DeletionAttemptRole', 'tries the calls the vault policies deny');
      const vaultArn = (v: { name: string; region: string }) => RxdrBackupVault.arnInRegion(this, v.name, v.region);
      const canaries = vaults.map((v) =>
        stack.formatArn({
          service: 'backup',
          region: v.region,
          resource: 'recovery-point',
          resourceName: `${CANARY_RECOVERY_POINT_PREFIX}*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'TryToDeleteCanaryRecoveryPointsOnly',
          actions: ['backup:DeleteRecoveryPoint', 'backup:UpdateRecoveryPointLifecycle'],
          resources: canaries,
        }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'TryToRewriteTheVaultPolicyWithItself',
          actions: ['backup:GetBackupVaultAccessPolicy', 'backup:PutBackupVaultAccessPolicy'],
          resources: vaults.map(vaultArn),
        }),
      );
      acknowledgeWildcardResources(
        role,
        canaries,
        'canary recovery-point ARNs only: AWS Backup names real recovery points by UUID, so nothing can be deleted',
      );
      const vaultList = JSON.stringify(
        vaults.map((v) => ({ ...v, account: stack.account, partition: stack.partition })),
      );
      automationScenario(
        'recovery-point-deletion-attempt',
        'DeletionAttempt',
        'try to delete recovery points and rewrite the vault policies; each call must be denied and detected',
        names.gameDayDocument(environment, 'DeletionAttempt'),
        role,
        {
          description: `rxdr ${environment.name} game day: try the calls the vault access policies deny (nothing is deleted or changed) and fail unless every one is denied.`,
          mainSteps: [
            {
              name: 'AttemptDeniedCalls',
              action: 'aws:executeScript',
              onFailure: 'Abort',
              inputs: {
                Runtime: 'python3.11',
                Handler: 'handler',
                Script: ATTEMPT_DENIED_CALLS,
                InputPayload: { Vaults: stack.toJsonString(JSON.parse(vaultList)) },
              },
              outputs: [{ Name: 'Attempts', Selector: '$.Payload.attempts', Type: 'String' }],
            },
          ],
        },
      );
    }

    if (scenarios.includes('isolated-copy-restore')) {
      const role = automationRole('DeclareVaultLostRole', 'declares the recovery vault lost for the game day');
      const parameterName = names.gameDayVaultLostParameter(environment);
      const parameterArn = stack.formatArn({
        service: 'ssm',
        resource: 'parameter',
        resourceName: parameterName.replace(/^\//, ''),
      });
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DeclareAndWithdraw',
          actions: ['ssm:PutParameter', 'ssm:DeleteParameter'],
          resources: [parameterArn],
        }),
      );
      automationScenario(
        'isolated-copy-restore',
        'IsolatedCopyRestore',
        `declare the recovery vault lost for ${minutes} min: recover from the isolated copy`,
        names.gameDayDocument(environment, 'DeclareVaultLost'),
        role,
        {
          description:
            `rxdr ${environment.name} game day: declare the recovery vault ${props.recoveryVault.name} lost; ` +
            `recovery must use the isolated copy. The declaration is withdrawn after the game day's duration ` +
            `(or by rxdr gameday end).`,
          mainSteps: [
            {
              name: 'Declare',
              action: 'aws:executeAwsApi',
              onFailure: 'Abort',
              inputs: {
                Service: 'ssm',
                Api: 'PutParameter',
                Name: parameterName,
                Type: 'String',
                Overwrite: true,
                Value: JSON.stringify({
                  vault: props.recoveryVault.name,
                  automation: '{{ automation:EXECUTION_ID }}',
                }),
              },
            },
            { name: 'Hold', action: 'aws:sleep', inputs: { Duration: isoMinutes(minutes) } },
            {
              name: 'Withdraw',
              action: 'aws:executeAwsApi',
              inputs: { Service: 'ssm', Api: 'DeleteParameter', Name: parameterName },
            },
          ],
        },
      );
    }
  }
}
