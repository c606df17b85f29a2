import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { connect, DatabaseTarget } from '../../engines/validation/db';
import { CONSTRAINTS_SQL, PHARMACY_SCHEMA, TABLES_SQL } from '../../engines/validation/schema';
import { Clock, ProgressEvent, systemClock } from '../../engines/validation/types';
import { createRng } from './rng';
import {
  ACTIVITY_TABLES,
  choosePrescription,
  dispense,
  GeneratorState,
  LedgerHead,
  newPrescription,
  OpenPrescription,
  PharmacyTable,
  pharmacyState,
  Population,
  ProductInfo,
  REFERENCE_TABLES,
  RowSink,
  Value,
} from './model';

export interface SeedOptions {
  /** The database to load (URL or pg config). Either this or `client`. */
  readonly url?: DatabaseTarget;
  /** An already connected client (left open). */
  readonly client?: Client;
  /** How many prescriptions; fills, claims, ledger and audit rows follow from them (about 7 rows each). */
  readonly prescriptions: number;
  /** PRNG seed: the same seed, size and end time give the same data. @default 1 */
  readonly seed?: number;
  /** The newest generated timestamp. @default clock.now() */
  readonly endTime?: Date;
  /** How far back history goes. @default 730 days */
  readonly historyDays?: number;
  /** Drop an existing `pharmacy` schema first. @default false (fail when it exists) */
  readonly replace?: boolean;
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly clock?: Clock;
}

export interface SeedResult {
  readonly prescriptions: number;
  readonly rows: Record<PharmacyTable, number>;
  readonly startTime: string;
  readonly endTime: string;
  readonly durationMs: number;
}

const TABLE_ORDER: readonly PharmacyTable[] = [...REFERENCE_TABLES, ...ACTIVITY_TABLES];

/** Formats rows as COPY text and hands out chunks per table. */
class CopyBuffer implements RowSink {
  private lines = new Map<PharmacyTable, string[]>();
  readonly counts = Object.fromEntries(TABLE_ORDER.map((t) => [t, 0])) as Record<PharmacyTable, number>;
  pending = 0;

  row(table: PharmacyTable, values: Value[]): void {
    let list = this.lines.get(table);
    if (!list) this.lines.set(table, (list = []));
    list.push(values.map(copyValue).join('\t'));
    this.counts[table]++;
    this.pending++;
  }

  take(): Map<PharmacyTable, string[]> {
    const taken = this.lines;
    this.lines = new Map();
    this.pending = 0;
    return taken;
  }
}

function copyValue(value: Value): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return '\\\\x' + value.toString('hex');
  return value;
}

async function copyChunk(client: Client, chunk: Map<PharmacyTable, string[]>): Promise<void> {
  for (const table of TABLE_ORDER) {
    const lines = chunk.get(table);
    if (!lines || lines.length === 0) continue;
    const stream = client.query(copyFrom(`COPY ${PHARMACY_SCHEMA}.${table} FROM STDIN`));
    await pipeline(Readable.from(batches(lines)), stream);
  }
}

function* batches(lines: string[]): Generator<string> {
  for (let i = 0; i < lines.length; i += 2000) yield lines.slice(i, i + 2000).join('\n') + '\n';
}

const FIRST_NAMES = ['Avery', 'Jordan', 'Riley', 'Casey', 'Morgan', 'Quinn', 'Taylor', 'Rowan', 'Sage', 'Emery'];
const LAST_NAMES = ['Synth', 'Testa', 'Fixture', 'Sample', 'Mockwell', 'Demo', 'Placeholder', 'Example'];

function digits(rng: ReturnType<typeof createRng>, count: number): string {
  let s = '';
  for (let i = 0; i < count; i++) s += String(rng.int(0, 9));
  return s;
}

/** Master data sizes for a given number of prescriptions. */
export function populationFor(prescriptions: number): {
  pharmacies: number;
  patients: number;
  prescribers: number;
  products: number;
} {
  return {
    pharmacies: Math.max(3, Math.min(100, Math.ceil(prescriptions / 20_000))),
    patients: Math.max(50, Math.ceil(prescriptions / 5)),
    prescribers: Math.max(10, Math.ceil(prescriptions / 50)),
    products: 200,
  };
}

/** Schedule of product i: about 10 % CII, 5 % CIII, 5 % CIV, 2 % CV, the rest not controlled. */
export function productSchedule(productId: number): number {
  if (productId % 10 === 0) return 2;
  if (productId % 20 === 3) return 3;
  if (productId % 20 === 7) return 4;
  if (productId % 50 === 11) return 5;
  return 0;
}

/**
 * Create the reference pharmacy schema and fill it with consistent synthetic data (every invariant holds),
 * loaded with COPY in chunks (the next chunk is generated while the previous one loads), then keys,
 * constraints and indexes are built and the tables vacuumed and analysed.
 */
export async function seedDatabase(options: SeedOptions): Promise<SeedResult> {
  if (!Number.isInteger(options.prescriptions) || options.prescriptions < 1) {
    throw new Error(`prescriptions must be a positive integer, got ${options.prescriptions}`);
  }
  const clock = options.clock ?? systemClock;
  const began = clock.now().getTime();
  let client = options.client;
  const owned = !client;
  if (!client) {
    if (!options.url) throw new Error('seedDatabase needs a url or a client');
    client = await connect(options.url);
  }
  try {
    return await seed(client, options, clock, began);
  } finally {
    if (owned) await client.end();
  }
}

