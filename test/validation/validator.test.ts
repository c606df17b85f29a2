import { Client } from 'pg';
import { buildManifest, Manifest, validateDatabase, ValidationReport } from '../../engines/validation';
import { passQueries, planChecks } from '../../engines/validation/validator';
import { CheckContext, tableGate } from '../../engines/validation/checks/check';
import { splitPass, tailStart } from '../../engines/validation/checks/split-pass';
import { PHARMACY_INVARIANTS } from '../../engines/validation/checks/pharmacy/mapping';
import { parseManifest } from '../../engines/validation/manifest-schema';
import { createRng, insertPharmacyActivity, seedDatabase } from '../../lib/seed';
import { TestDatabase, useTestDatabase } from '../helpers/postgres';
import { checkNamed as check, queryOne, useCopies } from './fixture';

/**
 * One seeded database per file; the manifest is taken at a cut-off two days before the newest data, so
 * rows after the cut-off exist (as during a drill). Each corruption is applied to a fresh copy.
 */
const END = new Date('2026-11-01T00:00:00Z');
const CUTOFF = new Date(END.getTime() - 2 * 86_400_000);
const db = useTestDatabase('seeded');
const copyWith = useCopies(db);
let manifest: Manifest;

beforeAll(async () => {
  await seedDatabase({ url: db().url, prescriptions: 1500, seed: 42, endTime: END, historyDays: 60 });
  manifest = await buildManifest({ url: db().url, cutoff: CUTOFF });
});

async function validate(
  target: TestDatabase,
  extra: Partial<Parameters<typeof validateDatabase>[0]> = {},
): Promise<ValidationReport> {
  return validateDatabase({ url: target.url, manifest, recoveryPointTime: END, rpoTargetSeconds: 6 * 3600, ...extra });
}

const failing = (report: ValidationReport): string[] =>
  report.checks
    .filter((c) => !c.passed)
    .map((c) => c.name)
    .sort();

/** The checks `--checks generic` runs, in report order (stated here: it is what users select by that name). */
const GENERIC = [
  'schema',
  'row-counts',
  'checksums',
  'freshness',
  'constraints',
  'indexes',
  'sequences',
  'views',
  'extensions',
  'triggers',
  'row-level-security',
];

/**
 * How often a table has been scanned sequentially, once the server's statistics have settled: the
 * validator's sessions report theirs as they end, a moment after the client has closed them.
 */
async function settledSeqScans(target: TestDatabase, table: string): Promise<number> {
  const read = async () =>
    Number(
      (
        await queryOne<{ n: string }>(
          target,
          'SELECT seq_scan::text AS n FROM pg_stat_user_tables WHERE relid = $1::regclass',
          [table],
        )
      ).n,
    );
  let last = await read();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const now = await read();
    if (now === last) return now;
    last = now;
  }
}

describe('validateDatabase on a clean copy', () => {
  test('every check passes, the achieved RPO is measured, and nothing is reported as offending', async () => {
    const report = await validate(await copyWith(''));
    expect(failing(report)).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual([...GENERIC, ...PHARMACY_INVARIANTS]);
    expect(report.achievedRpoSeconds).toBe(0);
    for (const c of report.checks) expect(c.offendingKeys).toEqual([]);
    expect(check(report, 'audit-chain').measured.events).toBeGreaterThan(3000);
  });

  test('the manifest holds counts and checksums only of rows at or before the cut-off', async () => {
    const fills = manifest.tables.find((t) => t.table === 'fill');
    const { before, total } = await queryOne<{ before: string; total: string }>(
      db(),
      'SELECT count(*) FILTER (WHERE filled_at <= $1) AS before, count(*) AS total FROM pharmacy.fill',
      [CUTOFF],
    );
    expect(fills?.rowCount).toBe(Number(before));
    expect(Number(total)).toBeGreaterThan(Number(before));
    expect(manifest.pharmacy?.auditHead.seq).toBeGreaterThan(0);
  });

  test('the manifest records the largest old key, and the passes leave its aggregate out; an older manifest without it validates the same', async () => {
    const ranged = manifest.tables.filter(
      (t) => t.keyColumn && t.rowCount > 0 && (t.buckets.kind ?? 'range') === 'range',
    );
    expect(ranged.map((t) => t.table)).toEqual(
      expect.arrayContaining(['claim', 'fill', 'prescription', 'audit_event']),
    );
    for (const t of ranged) {
      const { max } = await queryOne<{ max: string }>(
        db(),
        `SELECT max("${t.keyColumn}")::text AS max FROM "${t.schema}"."${t.table}" WHERE "${t.cutoffColumn}" <= $1`,
        [CUTOFF],
      );
      expect({ table: t.table, maxKey: t.maxKey }).toEqual({ table: t.table, maxKey: max });
    }
    const older: Manifest = { ...manifest, tables: manifest.tables.map(({ maxKey: _, ...t }) => t) };
    const aliases = (m: Manifest) =>
      [...passQueries(planChecks(undefined, [], m).run, m).values()].filter((q) => q.select.has('old_max_key')).length;
    expect(aliases(manifest)).toBe(0);
    expect(aliases(older)).toBeGreaterThanOrEqual(ranged.length);

    // Either way the claim gate finds the new claims as the key range above the largest old key.
    const claimGate = async (m: Manifest) => {
      const q = passQueries(planChecks(undefined, [], m).run, m).get('pharmacy.claim');
      if (!q) throw new Error('no claim pass');
      const select = [...q.select].map(([alias, sql]) => `${sql} AS "${alias}"`).join(', ');
      const client = new Client({ connectionString: db().url });
      await client.connect();
      try {
        const [row] = (await client.query(`SELECT ${select} FROM pharmacy.claim t`, [CUTOFF])).rows;
        const context: CheckContext = {
          manifest: m,
          cutoff: CUTOFF,
          recoveryPointTime: END,
          rpoTargetSeconds: 6 * 3600,
          table: (schema, table) => m.tables.find((x) => x.schema === schema && x.table === table),
          pass: async () => row ?? {},
          query: async <R extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
            (await client.query<R>(text, params)).rows,
        };
        return await tableGate(context, 'pharmacy', 'claim');
      } finally {
        await client.end();
      }
    };
    const claims = manifest.tables.find((t) => t.table === 'claim');
    for (const m of [manifest, older])
      expect(await claimGate(m)).toMatchObject({ ok: true, newKeysAbove: claims?.maxKey });

    const copy = await copyWith('');
    const modes = (r: ValidationReport) => r.checks.map((c) => [c.name, c.passed, c.measured.mode ?? null]);
    const withKey = await validate(copy);
    const withoutKey = await validateDatabase({
      url: copy.url,
      manifest: older,
      recoveryPointTime: END,
      rpoTargetSeconds: 6 * 3600,
    });
    expect(failing(withKey)).toEqual([]);
    expect(modes(withoutKey)).toEqual(modes(withKey));
    expect(withKey.checks.filter((c) => c.measured.mode === 'incremental').length).toBeGreaterThan(5);
  });

  test('rows written after the manifest (a drill keeps writing) change no count, checksum or invariant', async () => {
    const copy = await copyWith('');
    const client = new Client({ connectionString: copy.url });
    await client.connect();
    const rng = createRng(7);
    let at = END.getTime();
    try {
      for (let i = 0; i < 40; i++) await insertPharmacyActivity(client, rng, { now: new Date((at += 60_000)) });
    } finally {
      await client.end();
    }
    const report = await validate(copy, { recoveryPointTime: new Date(at) });
    expect(failing(report)).toEqual([]);
    expect(report.achievedRpoSeconds).toBe(0);
  });
});

