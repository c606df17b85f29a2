import { createHash } from 'node:crypto';
import type { Rng } from './rng';

/**
 * The domain rules of the reference pharmacy schema, shared by the bulk seeder and by
 * `insertPharmacyActivity`: one "unit of work" emits every row that keeps the invariants true.
 */

export type Value = string | number | Buffer | Date | null;

/** Receives generated rows, column values in table column order. */
export interface RowSink {
  row(table: PharmacyTable, values: Value[]): void;
}

export type PharmacyTable =
  | 'pharmacy'
  | 'patient'
  | 'prescriber'
  | 'product'
  | 'prescription'
  | 'fill'
  | 'claim'
  | 'inventory_transaction'
  | 'cs_opening_inventory'
  | 'cs_ledger'
  | 'pdmp_report'
  | 'audit_event';

/** The reference tables, parents before children. */
export const REFERENCE_TABLES: readonly PharmacyTable[] = [
  'pharmacy',
  'patient',
  'prescriber',
  'product',
  'cs_opening_inventory',
];

/** The tables a unit of pharmacy work writes, parents before children, so foreign keys hold statement by statement. */
export const ACTIVITY_TABLES: readonly PharmacyTable[] = [
  'prescription',
  'fill',
  'claim',
  'inventory_transaction',
  'cs_ledger',
  'pdmp_report',
  'audit_event',
];

export interface ProductInfo {
  readonly productId: number;
  readonly schedule: number;
}

export interface LedgerHead {
  /** The next entry number. */
  entryNo: number;
  balance: number;
}

/** Everything a unit of work reads and advances. Next ids are the values the next row gets. */
export interface GeneratorState {
  readonly next: {
    prescription: number;
    fill: number;
    claim: number;
    txn: number;
    entry: number;
    report: number;
    seq: number;
  };
  auditHead: Buffer;
  nextRxNumber(pharmacyId: number): number;
  ledger(pharmacyId: number, productId: number): LedgerHead;
}

export const GENESIS_HASH = Buffer.alloc(32);
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

/** The audit event's columns its hash covers, in the order the hash reads them. */
type AuditHashFields = [seq: number, occurredAt: Date, actor: string, action: string, entity: string, entityId: number];

/**
 * The bytes an audit event's hash covers after the previous hash. SQL equivalent (what the validator
 * recomputes): `int8send(seq) || timestamptz_send(occurred_at) || convert_to(actor||'|'||action||'|'||entity, 'UTF8') || int8send(entity_id)`.
 */
export function auditHashInput(...[seq, occurredAt, actor, action, entity, entityId]: AuditHashFields): Buffer {
  const head = Buffer.alloc(16);
  head.writeBigInt64BE(BigInt(seq), 0);
  head.writeBigInt64BE(BigInt(occurredAt.getTime() - PG_EPOCH_MS) * 1000n, 8);
  const tail = Buffer.alloc(8);
  tail.writeBigInt64BE(BigInt(entityId), 0);
  return Buffer.concat([head, Buffer.from(`${actor}|${action}|${entity}`, 'utf8'), tail]);
}

export function auditHash(prevHash: Buffer, ...fields: AuditHashFields): Buffer {
  return createHash('sha256')
    .update(prevHash)
    .update(auditHashInput(...fields))
    .digest();
}

export function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

export interface PrescriptionChoice {
  readonly pharmacyId: number;
  readonly patientId: number;
  readonly prescriberId: number;
  readonly product: ProductInfo;
  readonly refillsAuthorized: number;
  readonly quantity: number;
  readonly daysSupply: number;
  readonly pharmacistId: number;
}

/** What a master-data population looks like (ids are dense, 1..count). */
export interface Population {
  readonly pharmacies: number;
  readonly patients: number;
  readonly prescribers: number;
  readonly products: readonly ProductInfo[];
}

export function choosePrescription(rng: Rng, population: Population): PrescriptionChoice {
  const product = population.products[rng.int(0, population.products.length - 1)];
  if (!product) throw new Error('the pharmacy schema has no products');
  const pharmacyId = rng.int(1, population.pharmacies);
  return {
    pharmacyId,
    patientId: rng.int(1, population.patients),
    prescriberId: rng.int(1, population.prescribers),
    product,
    // Schedule II prescriptions cannot be refilled; III-V at most 5 refills.
    refillsAuthorized: product.schedule === 2 ? 0 : rng.int(0, 5),
    quantity: [30, 60, 90, 28, 14][rng.int(0, 4)] ?? 30,
    daysSupply: [30, 30, 90, 28, 7][rng.int(0, 4)] ?? 30,
    pharmacistId: pharmacyId * 10 + rng.int(0, 4),
  };
}

/** A prescription that may still be refilled (the seeder keeps a pool of them). */
export interface OpenPrescription {
  readonly prescriptionId: number;
  readonly choice: PrescriptionChoice;
  nextFill: number;
}

function audit(
  state: GeneratorState,
  sink: RowSink,
  at: Date,
  actor: string,
  action: string,
  entity: string,
  entityId: number,
): void {
  const seq = state.next.seq++;
  const hash = auditHash(state.auditHead, seq, at, actor, action, entity, entityId);
  sink.row('audit_event', [seq, at, actor, action, entity, entityId, state.auditHead, hash]);
  state.auditHead = hash;
}

