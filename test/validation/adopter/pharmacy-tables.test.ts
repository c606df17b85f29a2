import { Client } from 'pg';
import { buildManifest, Manifest, validateDatabase, ValidationReport } from '../../../engines/validation';
import { MappingError } from '../../../engines/validation/manifest';
import { PHARMACY_INVARIANTS } from '../../../engines/validation/checks/pharmacy/mapping';
import type { PharmacyTables } from '../../../engines/validation/checks/pharmacy/table-mapping';
import { validationSettingsSchema } from '../../../lib/config/validation-settings';
import { seedDatabase } from '../../../lib/seed';
import { TestDatabase, useTestDatabase } from '../../helpers/postgres';
import { checkNamed as result, queryOne, useCopies } from '../fixture';

/**
 * The built-in pharmacy invariants on an adopter's own tables: the reference data, seeded, then moved into a
 * schema of another name (mixed case) with every table and several columns renamed, as a pharmacy system
 * that was not written for rxdr would name them. The configured table mapping points the invariants at
 * those tables; each invariant must catch its corruption there.
 */
const END = new Date('2026-11-01T00:00:00Z');
const CUTOFF = new Date(END.getTime() - 2 * 86_400_000);
const db = useTestDatabase('adopter_pharmacy');
const copyWith = useCopies(db, 'adopter_copy');

const RENAME = `
  ALTER SCHEMA pharmacy RENAME TO "RxApp";
  ALTER TABLE "RxApp".pharmacy RENAME TO stores;
  ALTER TABLE "RxApp".patient RENAME TO people;
  ALTER TABLE "RxApp".prescriber RENAME TO doctors;
  ALTER TABLE "RxApp".product RENAME TO drugs;
  ALTER TABLE "RxApp".drugs RENAME COLUMN dea_schedule TO "CsaSchedule";
  ALTER TABLE "RxApp".prescription RENAME TO scripts;
  ALTER TABLE "RxApp".scripts RENAME COLUMN prescription_id TO script_id;
  ALTER TABLE "RxApp".scripts RENAME COLUMN rx_number TO "RxNo";
  ALTER TABLE "RxApp".scripts RENAME COLUMN epcs_payload_sha256 TO sig_hash;
  ALTER TABLE "RxApp".fill RENAME TO dispensings;
  ALTER TABLE "RxApp".dispensings RENAME COLUMN fill_id TO dispensing_id;
  ALTER TABLE "RxApp".dispensings RENAME COLUMN prescription_id TO script_id;
  ALTER TABLE "RxApp".dispensings RENAME COLUMN fill_number TO refill_seq;
  ALTER TABLE "RxApp".claim RENAME TO claims;
  ALTER TABLE "RxApp".claims RENAME COLUMN amount TO paid_amount;
  ALTER TABLE "RxApp".claims RENAME COLUMN reverses_claim_id TO reversal_of;
  ALTER TABLE "RxApp".inventory_transaction RENAME TO stock_moves;
  ALTER TABLE "RxApp".stock_moves RENAME COLUMN txn_id TO move_id;
  ALTER TABLE "RxApp".cs_opening_inventory RENAME TO cs_counts;
  ALTER TABLE "RxApp".cs_ledger RENAME TO cs_book;
  ALTER TABLE "RxApp".cs_book RENAME COLUMN balance_after TO running_balance;
  ALTER TABLE "RxApp".cs_book RENAME COLUMN txn_id TO move_id;
  ALTER TABLE "RxApp".pdmp_report RENAME TO pdmp;
  ALTER TABLE "RxApp".audit_event RENAME TO audit_log;
  ALTER TABLE "RxApp".audit_log RENAME COLUMN hash TO row_hash;`;

const MAPPING: PharmacyTables = {
  pharmacy: { table: 'RxApp.stores' },
  patient: { table: 'RxApp.people' },
  prescriber: { table: 'RxApp.doctors' },
  product: { table: 'RxApp.drugs', columns: { dea_schedule: 'CsaSchedule' } },
  prescription: {
    table: 'RxApp.scripts',
    columns: { prescription_id: 'script_id', rx_number: 'RxNo', epcs_payload_sha256: 'sig_hash' },
  },
  fill: {
    table: 'RxApp.dispensings',
    columns: { fill_id: 'dispensing_id', prescription_id: 'script_id', fill_number: 'refill_seq' },
  },
  claim: { table: 'RxApp.claims', columns: { amount: 'paid_amount', reverses_claim_id: 'reversal_of' } },
  inventory_transaction: { table: 'RxApp.stock_moves', columns: { txn_id: 'move_id' } },
  cs_opening_inventory: { table: 'RxApp.cs_counts' },
  cs_ledger: { table: 'RxApp.cs_book', columns: { balance_after: 'running_balance', txn_id: 'move_id' } },
  pdmp_report: { table: 'RxApp.pdmp' },
  audit_event: { table: 'RxApp.audit_log', columns: { hash: 'row_hash' } },
};