describe('each check catches its corruption', () => {
  test('deleted row: row-counts and checksums fail and name the key range', async () => {
    const { fill_id } = await queryOne<{ fill_id: string }>(
      db(),
      'SELECT fill_id FROM pharmacy.fill WHERE filled_at < $1 AND fill_number = 0 ORDER BY fill_id LIMIT 1 OFFSET 700',
      [CUTOFF],
    );
    const report = await validate(
      await copyWith(
        `DELETE FROM pharmacy.pdmp_report WHERE report_id = (SELECT min(report_id) FROM pharmacy.pdmp_report WHERE fill_id = ${fill_id})`,
      ),
    );
    expect(failing(report)).toEqual(['checksums', 'row-counts']);
    expect(check(report, 'row-counts').offendingKeys[0]).toMatch(/^pharmacy\.pdmp_report report_id \d+\.\.\d+$/);
  });

  test('changed value: only checksums fail (counts are equal)', async () => {
    const report = await validate(
      await copyWith("UPDATE pharmacy.patient SET last_name = 'Changed' WHERE patient_id = 17"),
    );
    expect(failing(report)).toEqual(['checksums']);
    const [range] = check(report, 'checksums').offendingKeys;
    const [low, high] = (range ?? '').replace(/^.* /, '').split('..').map(Number);
    expect(range).toMatch(/^pharmacy\.patient patient_id/);
    expect(low).toBeLessThanOrEqual(17);
    expect(high ?? low).toBeGreaterThanOrEqual(17);
    expect(JSON.stringify(report)).not.toContain('Changed');
  });

  test('values swapped between two rows: checksums fail', async () => {
    const report = await validate(
      await copyWith(`
        WITH a AS (SELECT fill_id, quantity FROM pharmacy.fill WHERE fill_id = 10),
             b AS (SELECT fill_id, quantity FROM pharmacy.fill WHERE quantity <> (SELECT quantity FROM a) ORDER BY fill_id LIMIT 1)
        UPDATE pharmacy.fill f SET quantity = CASE WHEN f.fill_id = (SELECT fill_id FROM a) THEN (SELECT quantity FROM b) ELSE (SELECT quantity FROM a) END
         WHERE f.fill_id IN ((SELECT fill_id FROM a), (SELECT fill_id FROM b))`),
    );
    expect(failing(report)).toEqual(['checksums']);
  });

  test('duplicated row: row-counts and checksums fail', async () => {
    const report = await validate(
      await copyWith(
        'ALTER TABLE pharmacy.prescriber DROP CONSTRAINT prescriber_pkey CASCADE; INSERT INTO pharmacy.prescriber SELECT * FROM pharmacy.prescriber WHERE prescriber_id = 5',
      ),
    );
    // Duplicating the row needed its primary key dropped: the constraint and index checks see that too.
    expect(failing(report)).toEqual(['checksums', 'constraints', 'indexes', 'row-counts']);
    expect(check(report, 'row-counts').measured.mismatched).toEqual({
      'pharmacy.prescriber': { expected: 30, actual: 31 },
    });
    expect(check(report, 'row-counts').offendingKeys).toEqual(['pharmacy.prescriber prescriber_id=5']);
  });

  test('broken foreign key: foreign-keys names the orphan', async () => {
    const report = await validate(await copyWith('UPDATE pharmacy.claim SET fill_id = 999999 WHERE claim_id = 1234'));
    expect(check(report, 'foreign-keys').passed).toBe(false);
    expect(check(report, 'foreign-keys').offendingKeys).toEqual(['claim:claim_id=1234']);
    expect(check(report, 'foreign-keys').measured.orphans).toEqual({ 'claim.fill_id -> fill': 1 });
  });

  test('gap in fill numbers: fill-numbering names the prescription', async () => {
    const { prescription_id } = await queryOne<{ prescription_id: string }>(
      db(),
      'SELECT prescription_id FROM pharmacy.fill GROUP BY 1 HAVING count(*) = 3 ORDER BY 1 LIMIT 1',
    );
    const report = await validate(
      await copyWith(
        `UPDATE pharmacy.fill SET fill_number = 3 WHERE prescription_id = ${prescription_id} AND fill_number = 2`,
      ),
    );
    expect(check(report, 'fill-numbering').passed).toBe(false);
    expect(check(report, 'fill-numbering').offendingKeys).toEqual([`prescription:${prescription_id}`]);
    expect(check(report, 'fill-numbering').measured).toMatchObject({ gaps: 1 });
  });

  test('more fills than refills authorised, and a refillable Schedule II prescription: fill-numbering fails', async () => {
    const { prescription_id } = await queryOne<{ prescription_id: string }>(
      db(),
      'SELECT prescription_id FROM pharmacy.fill GROUP BY 1 HAVING count(*) = 3 ORDER BY 1 LIMIT 1',
    );
    const { cii } = await queryOne<{ cii: string }>(
      db(),
      'SELECT min(prescription_id) AS cii FROM pharmacy.prescription JOIN pharmacy.product USING (product_id) WHERE dea_schedule = 2',
    );
    const report = await validate(
      await copyWith(`UPDATE pharmacy.prescription SET refills_authorized = 1 WHERE prescription_id = ${prescription_id};
                      UPDATE pharmacy.prescription SET refills_authorized = 2 WHERE prescription_id = ${cii}`),
    );
    expect(check(report, 'fill-numbering').measured).toMatchObject({ tooMany: 1, scheduleIIRefills: 1, gaps: 0 });
    expect(check(report, 'fill-numbering').offendingKeys.sort()).toEqual(
      [`prescription:${prescription_id}`, `prescription:${cii}`].sort(),
    );
  });

  test('duplicate Rx number in a pharmacy: rx-uniqueness names both prescriptions', async () => {
    const report = await validate(
      await copyWith(`ALTER TABLE pharmacy.prescription DROP CONSTRAINT prescription_rx_number_key;
        UPDATE pharmacy.prescription SET rx_number = (SELECT rx_number FROM pharmacy.prescription WHERE prescription_id = 100)
         WHERE prescription_id = (SELECT min(prescription_id) FROM pharmacy.prescription WHERE prescription_id > 100
                                    AND pharmacy_id = (SELECT pharmacy_id FROM pharmacy.prescription WHERE prescription_id = 100))`),
    );
    expect(check(report, 'rx-uniqueness').passed).toBe(false);
    expect(check(report, 'rx-uniqueness').offendingKeys[0]).toBe('prescription:100');
    expect(check(report, 'rx-uniqueness').offendingKeys).toHaveLength(2);
  });

  test('three (pharmacy, Rx number) groups repeated: rx-uniqueness counts every group and names the first prescriptions', async () => {
    const report = await validate(
      await copyWith(`ALTER TABLE pharmacy.prescription DROP CONSTRAINT prescription_rx_number_key;
        UPDATE pharmacy.prescription p SET rx_number = o.rx_number, pharmacy_id = o.pharmacy_id
          FROM pharmacy.prescription o WHERE (p.prescription_id, o.prescription_id) IN ((201, 101), (202, 102), (203, 103))`),
      { checks: ['rx-uniqueness'] },
    );
    expect(check(report, 'rx-uniqueness')).toMatchObject({
      passed: false,
      measured: { duplicateRxNumbers: 3 },
      offendingKeys: [
        'prescription:101',
        'prescription:102',
        'prescription:103',
        'prescription:201',
        'prescription:202',
      ],
    });
  });

  test('ledger imbalance: cs-ledger names the entry whose running balance breaks', async () => {
    const { entry_id } = await queryOne<{ entry_id: string }>(
      db(),
      'SELECT entry_id FROM pharmacy.cs_ledger WHERE entry_no = 3 ORDER BY entry_id LIMIT 1',
    );
    const report = await validate(
      await copyWith(`UPDATE pharmacy.cs_ledger SET balance_after = balance_after + 5 WHERE entry_id = ${entry_id}`),
    );
    expect(check(report, 'cs-ledger').passed).toBe(false);
    expect(check(report, 'cs-ledger').offendingKeys).toContain(`cs_ledger:entry_id=${entry_id}`);
    expect(check(report, 'cs-ledger').measured).toMatchObject({ unbalancedLedgers: 1 });
  });

  test('ledger movement that differs from its inventory transaction, and a negative balance: cs-ledger fails', async () => {
    const { txn_id, entry_id } = await queryOne<{ txn_id: string; entry_id: string }>(
      db(),
      'SELECT txn_id, entry_id FROM pharmacy.cs_ledger WHERE quantity_change < 0 ORDER BY entry_id LIMIT 1',
    );
    const report = await validate(
      await copyWith(
        `UPDATE pharmacy.inventory_transaction SET quantity_change = quantity_change - 1 WHERE txn_id = ${txn_id}`,
      ),
    );
    expect(check(report, 'cs-ledger').measured).toMatchObject({
      entriesNotMatchingTransactions: 1,
      unbalancedLedgers: 0,
    });
    expect(check(report, 'cs-ledger').offendingKeys).toEqual([`cs_ledger:entry_id=${entry_id}`]);

    // A whole ledger shifted down consistently (opening balance too) so it goes negative: still caught.
    const { pharmacy_id, product_id } = await queryOne<{ pharmacy_id: number; product_id: number }>(
      db(),
      'SELECT pharmacy_id, product_id FROM pharmacy.cs_ledger GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1',
    );
    const negative = await validate(
      await copyWith(`ALTER TABLE pharmacy.cs_opening_inventory DROP CONSTRAINT cs_opening_inventory_opening_balance_check;
                      UPDATE pharmacy.cs_ledger SET balance_after = balance_after - 100000 WHERE pharmacy_id = ${pharmacy_id} AND product_id = ${product_id};
                      UPDATE pharmacy.cs_opening_inventory SET opening_balance = opening_balance - 100000 WHERE pharmacy_id = ${pharmacy_id} AND product_id = ${product_id}`),
    );
    expect(check(negative, 'cs-ledger').measured).toMatchObject({ negativeLedgers: 1 });
  });

  test('broken hash chain: altered event, deleted event, and a re-hashed event each fail audit-chain', async () => {
    const altered = await validate(await copyWith("UPDATE pharmacy.audit_event SET actor = 'rph:0' WHERE seq = 200"));
    expect(check(altered, 'audit-chain').passed).toBe(false);
    expect(check(altered, 'audit-chain').offendingKeys).toEqual(['audit_event:seq=200']);

    const deleted = await validate(await copyWith('DELETE FROM pharmacy.audit_event WHERE seq = 300'));
    expect(check(deleted, 'audit-chain').measured).toMatchObject({ sequenceWithoutGaps: false });
    expect(check(deleted, 'audit-chain').offendingKeys).toContain('audit_event:seq=301');

    // An attacker who recomputes the altered event's own hash still breaks the link to the next event.
    const rehashed = await validate(
      await copyWith(`UPDATE pharmacy.audit_event t SET actor = 'rph:0',
          hash = sha256(t.prev_hash || int8send(t.seq) || timestamptz_send(t.occurred_at) || convert_to('rph:0|' || t.action || '|' || t.entity, 'UTF8') || int8send(t.entity_id))
        WHERE seq = 400`),
    );
    expect(check(rehashed, 'audit-chain').measured).toMatchObject({ hashMismatches: 0, linksVerify: false });
    expect(check(rehashed, 'audit-chain').offendingKeys).toEqual(['audit_event:seq=401']);
  });

  test('second reversal of a paid claim, and changed claim totals: claim-reversals fails', async () => {
    const { claim_id } = await queryOne<{ claim_id: string }>(
      db(),
      "SELECT reverses_claim_id AS claim_id FROM pharmacy.claim WHERE transaction_code = 'B2' ORDER BY 1 LIMIT 1",
    );
    const report = await validate(
      await copyWith(`INSERT INTO pharmacy.claim SELECT (SELECT max(claim_id) + 1 FROM pharmacy.claim), fill_id, 'B2', 'paid', amount, claim_id, submitted_at
                        FROM pharmacy.claim WHERE claim_id = ${claim_id}`),
    );
    expect(check(report, 'claim-reversals').passed).toBe(false);
    expect(check(report, 'claim-reversals').measured).toMatchObject({ multiplyReversed: 1 });
    expect(check(report, 'claim-reversals').offendingKeys).toContain(`claim:${claim_id}`);

    const totals = await validate(
      await copyWith("UPDATE pharmacy.claim SET amount = amount + 1 WHERE claim_id = 50 AND transaction_code = 'B1'"),
    );
    expect(check(totals, 'claim-reversals').passed).toBe(false);
    expect(Object.keys(check(totals, 'claim-reversals').measured.totalMismatches as object)).toHaveLength(1);
  });

  test('altered EPCS payload: epcs-signatures names the prescription; payload and hash both replaced: manifest mismatch', async () => {
    const { id } = await queryOne<{ id: string }>(
      db(),
      'SELECT min(prescription_id) AS id FROM pharmacy.prescription WHERE epcs_signed_payload IS NOT NULL',
    );
    const altered = await validate(
      await copyWith(
        `UPDATE pharmacy.prescription SET epcs_signed_payload = epcs_signed_payload || '\\x20'::bytea WHERE prescription_id = ${id}`,
      ),
    );
    expect(check(altered, 'epcs-signatures').passed).toBe(false);
    expect(check(altered, 'epcs-signatures').offendingKeys[0]).toBe(`prescription:${id}`);

    const resigned = await validate(
      await copyWith(`UPDATE pharmacy.prescription SET epcs_signed_payload = epcs_signed_payload || '\\x20'::bytea,
                                                       epcs_payload_sha256 = sha256(epcs_signed_payload || '\\x20'::bytea) WHERE prescription_id = ${id}`),
    );
    expect(check(resigned, 'epcs-signatures').measured).toMatchObject({
      payloadHashMismatches: 0,
      matchesManifest: false,
    });
    expect(check(resigned, 'epcs-signatures').offendingKeys[0]).toMatch(/^pharmacy\.prescription prescription_id/);
  });

  test('data older than the RPO: a copy that ends 12 h early fails only freshness', async () => {
    const since = new Date(END.getTime() - 12 * 3600_000).toISOString();
    const report = await validate(
      await copyWith(`
        DELETE FROM pharmacy.audit_event WHERE occurred_at > '${since}';
        DELETE FROM pharmacy.pdmp_report WHERE reported_at > '${since}';
        DELETE FROM pharmacy.cs_ledger WHERE recorded_at > '${since}';
        DELETE FROM pharmacy.inventory_transaction WHERE occurred_at > '${since}';
        DELETE FROM pharmacy.claim WHERE submitted_at > '${since}';
        DELETE FROM pharmacy.fill WHERE filled_at > '${since}';
        DELETE FROM pharmacy.prescription WHERE created_at > '${since}';`),
    );
    expect(failing(report)).toEqual(['freshness']);
    expect(report.achievedRpoSeconds).toBeGreaterThan(12 * 3600);
    expect(check(report, 'freshness').offendingKeys).toContain('pharmacy.audit_event.occurred_at');
  });

  test('data newer than the recovery point fails freshness and the audit head check', async () => {
    const report = await validate(await copyWith(''), { recoveryPointTime: new Date(END.getTime() - 3600_000) });
    expect(failing(report)).toEqual(['audit-chain', 'freshness']);
    expect(check(report, 'audit-chain').measured).toMatchObject({ newestAfterRecoveryPoint: true });
  });

  test('missing table: schema fails and names it; the checks that need it report an error instead of crashing', async () => {
    const report = await validate(await copyWith('DROP TABLE pharmacy.pdmp_report'));
    expect(check(report, 'schema').passed).toBe(false);
    expect(check(report, 'schema').offendingKeys).toEqual(['pharmacy.pdmp_report']);
    expect(check(report, 'row-counts').offendingKeys).toContain('pharmacy.pdmp_report');
    expect(check(report, 'foreign-keys').error).toMatch(/pdmp_report/);
    expect(report.passed).toBe(false);
  });

  test('changed column type: schema fails', async () => {
    const report = await validate(await copyWith('ALTER TABLE pharmacy.fill ALTER COLUMN quantity TYPE bigint'), {
      checks: ['schema'],
    });
    expect(failing(report)).toEqual(['schema']);
    expect(check(report, 'schema').measured.changedTables).toEqual(['pharmacy.fill']);
  });
});

