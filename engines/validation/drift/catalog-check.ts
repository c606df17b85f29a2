import type { CheckContext, CheckDefinition } from '../checks/check';
import { MAX_KEYS } from '../checks/check';
import type { Manifest } from '../manifest-schema';

/** A kind of schema object recorded in the manifest as `name: definition` lines, compared by name. */
export interface CatalogKind {
  readonly check: string;
  readonly description: string;
  /** Key of `manifest.objects` that holds the recorded lines. */
  readonly field: keyof NonNullable<Manifest['objects']>;
  /** SQL listing `{ name, definition }` of the objects in the schemas `$1::text[]`. */
  readonly sql: string;
  /**
   * PostgreSQL prints these definitions differently from one major version to the next (`pg_get_viewdef`
   * stopped qualifying column names in 16): on a copy of another major version only the names are compared.
   */
  readonly textVariesByMajor?: boolean;
}

export async function listObjects(
  query: (sql: string, params: unknown[]) => Promise<{ name: string; definition: string }[]>,
  kind: CatalogKind,
  schemas: readonly string[],
): Promise<Record<string, string>> {
  const rows = await query(kind.sql, [schemas]);
  return Object.fromEntries(rows.map((r) => [r.name, r.definition]));
}

/** The check of one kind: every recorded object exists on the copy with the same definition; none added. */
export function catalogCheck(kind: CatalogKind): CheckDefinition {
  return {
    name: kind.check,
    suite: 'generic',
    description: kind.description,
    applies: (manifest) => manifest.objects?.[kind.field] !== undefined,
    async run(context) {
      const expected = context.manifest.objects?.[kind.field] ?? {};
      const actual = await listObjects(
        (sql, params) => context.query<{ name: string; definition: string }>(sql, params),
        kind,
        context.manifest.schemas,
      );
      const compareDefinitions = !kind.textVariesByMajor || (await sameMajor(context));
      const missing = Object.keys(expected).filter((n) => !(n in actual));
      const changed = compareDefinitions
        ? Object.keys(expected).filter((n) => n in actual && actual[n] !== expected[n])
        : [];
      const added = Object.keys(actual).filter((n) => !(n in expected));
      return {
        passed: missing.length + changed.length + added.length === 0,
        measured: {
          expected: Object.keys(expected).length,
          missing,
          changed,
          added,
          ...(compareDefinitions ? {} : { definitionsCompared: 'no: the copy runs another major version' }),
        },
        offendingKeys: [
          ...missing.map((n) => `missing ${n}`),
          ...changed.map((n) => `changed ${n}`),
          ...added.map((n) => `added ${n}`),
        ].slice(0, MAX_KEYS),
      };
    },
  };
}

async function sameMajor(context: CheckContext): Promise<boolean> {
  const [row] = await context.query<{ version: string }>("SELECT current_setting('server_version_num') AS version");
  const major = (versionNum: number) => Math.floor(versionNum / 10_000);
  return major(Number(row?.version ?? 0)) === major(context.manifest.source.serverVersionNum);
}
