import type { ClientBase } from 'pg';
import {
  ACTIVITY_TABLES,
  choosePrescription,
  GeneratorState,
  LedgerHead,
  newPrescription,
  PharmacyTable,
  Population,
  ProductInfo,
  RowSink,
  Value,
} from './model';
import type { Rng } from './rng';

export interface ActivityOptions {
  /** Timestamp of every row written. @default new Date() */
  readonly now?: Date;
}

/** What one unit of pharmacy work wrote. */
export interface PharmacyActivity {
  readonly prescriptionId: number;
  readonly auditSeq: number;
  readonly rows: number;
}

const COLUMNS: Record<PharmacyTable, string[]> = {
  pharmacy: [],
  patient: [],
  prescriber: [],
  product: [],
  cs_opening_inventory: [],
  prescription: [
    'prescription_id',
    'pharmacy_id',
    'rx_number',
    'patient_id',
    'prescriber_id',
    'product_id',
    'written_date',
    'quantity',
    'days_supply',
    'refills_authorized',
    'epcs_signed_payload',
    'epcs_payload_sha256',
    'created_at',
  ],
  fill: ['fill_id', 'prescription_id', 'fill_number', 'quantity', 'days_supply', 'pharmacist_id', 'filled_at'],
  claim: ['claim_id', 'fill_id', 'transaction_code', 'status', 'amount', 'reverses_claim_id', 'submitted_at'],
  inventory_transaction: ['txn_id', 'pharmacy_id', 'product_id', 'kind', 'quantity_change', 'fill_id', 'occurred_at'],
  cs_ledger: [
    'entry_id',
    'pharmacy_id',
    'product_id',
    'entry_no',
    'txn_id',
    'quantity_change',
    'balance_after',
    'recorded_at',
  ],
  pdmp_report: ['report_id', 'fill_id', 'state', 'reported_at'],
  audit_event: ['seq', 'occurred_at', 'actor', 'action', 'entity', 'entity_id', 'prev_hash', 'hash'],
};

/**
 * One consistent unit of pharmacy work in its own transaction: a new prescription (EPCS-signed when
 * controlled) and its first fill, the paid claim (sometimes a rejected one first, sometimes a reversal and
 * rebill), for controlled products the inventory movements, ledger entries (with a receipt when stock is
 * short) and PDMP report, and the hash-chained audit events. Every invariant the validator checks stays
 * true. Writers are serialised by an EXCLUSIVE lock on the audit log (readers are not blocked), because
 * the audit sequence must stay gapless and the chain linear. Needs a database seeded by `seedDatabase`
 * (master data with dense ids).
 */
export async function insertPharmacyActivity(
  client: ClientBase,
  rng: Rng,
  options: ActivityOptions = {},
): Promise<PharmacyActivity> {
  const now = options.now ?? new Date();
  await client.query('BEGIN');
  try {
    await client.query('LOCK TABLE pharmacy.audit_event IN EXCLUSIVE MODE');
    const stats = (
      await client.query<Record<string, string | null>>(`SELECT
        (SELECT max(pharmacy_id) FROM pharmacy.pharmacy) AS pharmacies,
        (SELECT max(patient_id) FROM pharmacy.patient) AS patients,
        (SELECT max(prescriber_id) FROM pharmacy.prescriber) AS prescribers,
        (SELECT max(prescription_id) FROM pharmacy.prescription) AS prescription,
        (SELECT max(fill_id) FROM pharmacy.fill) AS fill,
        (SELECT max(claim_id) FROM pharmacy.claim) AS claim,
        (SELECT max(txn_id) FROM pharmacy.inventory_transaction) AS txn,
        (SELECT max(entry_id) FROM pharmacy.cs_ledger) AS entry,
        (SELECT max(report_id) FROM pharmacy.pdmp_report) AS report,
        (SELECT max(seq) FROM pharmacy.audit_event) AS seq,
        (SELECT hash FROM pharmacy.audit_event ORDER BY seq DESC LIMIT 1) AS head`)
    ).rows[0];
    const products = (
      await client.query<{ product_id: number; dea_schedule: number }>(
        'SELECT product_id, dea_schedule FROM pharmacy.product ORDER BY product_id',
      )
    ).rows;
    const n = (key: string): number => Number(stats?.[key] ?? 0);
    const population: Population = {
      pharmacies: n('pharmacies'),
      patients: n('patients'),
      prescribers: n('prescribers'),
      products: products.map((p): ProductInfo => ({ productId: p.product_id, schedule: p.dea_schedule })),
    };
    const choice = choosePrescription(rng, population);
    const rx = await client.query<{ rx: number | null }>(
      'SELECT max(rx_number) AS rx FROM pharmacy.prescription WHERE pharmacy_id = $1',
      [choice.pharmacyId],
    );
    let rxNumber = rx.rows[0]?.rx ?? 100_000;
    let ledger: LedgerHead = { entryNo: 0, balance: 0 };
    if (choice.product.schedule > 0) {
      const head = await client.query<{ entry_no: number | null; balance: number | null; opening: number | null }>(
        `SELECT (SELECT opening_balance FROM pharmacy.cs_opening_inventory WHERE pharmacy_id = $1 AND product_id = $2) AS opening,
                l.entry_no, l.balance_after AS balance
           FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT entry_no, balance_after FROM pharmacy.cs_ledger
                  WHERE pharmacy_id = $1 AND product_id = $2 ORDER BY entry_no DESC LIMIT 1) l ON true`,
        [choice.pharmacyId, choice.product.productId],
      );
      const row = head.rows[0];
      if (row?.opening === null || row?.opening === undefined)
        throw new Error(`no opening inventory for pharmacy ${choice.pharmacyId} product ${choice.product.productId}`);
      ledger =
        row.entry_no === null
          ? { entryNo: 0, balance: row.opening }
          : { entryNo: row.entry_no + 1, balance: row.balance ?? 0 };
    }
    const head = stats?.head as unknown;
    const state: GeneratorState = {
      next: {
        prescription: n('prescription') + 1,
        fill: n('fill') + 1,
        claim: n('claim') + 1,
        txn: n('txn') + 1,
        entry: n('entry') + 1,
        report: n('report') + 1,
        seq: n('seq') + 1,
      },
      auditHead: Buffer.isBuffer(head) ? head : Buffer.alloc(32),
      nextRxNumber: () => ++rxNumber,
      ledger: () => ledger,
    };
    const rows = new Map<PharmacyTable, Value[][]>();
    const sink: RowSink = { row: (table, values) => rows.set(table, [...(rows.get(table) ?? []), values]) };
    const prescriptionId = newPrescription(state, sink, rng, now, choice);
    let written = 0;
    for (const table of ACTIVITY_TABLES) {
      const list = rows.get(table) ?? [];
      const columns = COLUMNS[table];
      for (const values of list) {
        await client.query(
          `INSERT INTO pharmacy.${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
          values,
        );
        written++;
      }
    }
    await client.query('COMMIT');
    return { prescriptionId, auditSeq: state.next.seq - 1, rows: written };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