describe('check selection and limits', () => {
  test('--checks style selection by name and suite runs only those', async () => {
    const copy = await copyWith('');
    const report = await validate(copy, { checks: ['generic', 'audit-chain'] });
    expect(report.checks.map((c) => c.name)).toEqual([...GENERIC, 'audit-chain']);
    await expect(validate(copy, { checks: ['no-such-check'] })).rejects.toThrow(/unknown check "no-such-check"/);
  });

  test('a statement timeout makes the check fail with an error, not hang', async () => {
    const copy = await copyWith('');
    const report = await validate(copy, {
      checks: ['custom'],
      customChecks: [{ name: 'slow', sql: 'SELECT pg_sleep(2) AS k', expect: 'no-rows' }],
      statementTimeoutMs: 200,
    });
    expect(report.passed).toBe(false);
    expect(report.checks[0]?.error).toMatch(/statement timeout/);
  });

  test('an unreachable database rejects with a connection error', async () => {
    await expect(validateDatabase({ url: 'postgres://postgres@127.0.0.1:1/nowhere', manifest })).rejects.toThrow(
      /cannot connect to 127\.0\.0\.1:1\/nowhere/,
    );
  });
});

/**
 * The incremental proof: the manifest job verified each invariant over the source's rows at or before the
 * cut-off; on a copy whose old rows match the manifest, each pharmacy check verifies only the rows after
 * the cut-off. These corruptions touch only rows after the cut-off, so counts and checksums still pass:
 * each pharmacy check must catch its corruption on its own, in incremental mode.
 */
