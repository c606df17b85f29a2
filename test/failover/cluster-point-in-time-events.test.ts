import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';
import { isCluster } from '../../lib/config/database-kind';
import { names } from '../../lib/naming';
import { shippedConfig } from '../helpers/config';
import { testAppProps } from '../helpers/synth';

/**
 * A cluster's point-in-time failover restores it in the primary region, while its wait runs in the recovery
 * region: the primary stack forwards the restored cluster's and its instance's RDS events to the recovery region's
 * default bus (where the waits' rule matches them by identifier, as for local events).
 */
const environments = shippedConfig().environments;
const { stages } = buildApp(environments, { compliance: false, ...testAppProps() });

describe.each(environments.map((env, i) => [env.name, env, i] as const))(
  'primary stack of %s',
  (_name, config, index) => {
    const clusters = config.databases.filter(isCluster);
    const restored = clusters.map((db) => `${names.primaryCluster(config, db)}-restored`);
    // A failback switches a global database back to the primary cluster, or to the new secondary `<primary>-fb`
    // a detached secondary's failback builds: their cluster events come from the primary region too.
    const failbackTargets = clusters
      .filter((db) => db.tierPreset.crossRegionReadReplica)
      .flatMap((db) => [names.primaryCluster(config, db), `${names.primaryCluster(config, db)}-fb`]);

    test('forwards the restored clusters’ cluster and instance events to the recovery region', () => {
      const primary = Template.fromStack(stages[index]!.primary);
      if (restored.length === 0) {
        expect(JSON.stringify(primary.toJSON())).not.toContain('RDS DB Cluster Event');
        return;
      }
      const bus = [
        Match.objectLike({ Arn: `arn:aws:events:${config.recoveryRegion}:${config.account}:event-bus/default` }),
      ];
      primary.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.rds'],
          'detail-type': ['RDS DB Cluster Event'],
          detail: Match.objectLike({ SourceType: ['CLUSTER'], SourceIdentifier: [...restored, ...failbackTargets] }),
        },
        Targets: bus,
      });
      primary.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.rds'],
          'detail-type': ['RDS DB Instance Event'],
          detail: Match.objectLike({ SourceType: ['DB_INSTANCE'], SourceIdentifier: restored }),
        },
        Targets: bus,
      });
    });

    test('the recovery region’s waits resume on those identifiers', () => {
      if (restored.length === 0) return;
      const recovery = JSON.stringify(Template.fromStack(stages[index]!.recovery).findResources('AWS::Events::Rule'));
      for (const id of [...restored, ...failbackTargets]) expect(recovery).toContain(`"${id}"`);
    });
  },
);
