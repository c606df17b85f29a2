/** The engine a local rehearsal of an Aurora cluster records, as the AWS cluster drill and failover do. */
export const AURORA_POSTGRESQL = 'aurora-postgresql';

/**
 * The engines a local run rehearses (plain data, so the CLI checks `--engine` without loading PostgreSQL code): an
 * RDS for PostgreSQL instance's steps, or an Aurora PostgreSQL cluster's (restore the cluster, add its instance;
 * delete the instance, then the cluster). On one machine both are PostgreSQL.
 */
export const LOCAL_ENGINES = ['postgres', AURORA_POSTGRESQL] as const;
export type LocalEngine = (typeof LOCAL_ENGINES)[number];

/** What local evidence records of a cluster target, as the AWS cluster drill does (engine and resource). */
export const CLUSTER_TARGET = { engine: AURORA_POSTGRESQL, details: { resource: 'aurora-cluster' } };
