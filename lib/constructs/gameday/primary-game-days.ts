import { ArnFormat, Stack, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as fis from 'aws-cdk-lib/aws-fis';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeWildcardResources } from '../../compliance/acknowledgements';
import { GAME_DAY_TARGET_TAG, GameDayScenario } from '../../config/gameday';
import { TagKeys } from '../../tags';
import { GameDayExperiment, isoMinutes } from './game-day-experiment';
import { gameDaySettingsProblems } from './game-day-settings';
import { GameDays, GameDaysProps } from './game-days';

const PRIMARY_SCENARIOS: readonly GameDayScenario[] = ['primary-instance-failure', 'primary-region-unreachable'];
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;

export interface PrimaryGameDaysProps extends GameDaysProps {
  /** The environment's reference instances, tagged as game-day targets here. */
  readonly instances: readonly IConstruct[];
  /**
   * The environment's reference Aurora clusters (`DatabaseCluster` or `CfnDBCluster`), tagged as game-day targets
   * here: the cluster resource only, so that its instances are never instance targets.
   * @default none
   */
  readonly clusters?: readonly IConstruct[];
  /** The primary backup vault: the out-of-scope alarm watches changes to it. */
  readonly vaultName: string;
  /**
   * How the primary fails: `reboot` (forced failover where Multi-AZ) or `stop`.
   * @default "reboot"
   */
  readonly instanceFailure?: 'reboot' | 'stop';
  /**
   * Application subnets (tagged as targets) that lose the primary database network; primary-region-unreachable
   * needs at least one.
   * @default none
   */
  readonly applicationSubnetIds?: readonly string[];
  /**
   * CIDR of the primary database network the application subnets lose (needed by primary-region-unreachable).
   * @default none
   */
  readonly primaryDatabaseCidr?: string;
}

/** Every problem with the props, each naming the value received (empty when there is none). */
export function primaryGameDaysProblems(props: PrimaryGameDaysProps): string[] {
  const problems = gameDaySettingsProblems(props, PRIMARY_SCENARIOS);
  if (props.instanceFailure !== undefined && !['reboot', 'stop'].includes(props.instanceFailure))
    problems.push(`instanceFailure: reboot or stop, got ${JSON.stringify(props.instanceFailure)}`);
  const subnets = props.applicationSubnetIds ?? [];
  for (const subnet of subnets)
    if (!SUBNET_ID.test(subnet))
      problems.push(`applicationSubnetIds: subnet ids such as "subnet-0abc1234", got ${JSON.stringify(subnet)}`);
  if (props.scenarios.includes('primary-region-unreachable')) {
    if (subnets.length === 0)
      problems.push('applicationSubnetIds: primary-region-unreachable needs at least one subnet, got none');
    if (!props.primaryDatabaseCidr)
      problems.push(
        `primaryDatabaseCidr: primary-region-unreachable needs the network to cut, got ${props.primaryDatabaseCidr}`,
      );
  }
  return problems;
}

/**
 * Primary-region game-day scenarios: the primary instance fails (an Aurora cluster's writer fails over to a
 * reader), and the application subnets lose the primary database network. Targets are resources tagged with the environment and `rxdr:gameday=target`;
 * every template stops on the out-of-scope alarm.
 */