describe('incremental proof (old rows proven by the manifest, rows after the cut-off checked on the copy)', () => {
  // Some corruptions need a constraint dropped first; the constraint and index checks report that on their own.
  const caught = (report: ValidationReport, name: string) => {
    expect(failing(report).filter((n) => n !== 'constraints' && n !== 'indexes')).toEqual([name]);
    expect(check(report, name).measured.mode).toBe('incremental');
    return check(report, name);
  };

  test('the manifest records that every invariant held on the source, and a clean copy is proven incrementally', async () => {
    for (const name of PHARMACY_INVARIANTS)
      expect(manifest.pharmacy?.invariants?.[name]).toMatchObject({ holds: true });
    const report = await validate(await copyWith(''));
    expect(failing(report)).toEqual([]);
    for (const name of PHARMACY_INVARIANTS) expect(check(report, name).measured.mode).toBe('incremental');
  });

  test('a corruption of old rows sends the check to the full path, which names the offender', async () => {
    const report = await validate(await copyWith('UPDATE pharmacy.claim SET fill_id = 999999 WHERE claim_id = 1234'));
    expect(check(report, 'foreign-keys').measured).toMatchObject({
      mode: 'mixed',
      orphans: { 'claim.fill_id -> fill': 1 },
    });
    expect(check(report, 'rx-uniqueness').measured.mode).toBe('incremental');
  });

  test('a manifest without source verification (older format), or where an invariant did not hold, is checked in full', async () => {
    const copy = await copyWith('');
    const { invariants, ...pharmacy } = manifest.pharmacy ?? ({} as NonNullable<Manifest['pharmacy']>);
    const older = await validate(copy, { manifest: { ...manifest, pharmacy } });
    expect(failing(older)).toEqual([]);
    for (const name of PHARMACY_INVARIANTS) expect(check(older, name).measured.mode).toBe('full');
    const violated = await validate(copy, {
      manifest: {
        ...manifest,
        pharmacy: {
          ...pharmacy,
          invariants: { ...invariants, 'fill-numbering': { holds: false, measured: { gaps: 1 } } },
        },
      },
    });
    expect(check(violated, 'fill-numbering').measured.mode).toBe('full');
  });

  test('a manifest without source verification: the table passes check every row, and still name each offender', async () => {
    const { invariants: _invariants, ...pharmacy } = manifest.pharmacy ?? ({} as NonNullable<Manifest['pharmacy']>);
    const { id } = await queryOne<{ id: string }>(
      db(),
      'SELECT min(prescription_id) AS id FROM pharmacy.prescription WHERE epcs_signed_payload IS NOT NULL',
    );
    const { claim_id } = await queryOne<{ claim_id: string }>(
      db(),
      "SELECT min(claim_id) AS claim_id FROM pharmacy.claim WHERE transaction_code = 'B2' AND submitted_at <= $1",
      [CUTOFF],
    );
    const report = await validate(
      await copyWith(`UPDATE pharmacy.audit_event SET actor = 'rph:0' WHERE seq = 7;
        UPDATE pharmacy.prescription SET epcs_signed_payload = epcs_signed_payload || '\\x20'::bytea WHERE prescription_id = ${id};
        UPDATE pharmacy.claim SET reverses_claim_id = NULL WHERE claim_id = ${claim_id}`),
      { manifest: { ...manifest, pharmacy } },
    );
    expect(check(report, 'audit-chain').measured).toMatchObject({ mode: 'full', hashMismatches: 1 });
    expect(check(report, 'audit-chain').offendingKeys).toContain('audit_event:seq=7');
    expect(check(report, 'epcs-signatures').measured).toMatchObject({ mode: 'full', payloadHashMismatches: 1 });
    expect(check(report, 'epcs-signatures').offendingKeys).toContain(`prescription:${id}`);
    expect(check(report, 'claim-reversals').measured).toMatchObject({ mode: 'full', reversalsWithoutTarget: 1 });
    expect(check(report, 'claim-reversals').offendingKeys).toContain(`claim:${claim_id}`);
    expect(Object.keys(check(report, 'claim-reversals').measured.totalMismatches as object)).toEqual([]);
  });

  test('two new rows sharing a key (both after the cut-off) send the check to the full path', async () => {
    const { claim_id } = await queryOne<{ claim_id: string }>(
      db(),
      "SELECT max(claim_id) AS claim_id FROM pharmacy.claim WHERE transaction_code = 'B2' AND submitted_at > $1",
      [CUTOFF],
    );
    const report = await validate(
      await copyWith(`ALTER TABLE pharmacy.claim DROP CONSTRAINT claim_pkey CASCADE;
        INSERT INTO pharmacy.claim SELECT * FROM pharmacy.claim WHERE claim_id = ${claim_id}`),
    );
    expect(check(report, 'claim-reversals').measured).toMatchObject({ mode: 'full', multiplyReversed: 1 });
    expect(check(report, 'claim-reversals').measured.fullReason).toMatch(/reuses a key/);
  });

  test('a new row without a key sends the checks of its table to the full path', async () => {
    const report = await validate(
      await copyWith(`ALTER TABLE pharmacy.claim DROP CONSTRAINT claim_pkey CASCADE;
        ALTER TABLE pharmacy.claim ALTER COLUMN claim_id DROP NOT NULL;
        UPDATE pharmacy.claim SET claim_id = NULL
         WHERE claim_id = (SELECT max(claim_id) FROM pharmacy.claim WHERE submitted_at > '${CUTOFF.toISOString()}')`),
      { checks: ['claim-reversals'] },
    );
    expect(check(report, 'claim-reversals').measured).toMatchObject({
      mode: 'full',
      fullReason: 'pharmacy.claim: a row has no key',
    });
  });

  test('a unique index left invalid by a failed CREATE UNIQUE INDEX CONCURRENTLY proves nothing: the repeated new key is still found', async () => {
    const { claim_id } = await queryOne<{ claim_id: string }>(
      db(),
      "SELECT max(claim_id) AS claim_id FROM pharmacy.claim WHERE transaction_code = 'B2' AND submitted_at > $1",
      [CUTOFF],
    );
    const copy = await copyWith(`ALTER TABLE pharmacy.claim DROP CONSTRAINT claim_pkey CASCADE;
        INSERT INTO pharmacy.claim SELECT * FROM pharmacy.claim WHERE claim_id = ${claim_id}`);
    const client = new Client({ connectionString: copy.url });
    await client.connect();
    try {
      await expect(
        client.query('CREATE UNIQUE INDEX CONCURRENTLY claim_again ON pharmacy.claim (claim_id)'),
      ).rejects.toThrow(/could not create unique index/);
      const { rows } = await client.query<{ indisvalid: boolean }>(
        "SELECT indisvalid FROM pg_index WHERE indexrelid = 'pharmacy.claim_again'::regclass",
      );
      expect(rows).toEqual([{ indisvalid: false }]);
    } finally {
      await client.end();
    }
    const report = await validate(copy);
    expect(check(report, 'claim-reversals').measured).toMatchObject({ mode: 'full', multiplyReversed: 1 });
    expect(check(report, 'claim-reversals').measured.fullReason).toMatch(/reuses a key/);
  });

  test('new keys are proven distinct by the primary key, without a query for a repeated one; without it, the query runs', async () => {
    const gateQueries = async (target: TestDatabase): Promise<{ ok: boolean; sql: string[] }> => {
      const t = manifest.tables.find((x) => x.schema === 'pharmacy' && x.table === 'claim')!;
      const client = new Client({ connectionString: target.url });
      await client.connect();
      const sql: string[] = [];
      try {
        const { rows } = await client.query<{ min: string; max: string; n: string }>(
          `SELECT min(claim_id)::text AS min, (SELECT max(claim_id) FROM pharmacy.claim WHERE submitted_at <= $1)::text AS max,
                  count(*)::text AS n FROM pharmacy.claim WHERE submitted_at > $1`,
          [CUTOFF],
        );
        const context: CheckContext = {
          manifest,
          cutoff: CUTOFF,
          recoveryPointTime: END,
          rpoTargetSeconds: 6 * 3600,
          table: (schema, table) => manifest.tables.find((x) => x.schema === schema && x.table === table),
          pass: async () => ({
            rows: String(t.rowCount),
            checksum: t.checksum,
            new_rows: rows[0]!.n,
            new_min_key: rows[0]!.min,
            old_max_key: rows[0]!.max,
          }),
          query: async <R extends Record<string, unknown>>(text: string, params: unknown[] = []) => {
            sql.push(text);
            return (await client.query<R>(text, params)).rows;
          },
        };
        const gate = await tableGate(context, 'pharmacy', 'claim');
        return { ok: gate.ok, sql };
      } finally {
        await client.end();
      }
    };
    const repeatedKey = /HAVING count\(\*\) > 1/;
    const withKey = await gateQueries(await copyWith(''));
    expect(withKey.ok).toBe(true);
    expect(withKey.sql.some((q) => /pg_index/.test(q))).toBe(true);
    expect(withKey.sql.some((q) => repeatedKey.test(q))).toBe(false);
    const withoutKey = await gateQueries(
      await copyWith('ALTER TABLE pharmacy.claim DROP CONSTRAINT claim_pkey CASCADE'),
    );
    expect(withoutKey.ok).toBe(true);
    expect(withoutKey.sql.some((q) => repeatedKey.test(q))).toBe(true);
  });

  test('orphan foreign key in a new claim', async () => {
    const { claim_id } = await queryOne<{ claim_id: string }>(
      db(),
      'SELECT max(claim_id) AS claim_id FROM pharmacy.claim',
    );
    const c = caught(
      await validate(await copyWith(`UPDATE pharmacy.claim SET fill_id = 999999 WHERE claim_id = ${claim_id}`)),
      'foreign-keys',
    );
    expect(c.offendingKeys).toEqual([`claim:claim_id=${claim_id}`]);
  });

  test('two orphan foreign keys of one new prescription: both counted, the prescription named once', async () => {
    const { prescription_id } = await queryOne<{ prescription_id: string }>(
      db(),
      'SELECT max(prescription_id) AS prescription_id FROM pharmacy.prescription',
    );
    const c = caught(
      await validate(
        await copyWith(
          `UPDATE pharmacy.prescription SET patient_id = 999999, prescriber_id = 999999 WHERE prescription_id = ${prescription_id}`,
        ),
      ),
      'foreign-keys',
    );
    expect(c.measured.orphans).toEqual({
      'prescription.patient_id -> patient': 1,
      'prescription.prescriber_id -> prescriber': 1,
    });
    expect(c.offendingKeys).toEqual([`prescription:prescription_id=${prescription_id}`]);
  });

  test('gap in the fill numbers of a new fill, and a new refillable Schedule II prescription', async () => {
    const { fill_id, prescription_id } = await queryOne<{ fill_id: string; prescription_id: string }>(
      db(),
      'SELECT fill_id, prescription_id FROM pharmacy.fill WHERE filled_at > $1 AND fill_number > 0 ORDER BY fill_id LIMIT 1',
      [CUTOFF],
    );
    const gap = caught(
      await validate(
        await copyWith(`UPDATE pharmacy.fill SET fill_number = fill_number + 5 WHERE fill_id = ${fill_id}`),
      ),
      'fill-numbering',
    );
    expect(gap.offendingKeys).toEqual([`prescription:${prescription_id}`]);
    const { cii } = await queryOne<{ cii: string }>(
      db(),
      'SELECT max(prescription_id) AS cii FROM pharmacy.prescription JOIN pharmacy.product USING (product_id) WHERE dea_schedule = 2 AND pharmacy.prescription.created_at > $1',
      [CUTOFF],
    );
    const refill = caught(
      await validate(
        await copyWith(`UPDATE pharmacy.prescription SET refills_authorized = 3 WHERE prescription_id = ${cii}`),
      ),
      'fill-numbering',
    );
    expect(refill.measured).toMatchObject({ scheduleIIRefills: 1 });
  });

  test('a gap among the new fills of an old prescription, of a new one, and of a new one keyed below the old ones', async () => {
    const newFill = (prescriptionIs: '<=' | '>') =>
      queryOne<{ fill_id: string; prescription_id: string }>(
        db(),
        `SELECT f.fill_id, f.prescription_id FROM pharmacy.fill f JOIN pharmacy.prescription p USING (prescription_id)
          WHERE f.filled_at > $1 AND f.fill_number > 0 AND p.created_at ${prescriptionIs} $1 ORDER BY f.fill_id LIMIT 1`,
        [CUTOFF],
      );
    const gapIn = async (sql: string) => {
      const numbering = caught(await validate(await copyWith(sql), { checks: ['fill-numbering'] }), 'fill-numbering');
      expect(numbering.measured).toMatchObject({ mode: 'incremental', gaps: 1 });
      return numbering.offendingKeys;
    };
    for (const fill of [await newFill('<='), await newFill('>')])
      expect(
        await gapIn(`UPDATE pharmacy.fill SET fill_number = fill_number + 5 WHERE fill_id = ${fill.fill_id}`),
      ).toEqual([`prescription:${fill.prescription_id}`]);
    // A new prescription keyed below every old one: the new prescriptions are no key range above the old ones.
    const { id } = await queryOne<{ id: string }>(db(), 'SELECT max(prescription_id) AS id FROM pharmacy.prescription');
    expect(
      await gapIn(`INSERT INTO pharmacy.prescription
          SELECT (jsonb_populate_record(p, jsonb_build_object('prescription_id', -1, 'rx_number', -1))).*
            FROM pharmacy.prescription p WHERE prescription_id = ${id};
        INSERT INTO pharmacy.fill
          SELECT (jsonb_populate_record(f, jsonb_build_object('fill_id', (SELECT max(fill_id) + 1 FROM pharmacy.fill),
                                                              'prescription_id', -1, 'fill_number', 1))).*
            FROM pharmacy.fill f WHERE fill_id = (SELECT max(fill_id) FROM pharmacy.fill)`),
    ).toEqual(['prescription:-1']);
  });

  test('a new prescription reusing an old Rx number of its pharmacy', async () => {
    const { id } = await queryOne<{ id: string }>(db(), 'SELECT max(prescription_id) AS id FROM pharmacy.prescription');
    const c = caught(
      await validate(
        await copyWith(`ALTER TABLE pharmacy.prescription DROP CONSTRAINT prescription_rx_number_key;
          UPDATE pharmacy.prescription p SET rx_number = (SELECT min(rx_number) FROM pharmacy.prescription o WHERE o.pharmacy_id = p.pharmacy_id) WHERE prescription_id = ${id}`),
      ),
      'rx-uniqueness',
    );
    expect(c.offendingKeys).toContain(`prescription:${id}`);
  });

  test('ledger imbalance in a new entry, and a new inventory transaction without an entry', async () => {
    const { entry_id } = await queryOne<{ entry_id: string }>(
      db(),
      'SELECT max(entry_id) AS entry_id FROM pharmacy.cs_ledger',
    );
    const imbalance = caught(
      await validate(
        await copyWith(`UPDATE pharmacy.cs_ledger SET balance_after = balance_after + 5 WHERE entry_id = ${entry_id}`),
      ),
      'cs-ledger',
    );
    expect(imbalance.offendingKeys).toContain(`cs_ledger:entry_id=${entry_id}`);
    const unledgered = caught(
      await validate(
        await copyWith(`INSERT INTO pharmacy.inventory_transaction SELECT txn_id + 1000000, pharmacy_id, product_id, 'loss', -1, NULL, occurred_at
                          FROM pharmacy.inventory_transaction WHERE txn_id = (SELECT max(txn_id) FROM pharmacy.inventory_transaction)`),
      ),
      'cs-ledger',
    );
    expect(unledgered.measured).toMatchObject({ transactionsWithoutEntry: 1 });
  });

  /** A ledger with entries before and after the cut-off whose new movements, replayed from its opening count, never go negative. */
  const continuingLedger = () =>
    queryOne<{ pharmacy_id: number; product_id: number }>(
      db(),
      `SELECT pharmacy_id, product_id FROM (
         SELECT l.pharmacy_id, l.product_id, l.recorded_at,
                o.opening_balance + sum(l.quantity_change) FILTER (WHERE l.recorded_at > $1)
                  OVER (PARTITION BY l.pharmacy_id, l.product_id ORDER BY l.entry_no) AS replayed
           FROM pharmacy.cs_ledger l JOIN pharmacy.cs_opening_inventory o USING (pharmacy_id, product_id)) x
        GROUP BY 1, 2
       HAVING bool_or(recorded_at <= $1) AND count(*) FILTER (WHERE recorded_at > $1) >= 2
          AND min(replayed) >= 0
        ORDER BY 1, 2 LIMIT 1`,
      [CUTOFF],
    );

  test('new entries that restart a ledger from its opening count, as if its old entries were not there', async () => {
    const { pharmacy_id, product_id } = await continuingLedger();
    const ledger = `pharmacy_id = ${pharmacy_id} AND product_id = ${product_id}`;
    // Each new entry renumbered from 0 with the balance its movements give from the opening count: a chain that
    // balances on its own, with the old entries' numbers taken twice.
    const c = caught(
      await validate(
        await copyWith(`ALTER TABLE pharmacy.cs_ledger DROP CONSTRAINT cs_ledger_entry_key;
          UPDATE pharmacy.cs_ledger l SET entry_no = r.no, balance_after = r.balance
            FROM (SELECT x.entry_id, row_number() OVER w - 1 AS no, o.opening_balance + sum(x.quantity_change) OVER w AS balance
                    FROM pharmacy.cs_ledger x JOIN pharmacy.cs_opening_inventory o USING (pharmacy_id, product_id)
                   WHERE x.${ledger} AND x.recorded_at > '${CUTOFF.toISOString()}'
                  WINDOW w AS (ORDER BY x.entry_no)) r
           WHERE l.entry_id = r.entry_id`),
        { checks: ['cs-ledger'] },
      ),
      'cs-ledger',
    );
    expect(c.measured).toMatchObject({ mode: 'incremental', unbalancedLedgers: 1, negativeLedgers: 0 });
  });

  test('a ledger opened after the cut-off is checked whole, beside a continued ledger that no longer balances', async () => {
    const { entry_id } = await queryOne<{ entry_id: string }>(
      db(),
      'SELECT max(entry_id) AS entry_id FROM pharmacy.cs_ledger',
    );
    const { pharmacy_id, product_id } = await queryOne<{ pharmacy_id: number; product_id: number }>(
      db(),
      `SELECT ph.pharmacy_id, pr.product_id FROM pharmacy.pharmacy ph CROSS JOIN pharmacy.product pr
        WHERE NOT EXISTS (SELECT 1 FROM pharmacy.cs_opening_inventory o
                           WHERE o.pharmacy_id = ph.pharmacy_id AND o.product_id = pr.product_id)
        ORDER BY 1, 2 LIMIT 1`,
    );
    const at = new Date(END.getTime() - 3_600_000).toISOString();
    // Opened with 10 on hand, a receipt of 5, then a dispense of 3 recorded as leaving `afterDispense`.
    const opened = (afterDispense: number) => `
      INSERT INTO pharmacy.cs_opening_inventory
        SELECT max(inventory_id) + 1, ${pharmacy_id}, ${product_id}, 10, '${at}' FROM pharmacy.cs_opening_inventory;
      INSERT INTO pharmacy.inventory_transaction
        SELECT max(txn_id) + 1, ${pharmacy_id}, ${product_id}, 'receipt', 5, NULL, '${at}' FROM pharmacy.inventory_transaction;
      INSERT INTO pharmacy.inventory_transaction
        SELECT max(txn_id) + 1, ${pharmacy_id}, ${product_id}, 'adjust', -3, NULL, '${at}' FROM pharmacy.inventory_transaction;
      INSERT INTO pharmacy.cs_ledger
        SELECT max(entry_id) + 1, ${pharmacy_id}, ${product_id}, 0, (SELECT max(txn_id) - 1 FROM pharmacy.inventory_transaction), 5, 15, '${at}'
          FROM pharmacy.cs_ledger;
      INSERT INTO pharmacy.cs_ledger
        SELECT max(entry_id) + 1, ${pharmacy_id}, ${product_id}, 1, (SELECT max(txn_id) FROM pharmacy.inventory_transaction), -3, ${afterDispense}, '${at}'
          FROM pharmacy.cs_ledger;`;
    const sound = await validate(await copyWith(opened(12)), { checks: ['cs-ledger'] });
    expect(check(sound, 'cs-ledger')).toMatchObject({ passed: true, measured: { mode: 'incremental' } });
    const both = caught(
      await validate(
        await copyWith(`${opened(11)}
          UPDATE pharmacy.cs_ledger SET balance_after = balance_after + 5 WHERE entry_id = ${entry_id}`),
        { checks: ['cs-ledger'] },
      ),
      'cs-ledger',
    );
    expect(both.measured).toMatchObject({ mode: 'incremental', unbalancedLedgers: 2 });
    expect(both.offendingKeys).toContain(`cs_ledger:entry_id=${entry_id}`);
  });

  test('altered, re-hashed and deleted new audit events', async () => {
    const { seq } = await queryOne<{ seq: string }>(db(), 'SELECT max(seq) - 3 AS seq FROM pharmacy.audit_event');
    expect(Number(seq)).toBeGreaterThan(manifest.pharmacy?.auditHead.seq ?? Infinity);
    const altered = caught(
      await validate(await copyWith(`UPDATE pharmacy.audit_event SET actor = 'rph:0' WHERE seq = ${seq}`)),
      'audit-chain',
    );
    expect(altered.offendingKeys).toEqual([`audit_event:seq=${seq}`]);
    const rehashed = caught(
      await validate(
        await copyWith(`UPDATE pharmacy.audit_event t SET actor = 'rph:0',
            hash = sha256(t.prev_hash || int8send(t.seq) || timestamptz_send(t.occurred_at) || convert_to('rph:0|' || t.action || '|' || t.entity, 'UTF8') || int8send(t.entity_id))
          WHERE seq = ${seq}`),
      ),
      'audit-chain',
    );
    expect(rehashed.measured).toMatchObject({ hashMismatches: 0, linksVerify: false });
    expect(rehashed.offendingKeys).toEqual([`audit_event:seq=${Number(seq) + 1}`]);
    const deleted = caught(
      await validate(await copyWith(`DELETE FROM pharmacy.audit_event WHERE seq = ${seq}`)),
      'audit-chain',
    );
    expect(deleted.measured).toMatchObject({ sequenceWithoutGaps: false });
    // The first new event must link to the manifest head.
    const head = manifest.pharmacy?.auditHead.seq ?? 0;
    const relinked = caught(
      await validate(
        await copyWith(`UPDATE pharmacy.audit_event SET prev_hash = sha256('x'::bytea) WHERE seq = ${head + 1}`),
      ),
      'audit-chain',
    );
    expect(relinked.offendingKeys).toContain(`audit_event:seq=${head + 1}`);
  });

  test('a new second reversal of an old paid claim', async () => {
    const { claim_id } = await queryOne<{ claim_id: string }>(
      db(),
      "SELECT reverses_claim_id AS claim_id FROM pharmacy.claim WHERE transaction_code = 'B2' AND submitted_at <= $1 ORDER BY 1 LIMIT 1",
      [CUTOFF],
    );
    const c = caught(
      await validate(
        await copyWith(`INSERT INTO pharmacy.claim SELECT (SELECT max(claim_id) + 1 FROM pharmacy.claim), fill_id, 'B2', 'paid', amount, claim_id, '${new Date(END.getTime() - 60_000).toISOString()}'
                          FROM pharmacy.claim WHERE claim_id = ${claim_id}`),
      ),
      'claim-reversals',
    );
    expect(c.measured).toMatchObject({ multiplyReversed: 1 });
    expect(c.offendingKeys).toContain(`claim:${claim_id}`);
  });

  test('altered payload of a new EPCS prescription', async () => {
    const { id } = await queryOne<{ id: string }>(
      db(),
      'SELECT max(prescription_id) AS id FROM pharmacy.prescription WHERE epcs_signed_payload IS NOT NULL AND created_at > $1',
      [CUTOFF],
    );
    const c = caught(
      await validate(
        await copyWith(
          `UPDATE pharmacy.prescription SET epcs_signed_payload = epcs_signed_payload || '\\x20'::bytea WHERE prescription_id = ${id}`,
        ),
      ),
      'epcs-signatures',
    );
    expect(c.offendingKeys).toEqual([`prescription:${id}`]);
  });

  test('the table passes bring back no per-row data: the new rows are checked in the database, set-based', () => {
    const { run } = planChecks(undefined, undefined, manifest);
    const select = [...passQueries(run, manifest).values()].flatMap((q) => [...q.select.values()]);
    expect(select.length).toBeGreaterThan(20);
    expect(select.filter((sql) => /array_agg/i.test(sql))).toEqual([]);
  });

  test('new children find their parents through the parent key index: no parent table is read whole', async () => {
    const copy = await copyWith('');
    const parents = ['fill', 'prescription', 'patient'].map((t) => `pharmacy.${t}`);
    const scans = async (checks: string[]): Promise<{ report: ValidationReport; scans: number[] }> => {
      const before = await Promise.all(parents.map((t) => settledSeqScans(copy, t)));
      const report = await validate(copy, { checks });
      const after = await Promise.all(parents.map((t) => settledSeqScans(copy, t)));
      return { report, scans: after.map((n, i) => n - (before[i] ?? 0)) };
    };
    // The table passes alone (the same pass SQL: counts, checksum, new-row bounds): the whole table once, and
    // the key range of the new rows, which a small table may read whole too.
    const passes = await scans(['row-counts']);
    expect(passes.scans.slice(0, 2)).toEqual([1, 1]);
    const fk = await scans(['foreign-keys']);
    expect(check(fk.report, 'foreign-keys').measured.mode).toBe('incremental');
    // No more sequential scans than the passes: no anti-join reads a parent whole.
    expect(fk.scans).toEqual(passes.scans);
  });

  test('one table damaged: foreign keys are checked only where it differs, and a deleted parent still orphans its child', async () => {
    const { fill_id, claim_id } = await queryOne<{ fill_id: string; claim_id: string }>(
      db(),
      `SELECT c.fill_id, min(c.claim_id) AS claim_id FROM pharmacy.claim c JOIN pharmacy.fill f USING (fill_id)
        WHERE f.filled_at <= $1 AND c.submitted_at <= $1 GROUP BY 1 ORDER BY 1 DESC LIMIT 1`,
      [CUTOFF],
    );
    const report = await validate(await copyWith(`DELETE FROM pharmacy.fill WHERE fill_id = ${fill_id}`));
    const fk = check(report, 'foreign-keys');
    expect(fk.passed).toBe(false);
    expect(fk.measured.orphans).toMatchObject({ 'claim.fill_id -> fill': expect.any(Number) });
    expect(fk.offendingKeys).toContain(`claim:claim_id=${claim_id}`);
    expect(fk.measured.modes).toMatchObject({
      fill: 'localized',
      claim: 'localized',
      pdmp_report: 'localized',
      inventory_transaction: 'localized',
      prescription: 'incremental',
      cs_ledger: 'incremental',
    });
    expect(check(report, 'checksums').offendingKeys.join()).toMatch(/pharmacy\.fill fill_id \d+\.\.\d+/);
  });

  test('a duplicated parent key cannot hide a deleted parent: the parent keys found are counted distinct', async () => {
    const oldClaim = (offset: number) =>
      queryOne<{ fill_id: string; claim_id: string }>(
        db(),
        `SELECT c.fill_id, min(c.claim_id) AS claim_id FROM pharmacy.claim c JOIN pharmacy.fill f USING (fill_id)
          WHERE f.filled_at <= $1 AND c.submitted_at <= $1 GROUP BY 1 ORDER BY 1 DESC LIMIT 1 OFFSET ${offset}`,
        [CUTOFF],
      );
    const [kept, deleted] = [await oldClaim(1), await oldClaim(0)];
    const report = await validate(
      await copyWith(`ALTER TABLE pharmacy.fill DROP CONSTRAINT fill_pkey CASCADE;
        ALTER TABLE pharmacy.fill DROP CONSTRAINT fill_number_key;
        INSERT INTO pharmacy.fill SELECT * FROM pharmacy.fill WHERE fill_id = ${kept.fill_id};
        DELETE FROM pharmacy.fill WHERE fill_id = ${deleted.fill_id}`),
      { checks: ['foreign-keys'] },
    );
    const fk = check(report, 'foreign-keys');
    expect(fk.measured.modes).toMatchObject({ claim: 'localized' });
    expect(fk.measured.orphans).toMatchObject({ 'claim.fill_id -> fill': expect.any(Number) });
    expect(fk.offendingKeys).toContain(`claim:claim_id=${deleted.claim_id}`);
  });

  test('every table pass is split: the whole table unfiltered, the new rows read from the key range above the old ones', () => {
    const { run } = planChecks(undefined, undefined, manifest);
    for (const [key, q] of passQueries(run, manifest)) {
      const t = manifest.tables.find((m) => `${m.schema}.${m.table}` === key);
      if (!t || t.rowCount === 0) continue;
      const split = splitPass(t, q.select, q.newOnly);
      expect({ key, split: split !== undefined }).toEqual({ key, split: true });
      expect(split?.whole).not.toMatch(/FILTER/);
      expect(split?.tail).toMatch(new RegExp(`WHERE t\\."${t.keyColumn}" >= \\d+$`));
    }
  });

  test('a pass is split only while the tail covers at most 8 % of the key range (the copy’s largest key tells)', () => {
    const { run } = planChecks(undefined, undefined, manifest);
    const t = manifest.tables.find((m) => m.table === 'fill');
    const q = passQueries(run, manifest).get('pharmacy.fill');
    const split = t && q && splitPass(t, q.select, q.newOnly);
    const low = t && tailStart(t);
    if (!t || !split || low === undefined) throw new Error('fill is not split');
    const start = BigInt(t.buckets.start);
    const top = (share: number): string => String(start + BigInt(Math.round(Number(low - start) / (1 - share))) - 1n);
    expect(split.pays({ max_key: top(0.07) })).toBe(true);
    expect(split.pays({ max_key: top(0.09) })).toBe(false);
    expect(split.pays({ max_key: String(low - 1n) })).toBe(true);
    expect(split.pays({ max_key: null })).toBe(false);
  });

  test('a new row below the old keys is not taken for an old one (old rows = whole table - new rows in the key range)', async () => {
    const after = new Date(END.getTime() - 60_000).toISOString();
    const report = await validate(
      await copyWith(`INSERT INTO pharmacy.patient SELECT -1, first_name, last_name, birth_date, postal_code, '${after}'
                        FROM pharmacy.patient ORDER BY patient_id LIMIT 1`),
    );
    expect(failing(report)).toEqual([]);
    expect(check(report, 'row-counts').measured.mismatched).toEqual({});
    expect(check(report, 'foreign-keys').measured.mode).toBe('incremental');
  });

  test('old rows changed in the key range of the new rows: a row made new, and cut-off times swapped with a new row', async () => {
    const { old_max, new_min } = await queryOne<{ old_max: string; new_min: string }>(
      db(),
      `SELECT max(fill_id) FILTER (WHERE filled_at <= $1) AS old_max, min(fill_id) FILTER (WHERE filled_at > $1) AS new_min
         FROM pharmacy.fill`,
      [CUTOFF],
    );
    const fills = manifest.tables.find((t) => t.table === 'fill');
    const after = new Date(END.getTime() - 60_000).toISOString();
    // The largest old fill moved after the cut-off: one old row less, whatever the new rows are.
    const moved = await validate(
      await copyWith(`UPDATE pharmacy.fill SET filled_at = '${after}' WHERE fill_id = ${old_max}`),
    );
    expect(check(moved, 'row-counts').measured.mismatched).toEqual({
      'pharmacy.fill': { expected: fills?.rowCount, actual: (fills?.rowCount ?? 0) - 1 },
    });
    expect(check(moved, 'checksums').passed).toBe(false);
    expect(check(moved, 'checksums').offendingKeys.join()).toMatch(/pharmacy\.fill fill_id \d+\.\.\d+/);
    // Its cut-off time swapped with the first new fill: as many old and new rows as before, other old rows.
    const swapped = await validate(
      await copyWith(`UPDATE pharmacy.fill f SET filled_at = o.filled_at
                        FROM pharmacy.fill o WHERE (f.fill_id, o.fill_id) IN ((${old_max}, ${new_min}), (${new_min}, ${old_max}))`),
    );
    expect(check(swapped, 'row-counts').passed).toBe(true);
    expect(check(swapped, 'checksums').passed).toBe(false);
    expect(check(swapped, 'checksums').measured.mismatched).toMatchObject({
      'pharmacy.fill': { expected: fills?.checksum },
    });
  });

  test('a new row that reuses an old key cannot stand in for the old one: the check falls back to the full path', async () => {
    const report = await validate(
      await copyWith(`ALTER TABLE pharmacy.claim DROP CONSTRAINT claim_pkey CASCADE;
        INSERT INTO pharmacy.claim SELECT claim_id, fill_id, transaction_code, 'rejected', amount, reverses_claim_id, '${new Date(END.getTime() - 60_000).toISOString()}'
          FROM pharmacy.claim WHERE claim_id = (SELECT min(reverses_claim_id) FROM pharmacy.claim)`),
    );
    expect(check(report, 'claim-reversals').measured).toMatchObject({ mode: 'full', reversalsWithBadTarget: 1 });
  });
});

