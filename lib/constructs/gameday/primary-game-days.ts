import { ArnFormat, Lazy, Stack, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as fis from 'aws-cdk-lib/aws-fis';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeWildcardResources } from '../../compliance/acknowledgements';
import { EnvironmentConfig } from '../../config/environment-config';
import { GAME_DAY_TARGET_TAG, gameDayScenarios } from '../../config/gameday';
import { names } from '../../naming';
import { TagKeys } from '../../tags';
import { isInstance } from '../../config/database-kind';
import { GameDayExperiment, isoMinutes } from './game-day-experiment';
import { OutOfScopeAlarm } from './out-of-scope-alarm';

export interface PrimaryGameDaysProps {
  readonly config: EnvironmentConfig;
  readonly alertsTopic: sns.ITopic;
  /** The environment's reference instances, tagged as game-day targets here. */
  readonly instances: readonly IConstruct[];
}

/**
 * Primary-region game-day scenarios: the primary instance fails, and the application subnets lose the
 * primary database network. Targets are resources tagged with the environment and `rxdr:gameday=target`;
 * every template stops on the out-of-scope alarm.
 */
export class PrimaryGameDays extends Construct {
  readonly experiments: Record<string, GameDayExperiment> = {};
  readonly outOfScope: OutOfScopeAlarm;