export class PrimaryGameDays extends GameDays {
  constructor(scope: Construct, id: string, props: PrimaryGameDaysProps) {
    super(scope, id, props, { what: 'PrimaryGameDays', problems: primaryGameDaysProblems(props) }, [props.vaultName]);
    const environment = props.environmentName;
    const stack = Stack.of(this);
    const scenarios = props.scenarios;
    for (const instance of props.instances) Tags.of(instance).add(GAME_DAY_TARGET_TAG.key, GAME_DAY_TARGET_TAG.value);
    for (const cluster of props.clusters ?? [])
      Tags.of(clusterResource(cluster)).add(GAME_DAY_TARGET_TAG.key, GAME_DAY_TARGET_TAG.value);
    const clusterIdentifiers = props.clusterIdentifiers ?? [];
    const targetTags = { [TagKeys.environment]: environment, [GAME_DAY_TARGET_TAG.key]: GAME_DAY_TARGET_TAG.value };
    const taggedOnly = {
      StringEquals: {
        [`aws:ResourceTag/${TagKeys.environment}`]: environment,
        [`aws:ResourceTag/${GAME_DAY_TARGET_TAG.key}`]: GAME_DAY_TARGET_TAG.value,
      },
    };
    const minutes = this.minutes;
    const stopConditions = [this.outOfScope.alarm];

    if (scenarios.includes('primary-instance-failure')) {
      const stop = props.instanceFailure === 'stop';
      const withClusters = clusterIdentifiers.length > 0;
      const clusterPart = withClusters ? '; fail over the tagged Aurora clusters to a reader' : '';
      const experiment = new GameDayExperiment(this, 'PrimaryInstanceFailure', {
        environmentName: environment,
        scenario: 'primary-instance-failure',
        description:
          (stop
            ? `stop the tagged primary instances; FIS starts them again after ${minutes} min`
            : 'reboot the tagged primary instances, forcing a failover to the standby where Multi-AZ') + clusterPart,
        targets: {
          MultiAzPrimaries: dbTarget(targetTags, 'true'),
          SingleAzPrimaries: dbTarget(targetTags, 'false'),
          ...(withClusters ? { PrimaryClusters: clusterTarget(targetTags, clusterIdentifiers) } : {}),
        },
        actions: {
          ...(stop
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
              }),
          // Aurora has no stop action in FIS: a cluster's primary fails by a failover to one of its readers.
          ...(withClusters
            ? {
                FailOverClusters: { actionId: 'aws:rds:failover-db-cluster', targets: { Clusters: 'PrimaryClusters' } },
              }
            : {}),
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
      if (withClusters) {
        const clusterArn = (name: string) =>
          stack.formatArn({
            service: 'rds',
            resource: 'cluster',
            resourceName: name,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          });
        experiment.allow({
          sid: 'FailOverTheConfiguredTaggedClustersOnly',
          actions: ['rds:FailoverDBCluster'],
          resources: clusterIdentifiers.map(clusterArn),
          conditions: taggedOnly,
        });
        experiment.allow({ sid: 'FindClusters', actions: ['rds:DescribeDBClusters'], resources: [clusterArn('*')] });
        acknowledgeWildcardResources(
          experiment.role,
          [clusterArn('*')],
          'read-only: FIS lists the clusters to resolve the tagged targets; it may fail over only the configured ones',
        );
      }
      // FIS resolves tagged RDS targets through the tagging API, which has no resource-level permissions.
      experiment.allow({
        sid: 'ResolveTaggedTargets',
        actions: ['tag:GetResources'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:RequestedRegion': stack.region } },
      });
      acknowledgeWildcardResources(
        experiment.role,
        ['*'],
        'read-only tag lookup that supports no resource-level permissions (held to this region)',
      );
      this.watch(experiment.role.roleArn);
      this.experiments['primary-instance-failure'] = experiment;
    }

    if (scenarios.includes('primary-region-unreachable')) {
      const prefixList = new ec2.PrefixList(this, 'PrimaryDatabaseNetwork', {
        addressFamily: ec2.AddressFamily.IP_V4,
        maxEntries: 1,
        entries: [{ cidr: String(props.primaryDatabaseCidr), description: 'primary database network' }],
      });
      const experiment = new GameDayExperiment(this, 'PrimaryRegionUnreachable', {
        environmentName: environment,
        scenario: 'primary-region-unreachable',
        description: `the configured application subnets cannot reach the primary database network for ${minutes} min`,
        targets: {
          ApplicationSubnets: {
            resourceType: 'aws:ec2:subnet',
            selectionMode: 'ALL',
            resourceTags: targetTags,
            filters: [{ path: 'SubnetId', values: [...(props.applicationSubnetIds ?? [])] }],
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
      this.watch(experiment.role.roleArn);
      this.experiments['primary-region-unreachable'] = experiment;
    }
  }
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

/** The configured clusters that carry the target tags (the identifier filter keeps any other tagged cluster out). */
function clusterTarget(
  tags: Record<string, string>,
  identifiers: readonly string[],
): fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty {
  return {
    resourceType: 'aws:rds:cluster',
    selectionMode: 'ALL',
    resourceTags: tags,
    filters: [{ path: 'DBClusterIdentifier', values: [...identifiers] }],
  };
}

/** The resource of a cluster construct that carries the tag: the `AWS::RDS::DBCluster`, not its instances. */
function clusterResource(cluster: IConstruct): IConstruct {
  const child = cluster.node.defaultChild;
  return child instanceof rds.CfnDBCluster ? child : cluster;
}

function stopAction(target: string, minutes: number) {
  return {
    actionId: 'aws:rds:stop-db-instances',
    parameters: { startInstancesAfterDuration: isoMinutes(minutes) },
    targets: { DBInstances: target },
  };
}
