import { AURORA_POSTGRESQL } from './cluster-schema';

type Cluster = { readonly engine: typeof AURORA_POSTGRESQL };

/** An Aurora PostgreSQL cluster entry (`engine: "aurora-postgresql"`). */
export function isCluster<T extends { readonly engine?: string }>(db: T): db is Extract<T, Cluster> {
  return db.engine === AURORA_POSTGRESQL;
}

/** An RDS for PostgreSQL instance entry (no `engine`, or "postgres"). */
export function isInstance<T extends { readonly engine?: string }>(db: T): db is Exclude<T, Cluster> {
  return db.engine !== AURORA_POSTGRESQL;
}