/**
 * A damaged fill table whose damage misses the columns fill numbering reads: the manifest records the old
 * fills' checksum over those columns too, so the check stays incremental while the checksums still fail.
 */
describe('fill numbering over old fills that differ only in other columns', () => {
  const oldFill = async (where = 'true'): Promise<{ fill_id: string; prescription_id: string; fill_number: number }> =>
    queryOne(
      db(),
      `SELECT fill_id, prescription_id, fill_number FROM pharmacy.fill
        WHERE filled_at <= $1 AND ${where} ORDER BY fill_id LIMIT 1`,
      [CUTOFF],
    );

  test('the manifest records the old fills over fill_id, prescription_id, fill_number, and keeps it through parsing', async () => {
    const fact = manifest.pharmacy?.invariants?.['fill-numbering'];
    const fills = manifest.tables.find((t) => t.schema === 'pharmacy' && t.table === 'fill');
    expect(fact?.oldColumns).toMatchObject({
      schema: 'pharmacy',
      table: 'fill',
      columns: ['fill_id', 'prescription_id', 'fill_number'],
      rows: fills?.rowCount,
    });
    expect(fact?.oldColumns?.checksum).toMatch(/^-?\d+$/);
    expect(fact?.oldColumns?.checksum).not.toBe(fills?.checksum);
    const parsed = parseManifest(JSON.stringify(manifest));
    expect(parsed.pharmacy?.invariants?.['fill-numbering']?.oldColumns).toEqual(fact?.oldColumns);
    const withOld = (oldColumns: unknown) =>
      JSON.stringify({
        ...manifest,
        pharmacy: {
          ...manifest.pharmacy,
          invariants: { ...manifest.pharmacy?.invariants, 'fill-numbering': { ...fact, oldColumns } },
        },
      });
    expect(() => parseManifest(withOld({ ...fact?.oldColumns, checksum: '12a' }))).toThrow(/oldColumns/);
    expect(() => parseManifest(withOld({ ...fact?.oldColumns, columns: [] }))).toThrow(/oldColumns/);
    expect(() => parseManifest(withOld({ ...fact?.oldColumns, extra: 1 }))).toThrow(/oldColumns/);
  });

  test('a changed quantity of an old fill: checksums fail on pharmacy.fill, fill numbering stays incremental', async () => {
    const { fill_id } = await oldFill();
    const report = await validate(
      await copyWith(`UPDATE pharmacy.fill SET quantity = quantity + 1 WHERE fill_id = ${fill_id}`),
    );
    expect(report.passed).toBe(false);
    expect(failing(report)).toEqual(['checksums']);
    expect(check(report, 'checksums').offendingKeys.join(' ')).toMatch(/^pharmacy\.fill fill_id /);
    const numbering = check(report, 'fill-numbering');
    expect(numbering.passed).toBe(true);
    expect(numbering.measured).toMatchObject({ mode: 'incremental' });
    expect(numbering.measured.incrementalBecause).toMatch(
      /^pharmacy\.fill: rows before the cut-off differ .*fill_id, prescription_id, fill_number/,
    );
    // The checks that read whole fill rows still run in full.
    expect(check(report, 'foreign-keys').measured.mode).not.toBe('incremental');
  });

  test('an old fill renumbered, or moved to another old prescription: fill numbering runs in full and names it', async () => {
    const top = await oldFill(
      `fill_number = 2 AND NOT EXISTS (SELECT 1 FROM pharmacy.fill f WHERE f.prescription_id = fill.prescription_id AND f.fill_number > 2)`,
    );
    const renumbered = await validate(
      await copyWith(`UPDATE pharmacy.fill SET fill_number = 7 WHERE fill_id = ${top.fill_id}`),
    );
    expect(renumbered.passed).toBe(false);
    expect(check(renumbered, 'fill-numbering')).toMatchObject({
      passed: false,
      offendingKeys: [`prescription:${top.prescription_id}`],
      measured: { mode: 'full', gaps: 1 },
    });
    expect(check(renumbered, 'fill-numbering').measured.fullReason).toMatch(/pharmacy\.fill/);
    // An old prescription with one old fill and no new one: only the full path reads it.
    const { lone } = await queryOne<{ lone: string }>(
      db(),
      `SELECT min(prescription_id) AS lone FROM pharmacy.prescription p WHERE created_at <= $1
          AND (SELECT count(*) FROM pharmacy.fill f WHERE f.prescription_id = p.prescription_id) = 1
          AND NOT EXISTS (SELECT 1 FROM pharmacy.fill f WHERE f.prescription_id = p.prescription_id AND f.filled_at > $1)`,
      [CUTOFF],
    );
    const moved = await validate(
      await copyWith(`UPDATE pharmacy.fill SET prescription_id = ${lone} WHERE fill_id = ${top.fill_id}`),
    );
    expect(check(moved, 'fill-numbering')).toMatchObject({
      passed: false,
      offendingKeys: [`prescription:${lone}`],
      measured: { mode: 'full', gaps: 1 },
    });
  });

  test('a manifest without the old fills over those columns (older format): fill numbering runs in full as before', async () => {
    const { fill_id } = await oldFill();
    const copy = await copyWith(`UPDATE pharmacy.fill SET quantity = quantity + 1 WHERE fill_id = ${fill_id}`);
    const { oldColumns: _old, ...fact } = manifest.pharmacy?.invariants?.['fill-numbering'] ?? {
      holds: false,
      measured: {},
    };
    const older = parseManifest(
      JSON.stringify({
        ...manifest,
        pharmacy: {
          ...manifest.pharmacy,
          invariants: { ...manifest.pharmacy?.invariants, 'fill-numbering': fact },
        },
      }),
    );
    expect(older.pharmacy?.invariants?.['fill-numbering']).toEqual(fact);
    const report = await validate(copy, { manifest: older });
    expect(failing(report)).toEqual(['checksums']);
    expect(check(report, 'fill-numbering').measured).toMatchObject({ mode: 'full', gaps: 0 });
    expect(check(report, 'fill-numbering').measured.fullReason).toMatch(
      /^pharmacy\.fill: rows before the cut-off differ/,
    );
    expect(check(report, 'fill-numbering').measured.incrementalBecause).toBeUndefined();
  });
});