async function seed(client: Client, options: SeedOptions, clock: Clock, began: number): Promise<SeedResult> {
  const n = options.prescriptions;
  const rng = createRng(options.seed ?? 1);
  const end = options.endTime ?? new Date(Math.floor(clock.now().getTime() / 1000) * 1000);
  const spanMs = (options.historyDays ?? 730) * 86_400_000;
  const start = new Date(end.getTime() - spanMs);
  const masterTime = new Date(start.getTime() - 86_400_000);

  if (options.replace) await client.query(`DROP SCHEMA IF EXISTS ${PHARMACY_SCHEMA} CASCADE`);
  else {
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [PHARMACY_SCHEMA]);
    if (exists.rowCount)
      throw new Error(
        `schema "${PHARMACY_SCHEMA}" already exists: seed an empty database, or pass replace (--replace) to drop it first`,
      );
  }
  await client.query(TABLES_SQL);

  const sizes = populationFor(n);
  const buffer = new CopyBuffer();
  for (let id = 1; id <= sizes.pharmacies; id++) {
    buffer.row('pharmacy', [
      id,
      String(1_000_000 + id),
      digits(rng, 10),
      `F${String.fromCharCode(65 + (id % 26))}${digits(rng, 7)}`,
      `Pharmacy ${id}`,
      pharmacyState(id),
      masterTime,
    ]);
  }
  for (let id = 1; id <= sizes.patients; id++) {
    const birth = new Date(Date.UTC(1930 + rng.int(0, 75), rng.int(0, 11), rng.int(1, 28))).toISOString().slice(0, 10);
    buffer.row('patient', [
      id,
      FIRST_NAMES[rng.int(0, FIRST_NAMES.length - 1)] ?? 'Avery',
      LAST_NAMES[rng.int(0, LAST_NAMES.length - 1)] ?? 'Synth',
      birth,
      digits(rng, 5),
      masterTime,
    ]);
  }
  for (let id = 1; id <= sizes.prescribers; id++) {
    buffer.row('prescriber', [
      id,
      digits(rng, 10),
      `A${String.fromCharCode(65 + (id % 26))}${digits(rng, 7)}`,
      LAST_NAMES[id % LAST_NAMES.length] ?? 'Synth',
      masterTime,
    ]);
  }
  const products: ProductInfo[] = [];
  for (let id = 1; id <= sizes.products; id++) {
    const schedule = productSchedule(id);
    products.push({ productId: id, schedule });
    buffer.row('product', [id, String(10_000_000_000 + id * 7919), `Synthetic product ${id}`, schedule, masterTime]);
  }
  const ledgers = new Map<number, LedgerHead>();
  let inventoryId = 1;
  for (let pharmacyId = 1; pharmacyId <= sizes.pharmacies; pharmacyId++) {
    for (const product of products) {
      if (product.schedule === 0) continue;
      const opening = rng.int(0, 500);
      ledgers.set(pharmacyId * 100_000 + product.productId, { entryNo: 0, balance: opening });
      buffer.row('cs_opening_inventory', [inventoryId++, pharmacyId, product.productId, opening, masterTime]);
    }
  }

  const rxNumbers = new Array<number>(sizes.pharmacies + 1).fill(100_000);
  const state: GeneratorState = {
    next: { prescription: 1, fill: 1, claim: 1, txn: 1, entry: 1, report: 1, seq: 1 },
    auditHead: Buffer.alloc(32),
    nextRxNumber: (pharmacyId) => (rxNumbers[pharmacyId] = (rxNumbers[pharmacyId] ?? 100_000) + 1),
    ledger: (pharmacyId, productId) => {
      const head = ledgers.get(pharmacyId * 100_000 + productId);
      if (!head) throw new Error(`no opening inventory for pharmacy ${pharmacyId} product ${productId}`);
      return head;
    },
  };
  const population: Population = {
    pharmacies: sizes.pharmacies,
    patients: sizes.patients,
    prescribers: sizes.prescribers,
    products,
  };
  const open: OpenPrescription[] = [];
  const dt = spanMs / n;
  let copying: Promise<void> = Promise.resolve();

  for (let i = 0; i < n; i++) {
    const unitEnd = start.getTime() + (i + 1) * dt;
    const refills = open.length > 0 ? rng.int(0, 2) : 0;
    for (let j = 0; j < refills && open.length > 0; j++) {
      const at = new Date(Math.floor(unitEnd - dt + ((j + 1) * dt) / (refills + 1)));
      const index = rng.int(0, open.length - 1);
      const rx = open[index];
      if (!rx) break;
      dispense(state, buffer, rng, at, rx.prescriptionId, rx.choice, rx.nextFill);
      rx.nextFill++;
      if (rx.nextFill > rx.choice.refillsAuthorized || rng.chance(0.2)) {
        open[index] = open[open.length - 1] as OpenPrescription;
        open.pop();
      }
    }
    const choice = choosePrescription(rng, population);
    const at = i === n - 1 ? end : new Date(Math.floor(unitEnd));
    const prescriptionId = newPrescription(state, buffer, rng, at, choice);
    if (choice.refillsAuthorized > 0) open.push({ prescriptionId, choice, nextFill: 1 });

    if (buffer.pending >= 100_000) {
      await copying;
      const chunk = buffer.take();
      copying = copyChunk(client, chunk);
      options.onProgress?.({ kind: 'seed', table: 'prescription', rows: i + 1 });
    }
  }
  await copying;
  await copyChunk(client, buffer.take());
  options.onProgress?.({ kind: 'seed', table: 'prescription', rows: n });
  await client.query(CONSTRAINTS_SQL);
  await client.query(`VACUUM (ANALYZE) ${TABLE_ORDER.map((t) => `${PHARMACY_SCHEMA}.${t}`).join(', ')}`);
  return {
    prescriptions: n,
    rows: { ...buffer.counts },
    startTime: start.toISOString(),
    endTime: end.toISOString(),
    durationMs: clock.now().getTime() - began,
  };
}