let manifest: Manifest;

beforeAll(async () => {
  await seedDatabase({ url: db().url, prescriptions: 400, seed: 7, endTime: END, historyDays: 30 });
  const client = new Client({ connectionString: db().url });
  await client.connect();
  try {
    await client.query(RENAME);
  } finally {
    await client.end();
  }
  manifest = await buildManifest({ url: db().url, cutoff: CUTOFF, pharmacyTables: MAPPING });
});

const validate = (target: TestDatabase, using = manifest): Promise<ValidationReport> =>
  validateDatabase({ url: target.url, manifest: using, recoveryPointTime: END, rpoTargetSeconds: 6 * 3600 });

describe('the pharmacy invariants on an adopter schema mapped in the configuration', () => {
  test('the manifest describes the mapped tables and records the mapping; a clean copy passes every invariant', async () => {
    expect(manifest.schemas).toEqual(['RxApp']);
    expect(manifest.pharmacy?.tableMapping).toEqual(MAPPING);
    expect(manifest.pharmacy?.auditHead.seq).toBeGreaterThan(0);
    expect(manifest.pharmacy?.epcs.count).toBeGreaterThan(0);
    const report = await validate(await copyWith(''));
    expect(report.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.error ?? ''}`)).toEqual([]);
    for (const name of PHARMACY_INVARIANTS) {
      expect(result(report, name).skipped).toBeUndefined();
      expect(result(report, name).measured).toMatchObject({ mapping: 'tables', mode: expect.any(String) });
    }
    expect(report.passed).toBe(true);
  });

  const corruptions: Array<[string, string, () => Promise<string>]> = [
    [
      'foreign-keys',
      'a claim pointing at a dispensing that does not exist',
      async () => 'UPDATE "RxApp".claims SET fill_id = 999999 WHERE claim_id = 123',
    ],
    [
      'fill-numbering',
      'a gap in the refill sequence',
      async () => {
        const { id } = await queryOne<{ id: string }>(
          db(),
          'SELECT script_id AS id FROM "RxApp".dispensings GROUP BY 1 HAVING count(*) = 3 ORDER BY 1 LIMIT 1',
        );
        return `UPDATE "RxApp".dispensings SET refill_seq = 3 WHERE script_id = ${id} AND refill_seq = 2`;
      },
    ],
    [
      'rx-uniqueness',
      'two scripts of one store sharing an Rx number',
      async () => `ALTER TABLE "RxApp".scripts DROP CONSTRAINT prescription_rx_number_key;
        UPDATE "RxApp".scripts SET "RxNo" = (SELECT "RxNo" FROM "RxApp".scripts WHERE script_id = 100)
         WHERE script_id = (SELECT min(script_id) FROM "RxApp".scripts WHERE script_id > 100
                              AND pharmacy_id = (SELECT pharmacy_id FROM "RxApp".scripts WHERE script_id = 100))`,
    ],
    [
      'cs-ledger',
      'a running balance that does not follow from the movements',
      async () => {
        const { id } = await queryOne<{ id: string }>(
          db(),
          'SELECT entry_id AS id FROM "RxApp".cs_book WHERE entry_no = 2 ORDER BY entry_id LIMIT 1',
        );
        return `UPDATE "RxApp".cs_book SET running_balance = running_balance + 5 WHERE entry_id = ${id}`;
      },
    ],
    [
      'audit-chain',
      'an audit row whose hash was rewritten',
      async () => `UPDATE "RxApp".audit_log SET row_hash = sha256(row_hash) WHERE seq = 40`,
    ],
    [
      'claim-reversals',
      'a paid amount changed before the cut-off',
      async () => {
        const { id } = await queryOne<{ id: string }>(
          db(),
          `SELECT min(claim_id) AS id FROM "RxApp".claims WHERE status = 'paid' AND submitted_at <= $1`,
          [CUTOFF],
        );
        return `UPDATE "RxApp".claims SET paid_amount = paid_amount + 1 WHERE claim_id = ${id}`;
      },
    ],
    [
      'epcs-signatures',
      'a signed payload altered',
      async () => {
        const { id } = await queryOne<{ id: string }>(
          db(),
          'SELECT min(script_id) AS id FROM "RxApp".scripts WHERE sig_hash IS NOT NULL',
        );
        return `UPDATE "RxApp".scripts SET epcs_signed_payload = epcs_signed_payload || '\\x00'::bytea WHERE script_id = ${id}`;
      },
    ],
  ];

  test.each(corruptions)('%s catches %s on the adopter tables', async (name, _what, sql) => {
    const report = await validate(await copyWith(await sql()));
    const check = result(report, name);
    expect(check.error).toBeUndefined();
    expect(check.passed).toBe(false);
    expect(check.measured.mapping).toBe('tables');
    expect(report.passed).toBe(false);
  });
});

describe('a partial or wrong mapping', () => {
  test('invariants whose tables are not all mapped are reported "not mapped"; the mapped ones run', async () => {
    const prescriptionOnly = { prescription: MAPPING.prescription } as PharmacyTables;
    const partial = await buildManifest({ url: db().url, cutoff: CUTOFF, pharmacyTables: prescriptionOnly });
    const report = await validate(await copyWith(''), partial);
    expect(result(report, 'rx-uniqueness')).toMatchObject({ passed: true, measured: { mapping: 'tables' } });
    expect(result(report, 'epcs-signatures')).toMatchObject({ passed: true, measured: { mapping: 'tables' } });
    for (const name of ['foreign-keys', 'fill-numbering', 'cs-ledger', 'audit-chain', 'claim-reversals'])
      expect(result(report, name).skipped).toMatch(/^not mapped/);
    expect(report.passed).toBe(true);
  });

  test('a mapped table or column the database does not have: the manifest names every problem', async () => {
    const wrong = {
      ...MAPPING,
      patient: { table: 'RxApp.patients' },
      fill: { table: 'RxApp.dispensings', columns: { fill_number: 'fill_no', fill_id: 'dispensing_id' } },
    } as PharmacyTables;
    const attempt = buildManifest({ url: db().url, cutoff: CUTOFF, pharmacyTables: wrong });
    await expect(attempt).rejects.toBeInstanceOf(MappingError);
    await expect(attempt).rejects.toThrow(
      'validation.pharmacyTables does not fit this database: patient: the table RxApp.patients does not exist; ' +
        'fill.columns.fill_number: RxApp.dispensings has no column "fill_no"',
    );
  });

  test('a renamed column left unmapped: the error names the reference column, the table and the setting', async () => {
    const unmapped = { prescription: { table: 'RxApp.scripts', columns: { prescription_id: 'script_id' } } };
    await expect(buildManifest({ url: db().url, cutoff: CUTOFF, pharmacyTables: unmapped })).rejects.toThrow(
      'pharmacy table mapping: RxApp.scripts has no column epcs_payload_sha256 for the reference column ' +
        'prescription.epcs_payload_sha256 (not mapped, so looked up by its reference name): set ' +
        'validation.pharmacyTables.prescription.columns.epcs_payload_sha256 to the column that holds it',
    );
  });
});

describe('validation.pharmacyTables in the configuration', () => {
  test('unknown reference tables and columns and a table without a schema are all listed, each naming the value', () => {
    const parsed = validationSettingsSchema.safeParse({
      pharmacyTables: {
        prescriptions: { table: 'rx.scripts' },
        fill: { table: 'dispensings', columns: { fill_no: 'refill_seq' } },
      },
    });
    expect(parsed.success).toBe(false);
    const messages = parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^pharmacyTables\.prescriptions: "prescriptions" is not a reference pharmacy table; known: pharmacy, patient/,
        ),
        expect.stringMatching(/^pharmacyTables\.fill\.table: must be the adopter table as schema\.table/),
        expect.stringMatching(
          /^pharmacyTables\.fill\.columns\.fill_no: "fill_no" is not a column of the reference table fill; known: fill_id, prescription_id/,
        ),
      ]),
    );
    expect(messages).toHaveLength(3);
  });
});
