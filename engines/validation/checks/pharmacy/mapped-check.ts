import type { Manifest } from '../../manifest-schema';
import type { CheckContext, CheckDefinition, CopyServer } from '../check';
import type { PharmacyInvariant } from './mapping';
import {
  explainMappingError,
  INVARIANT_TABLES,
  mappedRelation,
  mapReferenceSql,
  PharmacyTables,
} from './table-mapping';

/** The pass key of a mapped reference table: apart from the adopter's own table's generic pass. */
export const MAPPED_PASS_SCHEMA = 'rxdr:mapped';

/**
 * A built-in invariant check run on the adopter's tables that `manifest.pharmacy.tables` maps the reference
 * tables to. It applies when every table it reads is mapped (otherwise it is reported "not mapped"), reads
 * through the mapping (its queries and its table passes), and always takes the full path: the incremental
 * proof rests on the reference tables' manifest entries, which an adopter's manifest does not have.
 */
export function mappedReferenceCheck(check: CheckDefinition, mapping: PharmacyTables): CheckDefinition {
  const tables = INVARIANT_TABLES[check.name as PharmacyInvariant] ?? [];
  const explained = (error: unknown): never => {
    throw explainMappingError(error, mapping) ?? error;
  };
  return {
    ...check,
    applies: (m: Manifest) => m.pharmacy !== undefined && tables.every((t) => mapping[t] !== undefined),
    passes: (m: Manifest, server?: CopyServer) =>
      (check.passes?.(m, server) ?? []).map((c) => ({
        ...c,
        schema: MAPPED_PASS_SCHEMA,
        from: (passSql: string) => mappedRelation(mapping, c.table, passSql),
      })),
    async run(context) {
      const mapped: CheckContext = {
        ...context,
        pass: (schema, table) =>
          context.pass(schema === 'pharmacy' ? MAPPED_PASS_SCHEMA : schema, table).catch(explained),
        query: <R extends Record<string, unknown>>(sql: string, params?: unknown[], mode?: 'isolated') =>
          context.query<R>(mapReferenceSql(sql, mapping), params, mode).catch(explained),
        // The adopter's manifest has no entries for the reference tables: the checks take their full path.
        table: (schema, table) => (schema === 'pharmacy' ? undefined : context.table(schema, table)),
        localized: undefined,
      };
      const outcome = await check.run(mapped);
      return {
        ...outcome,
        measured: {
          ...outcome.measured,
          mapping: 'tables',
          ...(outcome.measured.mode === 'full'
            ? { fullReason: "mapped to this database's tables: the incremental proof needs the reference schema" }
            : {}),
        },
      };
    },
  };
}