  constructor(scope: Construct, id: string, props: PrimaryGameDaysProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    const scenarios = gameDayScenarios(config);
    for (const instance of props.instances) Tags.of(instance).add(GAME_DAY_TARGET_TAG.key, GAME_DAY_TARGET_TAG.value);
    const targetTags = { [TagKeys.environment]: config.name, [GAME_DAY_TARGET_TAG.key]: GAME_DAY_TARGET_TAG.value };
    const taggedOnly = {
      StringEquals: {
        [`aws:ResourceTag/${TagKeys.environment}`]: config.name,
        [`aws:ResourceTag/${GAME_DAY_TARGET_TAG.key}`]: GAME_DAY_TARGET_TAG.value,
      },
    };
    const minutes = config.gameDays.durationMinutes;
    const experiments: GameDayExperiment[] = [];
    // The templates stop on this alarm, and its rule watches their roles: the roles are added as they are made.
    this.outOfScope = new OutOfScopeAlarm(this, 'OutOfScope', {
      environmentName: config.name,
      gameDayRoleArns: Lazy.list({ produce: () => experiments.map((e) => e.role.roleArn) }),
      databaseIdentifiers: gameDayDatabaseIdentifiers(config),
      vaultNames: [names.primaryVault(config)],
      topic: props.alertsTopic,
    });
    const stopConditions = [this.outOfScope.alarm];

    if (scenarios.includes('primary-instance-failure')) {
      const stop = config.gameDays.instanceFailure === 'stop';
      const experiment = new GameDayExperiment(this, 'PrimaryInstanceFailure', {
        environmentName: config.name,
        scenario: 'primary-instance-failure',
        description: stop
          ? `stop the tagged primary instances; FIS starts them again after ${minutes} min`
          : 'reboot the tagged primary instances, forcing a failover to the standby where Multi-AZ',
        targets: {
          MultiAzPrimaries: dbTarget(targetTags, 'true'),
          SingleAzPrimaries: dbTarget(targetTags, 'false'),
        },
        actions: stop
          ? {
              StopSingleAz: stopAction('SingleAzPrimaries', minutes),
              StopMultiAz: stopAction('MultiAzPrimaries', minutes),
            }
          : {
              FailOverMultiAz: {
                actionId: 'aws:rds:reboot-db-instances',
                parameters: { forceFailover: 'true' },
                targets: { DBInstances: 'MultiAzPrimaries' },
              },
              RebootSingleAz: {
                actionId: 'aws:rds:reboot-db-instances',
                parameters: { forceFailover: 'false' },
                targets: { DBInstances: 'SingleAzPrimaries' },
              },
            },
        stopConditions,
        emptyTargetResolutionMode: 'skip',
      });
      const instances = stack.formatArn({
        service: 'rds',
        resource: 'db',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      experiment.allow({
        sid: 'FailTaggedInstancesOnly',
        actions: stop ? ['rds:StopDBInstance', 'rds:StartDBInstance'] : ['rds:RebootDBInstance'],
        resources: [instances],
        conditions: taggedOnly,
      });
      experiment.allow({ sid: 'FindTargets', actions: ['rds:DescribeDBInstances'], resources: [instances] });
      acknowledgeWildcardResources(
        experiment.role,
        [instances],
        'FIS selects the instances by tag at run time; the role may act only on instances tagged for this environment',
      );
      experiments.push(experiment);
      this.experiments['primary-instance-failure'] = experiment;
    }

    if (scenarios.includes('primary-region-unreachable')) {
      const prefixList = new ec2.PrefixList(this, 'PrimaryDatabaseNetwork', {
        addressFamily: ec2.AddressFamily.IP_V4,
        maxEntries: 1,
        entries: [{ cidr: config.databaseProtection.primaryVpcCidr, description: 'primary database network' }],
      });
      const experiment = new GameDayExperiment(this, 'PrimaryRegionUnreachable', {
        environmentName: config.name,
        scenario: 'primary-region-unreachable',
        description: `the configured application subnets cannot reach the primary database network for ${minutes} min`,
        targets: {
          ApplicationSubnets: {
            resourceType: 'aws:ec2:subnet',
            selectionMode: 'ALL',
            resourceTags: targetTags,
            filters: [{ path: 'SubnetId', values: [...config.gameDays.applicationSubnetIds] }],
          },
        },
        actions: {
          CutPrimaryDatabaseNetwork: {
            actionId: 'aws:network:disrupt-connectivity',
            parameters: {
              duration: isoMinutes(minutes),
              scope: 'prefix-list',
              prefixListIdentifier: prefixList.prefixListId,
            },
            targets: { Subnets: 'ApplicationSubnets' },
          },
        },
        stopConditions,
      });
      const arn = (resource: string) =>
        stack.formatArn({ service: 'ec2', resource, resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
      const fisTagged = { StringEquals: { 'aws:ResourceTag/managedByFIS': 'true' } };
      experiment.allow({
        sid: 'CreateFisNetworkAcl',
        actions: ['ec2:CreateNetworkAcl'],
        resources: [arn('network-acl')],
        conditions: { StringEquals: { 'aws:RequestTag/managedByFIS': 'true' } },
      });
      experiment.allow({ sid: 'InVpc', actions: ['ec2:CreateNetworkAcl'], resources: [arn('vpc')] });
      experiment.allow({
        sid: 'TagFisNetworkAcl',
        actions: ['ec2:CreateTags'],
        resources: [arn('network-acl')],
        conditions: { StringEquals: { 'ec2:CreateAction': 'CreateNetworkAcl' } },
      });
      experiment.allow({
        sid: 'ChangeFisNetworkAclOnly',
        actions: ['ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAcl'],
        resources: [arn('network-acl')],
        conditions: fisTagged,
      });
      experiment.allow({
        sid: 'SwapAclOfTaggedSubnets',
        actions: ['ec2:ReplaceNetworkAclAssociation'],
        resources: [arn('subnet')],
        conditions: taggedOnly,
      });
      experiment.allow({
        sid: 'SwapAcls',
        actions: ['ec2:ReplaceNetworkAclAssociation'],
        resources: [arn('network-acl')],
      });
      experiment.allow({
        sid: 'ReadThePrefixList',
        actions: ['ec2:GetManagedPrefixListEntries'],
        resources: [prefixList.prefixListArn],
      });
      // These Describe calls support no resource-level permissions; the region condition narrows them.
      experiment.allow({
        sid: 'DescribeNetwork',
        actions: [
          'ec2:DescribeManagedPrefixLists',
          'ec2:DescribeNetworkAcls',
          'ec2:DescribeSubnets',
          'ec2:DescribeVpcs',
        ],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:RequestedRegion': stack.region } },
      });
      acknowledgeWildcardResources(
        experiment.role,
        [arn('network-acl'), arn('vpc'), arn('subnet'), '*'],
        'FIS creates its own network ACL (tagged managedByFIS) and swaps it onto the tagged subnets; EC2 Describe ' +
          'calls support no resource-level permissions (held to this region)',
      );
      experiments.push(experiment);
      this.experiments['primary-region-unreachable'] = experiment;
    }
  }
}

/** RDS identifiers of the environment's databases in the primary region (the only ones a game day may name). */
export function gameDayDatabaseIdentifiers(config: EnvironmentConfig): string[] {
  return config.databases.filter(isInstance).map((db) => names.primaryInstance(config, db));
}

function dbTarget(
  tags: Record<string, string>,
  multiAz: 'true' | 'false',
): fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty {
  return {
    resourceType: 'aws:rds:db',
    selectionMode: 'ALL',
    resourceTags: tags,
    filters: [{ path: 'MultiAZ', values: [multiAz] }],
  };
}

function stopAction(target: string, minutes: number) {
  return {
    actionId: 'aws:rds:stop-db-instances',
    parameters: { startInstancesAfterDuration: isoMinutes(minutes) },
    targets: { DBInstances: target },
  };
}