function ledgerMove(
  state: GeneratorState,
  sink: RowSink,
  at: Date,
  pharmacyId: number,
  productId: number,
  kind: string,
  change: number,
  fillId: number | null,
): number {
  const txnId = state.next.txn++;
  sink.row('inventory_transaction', [txnId, pharmacyId, productId, kind, change, fillId, at]);
  const head = state.ledger(pharmacyId, productId);
  head.balance += change;
  sink.row('cs_ledger', [state.next.entry++, pharmacyId, productId, head.entryNo++, txnId, change, head.balance, at]);
  return txnId;
}

const STATES = ['CA', 'NY', 'FL', 'IL', 'NC', 'NV', 'TX', 'WA'];

export function pharmacyState(pharmacyId: number): string {
  return STATES[pharmacyId % STATES.length] ?? 'CA';
}

/** One dispensing: the fill, its claim(s), and for controlled products inventory, ledger and PDMP rows. */
export function dispense(
  state: GeneratorState,
  sink: RowSink,
  rng: Rng,
  at: Date,
  prescriptionId: number,
  choice: PrescriptionChoice,
  fillNumber: number,
): void {
  const fillId = state.next.fill++;
  const actor = `rph:${choice.pharmacistId}`;
  sink.row('fill', [fillId, prescriptionId, fillNumber, choice.quantity, choice.daysSupply, choice.pharmacistId, at]);
  const amount = (rng.int(300, 45000) / 100).toFixed(2);
  if (rng.chance(0.03)) {
    sink.row('claim', [state.next.claim++, fillId, 'B1', 'rejected', amount, null, at]);
  }
  const paidClaim = state.next.claim++;
  sink.row('claim', [paidClaim, fillId, 'B1', 'paid', amount, null, at]);
  const { productId, schedule } = choice.product;
  if (schedule > 0) {
    const head = state.ledger(choice.pharmacyId, productId);
    if (head.balance < choice.quantity) {
      const receipt = ledgerMove(state, sink, at, choice.pharmacyId, productId, 'receipt', choice.quantity * 10, null);
      audit(state, sink, at, actor, 'inventory.received', 'inventory_transaction', receipt);
    }
    ledgerMove(state, sink, at, choice.pharmacyId, productId, 'dispense', -choice.quantity, fillId);
    sink.row('pdmp_report', [state.next.report++, fillId, pharmacyState(choice.pharmacyId), at]);
    if (rng.chance(0.002) && head.balance > 0) {
      const waste = ledgerMove(
        state,
        sink,
        at,
        choice.pharmacyId,
        productId,
        rng.chance(0.5) ? 'waste' : 'loss',
        -1,
        null,
      );
      audit(state, sink, at, actor, 'inventory.wasted', 'inventory_transaction', waste);
    }
  }
  audit(state, sink, at, actor, 'fill.dispensed', 'fill', fillId);
  if (rng.chance(0.02)) {
    const reversal = state.next.claim++;
    sink.row('claim', [reversal, fillId, 'B2', 'paid', amount, paidClaim, at]);
    audit(state, sink, at, actor, 'claim.reversed', 'claim', reversal);
    if (rng.chance(0.5)) sink.row('claim', [state.next.claim++, fillId, 'B3', 'paid', amount, null, at]);
  }
}

/** The EPCS signed payload of a controlled prescription (synthetic; the hash is what the check compares). */
export function epcsPayload(prescriptionId: number, choice: PrescriptionChoice, writtenDate: string): Buffer {
  return Buffer.from(
    `{"rx":${prescriptionId},"patient":${choice.patientId},"prescriber":${choice.prescriberId},"product":${choice.product.productId},` +
      `"quantity":${choice.quantity},"refills":${choice.refillsAuthorized},"written":"${writtenDate}","sig":"take as directed"}`,
    'utf8',
  );
}

/** A new prescription and its first fill. Returns the prescription id. */
export function newPrescription(
  state: GeneratorState,
  sink: RowSink,
  rng: Rng,
  at: Date,
  choice: PrescriptionChoice,
): number {
  const prescriptionId = state.next.prescription++;
  const rxNumber = state.nextRxNumber(choice.pharmacyId);
  const writtenDate = new Date(at.getTime() - rng.int(0, 3) * 86_400_000).toISOString().slice(0, 10);
  let payload: Buffer | null = null;
  let payloadHash: Buffer | null = null;
  if (choice.product.schedule > 0) {
    payload = epcsPayload(prescriptionId, choice, writtenDate);
    payloadHash = sha256(payload);
  }
  sink.row('prescription', [
    prescriptionId,
    choice.pharmacyId,
    rxNumber,
    choice.patientId,
    choice.prescriberId,
    choice.product.productId,
    writtenDate,
    choice.quantity,
    choice.daysSupply,
    choice.refillsAuthorized,
    payload,
    payloadHash,
    at,
  ]);
  audit(state, sink, at, `rph:${choice.pharmacistId}`, 'prescription.created', 'prescription', prescriptionId);
  dispense(state, sink, rng, at, prescriptionId, choice, 0);
  return prescriptionId;
}
