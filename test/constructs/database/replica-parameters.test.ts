import { isInstance } from '../../../lib/config/database-kind';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { POSTGRES_PARAMETERS } from '../../../engines/database/postgres-parameters';
import { postgresMajor } from '../../../engines/common/engine-support';
import { shippedConfig } from '../../helpers/config';
import { synthStage } from '../../helpers/synth';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** Every template of a stage (primary, recovery, standby and any other stack), as resources. */
function stageTemplates(stage: ReturnType<typeof synthStage>['stage']): Resources[] {
  return stage.node.children
    .filter((c): c is Stack => Stack.isStack(c))
    .map((stack) => Template.fromStack(stack).toJSON().Resources as Resources);
}

/** Parameters of the parameter group a `DBParameterGroupName` refers to (`Ref` to a group of the same template). */
function groupParameters(resources: Resources, groupName: unknown): Record<string, unknown> | undefined {
  const ref = (groupName as { Ref?: string } | undefined)?.Ref;
  const group = ref ? resources[ref] : undefined;
  return group?.Type === 'AWS::RDS::DBParameterGroup'
    ? (group.Properties?.Parameters as Record<string, unknown>)
    : undefined;
}

const AUDIT_KEYS = Object.keys(POSTGRES_PARAMETERS).filter(
  (key) => key.startsWith('pgaudit.') || key === 'shared_preload_libraries',
);

describe.each(shippedConfig().environments.map((env) => [env.name, env] as const))(
  'promotable replicas in the shipped %s environment',
  (_name, config) => {
    const { stage } = synthStage(config);
    const templates = stageTemplates(stage);
    const replicas = templates.flatMap((resources) =>
      Object.entries(resources)
        .filter(([, r]) => r.Type === 'AWS::RDS::DBInstance' && r.Properties?.SourceDBInstanceIdentifier !== undefined)
        .map(([id, r]) => ({ id, resources, properties: r.Properties! })),
    );
    // The primaries' parameter groups (created instances); adopted sources are held to the same parameters.
    const primaryGroups = templates.flatMap((resources) =>
      Object.values(resources)
        .filter((r) => r.Type === 'AWS::RDS::DBInstance' && r.Properties?.SourceDBInstanceIdentifier === undefined)
        .map((r) => groupParameters(resources, r.Properties?.DBParameterGroupName))
        .filter((p): p is Record<string, unknown> => p !== undefined),
    );

    test('there is a replica for every database whose tier keeps one', () => {
      // A cluster's standby is a global database secondary (its parameter groups: aurora-cluster.test.ts).
      expect(replicas).toHaveLength(
        config.databases.filter(isInstance).filter((db) => db.tierPreset.crossRegionReadReplica).length,
      );
    });

    test("every replica has a parameter group with rds.force_ssl=1 and the primary's pgaudit settings", () => {
      for (const primary of primaryGroups)
        expect(Object.fromEntries(AUDIT_KEYS.map((k) => [k, primary[k]]))).toEqual(
          Object.fromEntries(AUDIT_KEYS.map((k) => [k, POSTGRES_PARAMETERS[k]])),
        );
      for (const replica of replicas) {
        const parameters = groupParameters(replica.resources, replica.properties.DBParameterGroupName);
        expect({ replica: replica.id, parameters }).toEqual({
          replica: replica.id,
          parameters: expect.objectContaining({
            'rds.force_ssl': '1',
            ...Object.fromEntries(AUDIT_KEYS.map((k) => [k, POSTGRES_PARAMETERS[k]])),
          }),
        });
      }
    });

    test("every replica's parameter group is of its source's family, from the configured version (major or major.minor)", () => {
      for (const db of config.databases.filter(isInstance).filter((d) => d.tierPreset.crossRegionReadReplica)) {
        const replica = replicas.find((r) => r.properties.DBInstanceIdentifier === `rxdr-${config.name}-${db.name}-dr`);
        const ref = (replica?.properties.DBParameterGroupName as { Ref?: string } | undefined)?.Ref ?? '';
        const family = replica?.resources[ref]?.Properties?.Family;
        expect({ database: db.name, family }).toEqual({
          database: db.name,
          family: `postgres${postgresMajor(db.engineVersion ?? 'none')}`,
        });
      }
    });
  },
);
