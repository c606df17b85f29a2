import type { ClientBase } from 'pg';
import type { FreshnessColumn, TableSpec } from './types';

/** The reference pharmacy schema lives in its own PostgreSQL schema. */
export const PHARMACY_SCHEMA = 'pharmacy';

/**
 * Tables only (no keys, constraints or indexes), so the seeder can bulk-load before building them.
 * Every table is append-only: rows are never updated, so rows older than a manifest cut-off keep their
 * checksum while a drill's write load carries on. Every table has one integer key and one timestamp the
 * cut-off applies to (see `PHARMACY_TABLES`). Column types all have hash functions (no `json`, `point`),
 * because checksums use `hash_record_extended`.
 */
export const TABLES_SQL = `
CREATE SCHEMA IF NOT EXISTS pharmacy;

CREATE TABLE pharmacy.pharmacy (
  pharmacy_id      integer     NOT NULL,
  ncpdp_id         char(7)     NOT NULL,
  npi              char(10)    NOT NULL,
  dea_registration text        NOT NULL,
  name             text        NOT NULL,
  state            char(2)     NOT NULL,
  created_at       timestamptz NOT NULL
);

CREATE TABLE pharmacy.patient (
  patient_id  bigint      NOT NULL,
  first_name  text        NOT NULL,
  last_name   text        NOT NULL,
  birth_date  date        NOT NULL,
  postal_code text        NOT NULL,
  created_at  timestamptz NOT NULL
);

CREATE TABLE pharmacy.prescriber (
  prescriber_id integer     NOT NULL,
  npi           char(10)    NOT NULL,
  dea_number    text        NOT NULL,
  last_name     text        NOT NULL,
  created_at    timestamptz NOT NULL
);

-- dea_schedule 0 = not controlled, 2..5 = Schedule II..V.
CREATE TABLE pharmacy.product (
  product_id   integer     NOT NULL,
  ndc          char(11)    NOT NULL,
  name         text        NOT NULL,
  dea_schedule smallint    NOT NULL CHECK (dea_schedule IN (0, 2, 3, 4, 5)),
  created_at   timestamptz NOT NULL
);

-- Controlled prescriptions carry the EPCS signed payload and the SHA-256 of it (21 CFR 1311.305).
CREATE TABLE pharmacy.prescription (
  prescription_id     bigint      NOT NULL,
  pharmacy_id         integer     NOT NULL,
  rx_number           integer     NOT NULL,
  patient_id          bigint      NOT NULL,
  prescriber_id       integer     NOT NULL,
  product_id          integer     NOT NULL,
  written_date        date        NOT NULL,
  quantity            integer     NOT NULL CHECK (quantity > 0),
  days_supply         smallint    NOT NULL CHECK (days_supply > 0),
  refills_authorized  smallint    NOT NULL CHECK (refills_authorized BETWEEN 0 AND 11),
  epcs_signed_payload bytea,
  epcs_payload_sha256 bytea,
  created_at          timestamptz NOT NULL
);

CREATE TABLE pharmacy.fill (
  fill_id         bigint      NOT NULL,
  prescription_id bigint      NOT NULL,
  fill_number     smallint    NOT NULL,
  quantity        integer     NOT NULL CHECK (quantity > 0),
  days_supply     smallint    NOT NULL,
  pharmacist_id   integer     NOT NULL,
  filled_at       timestamptz NOT NULL
);

-- NCPDP transactions: B1 bill, B2 reversal (reverses_claim_id = the paid B1), B3 rebill.
CREATE TABLE pharmacy.claim (
  claim_id          bigint        NOT NULL,
  fill_id           bigint        NOT NULL,
  transaction_code  char(2)       NOT NULL CHECK (transaction_code IN ('B1', 'B2', 'B3')),
  status            text          NOT NULL CHECK (status IN ('paid', 'rejected')),
  amount            numeric(10,2) NOT NULL,
  reverses_claim_id bigint,
  submitted_at      timestamptz   NOT NULL
);

-- Perpetual inventory of controlled substances; quantity_change is signed (receipts positive).
CREATE TABLE pharmacy.inventory_transaction (
  txn_id          bigint      NOT NULL,
  pharmacy_id     integer     NOT NULL,
  product_id      integer     NOT NULL,
  kind            text        NOT NULL CHECK (kind IN ('receipt', 'dispense', 'return', 'waste', 'loss', 'adjust')),
  quantity_change integer     NOT NULL,
  fill_id         bigint,
  occurred_at     timestamptz NOT NULL
);

-- The opening (biennial) inventory count each controlled-substance ledger starts from.
CREATE TABLE pharmacy.cs_opening_inventory (
  inventory_id    integer     NOT NULL,
  pharmacy_id     integer     NOT NULL,
  product_id      integer     NOT NULL,
  opening_balance integer     NOT NULL CHECK (opening_balance >= 0),
  counted_at      timestamptz NOT NULL
);

-- One entry per controlled inventory transaction, numbered 0.. per (pharmacy, product), with the running
-- balance: balance_after = previous balance_after (or the opening balance) + quantity_change.
CREATE TABLE pharmacy.cs_ledger (
  entry_id        bigint      NOT NULL,
  pharmacy_id     integer     NOT NULL,
  product_id      integer     NOT NULL,
  entry_no        integer     NOT NULL,
  txn_id          bigint      NOT NULL,
  quantity_change integer     NOT NULL,
  balance_after   integer     NOT NULL,
  recorded_at     timestamptz NOT NULL
);

CREATE TABLE pharmacy.pdmp_report (
  report_id   bigint      NOT NULL,
  fill_id     bigint      NOT NULL,
  state       char(2)     NOT NULL,
  reported_at timestamptz NOT NULL
);

-- Hash-chained audit log: seq runs 1, 2, 3 ... without gaps; hash = sha256(prev_hash || auditHashInput(row)),
-- prev_hash of seq 1 is 32 zero bytes. No patient data in audit events: entity ids only.
CREATE TABLE pharmacy.audit_event (
  seq         bigint      NOT NULL,
  occurred_at timestamptz NOT NULL,
  actor       text        NOT NULL,
  action      text        NOT NULL,
  entity      text        NOT NULL,
  entity_id   bigint      NOT NULL,
  prev_hash   bytea       NOT NULL,
  hash        bytea       NOT NULL
);
`;

/** Keys, foreign keys, uniqueness and the indexes the checks and the activity writer use. */
export const CONSTRAINTS_SQL = `
ALTER TABLE pharmacy.pharmacy ADD PRIMARY KEY (pharmacy_id), ADD UNIQUE (ncpdp_id);
ALTER TABLE pharmacy.patient ADD PRIMARY KEY (patient_id);
ALTER TABLE pharmacy.prescriber ADD PRIMARY KEY (prescriber_id);
ALTER TABLE pharmacy.product ADD PRIMARY KEY (product_id), ADD UNIQUE (ndc);
ALTER TABLE pharmacy.prescription ADD PRIMARY KEY (prescription_id),
  ADD CONSTRAINT prescription_rx_number_key UNIQUE (pharmacy_id, rx_number),
  ADD FOREIGN KEY (pharmacy_id) REFERENCES pharmacy.pharmacy,
  ADD FOREIGN KEY (patient_id) REFERENCES pharmacy.patient,
  ADD FOREIGN KEY (prescriber_id) REFERENCES pharmacy.prescriber,
  ADD FOREIGN KEY (product_id) REFERENCES pharmacy.product;
ALTER TABLE pharmacy.fill ADD PRIMARY KEY (fill_id),
  ADD CONSTRAINT fill_number_key UNIQUE (prescription_id, fill_number),
  ADD FOREIGN KEY (prescription_id) REFERENCES pharmacy.prescription;
ALTER TABLE pharmacy.claim ADD PRIMARY KEY (claim_id),
  ADD FOREIGN KEY (fill_id) REFERENCES pharmacy.fill,
  ADD FOREIGN KEY (reverses_claim_id) REFERENCES pharmacy.claim;
CREATE INDEX claim_fill_id_idx ON pharmacy.claim (fill_id);
CREATE INDEX claim_reverses_claim_id_idx ON pharmacy.claim (reverses_claim_id) WHERE reverses_claim_id IS NOT NULL;
ALTER TABLE pharmacy.inventory_transaction ADD PRIMARY KEY (txn_id),
  ADD FOREIGN KEY (pharmacy_id) REFERENCES pharmacy.pharmacy,
  ADD FOREIGN KEY (product_id) REFERENCES pharmacy.product,
  ADD FOREIGN KEY (fill_id) REFERENCES pharmacy.fill;
ALTER TABLE pharmacy.cs_opening_inventory ADD PRIMARY KEY (inventory_id),
  ADD UNIQUE (pharmacy_id, product_id),
  ADD FOREIGN KEY (pharmacy_id) REFERENCES pharmacy.pharmacy,
  ADD FOREIGN KEY (product_id) REFERENCES pharmacy.product;
ALTER TABLE pharmacy.cs_ledger ADD PRIMARY KEY (entry_id),
  ADD CONSTRAINT cs_ledger_entry_key UNIQUE (pharmacy_id, product_id, entry_no),
  ADD FOREIGN KEY (txn_id) REFERENCES pharmacy.inventory_transaction,
  ADD FOREIGN KEY (pharmacy_id, product_id) REFERENCES pharmacy.cs_opening_inventory (pharmacy_id, product_id);
ALTER TABLE pharmacy.pdmp_report ADD PRIMARY KEY (report_id),
  ADD FOREIGN KEY (fill_id) REFERENCES pharmacy.fill;
ALTER TABLE pharmacy.audit_event ADD PRIMARY KEY (seq);
`;

/** Tables the generic checks cover, with their key and cut-off columns, parents before children. */
/** A reference-schema table: one integer key and one cut-off column each. */
export type PharmacyTableSpec = TableSpec & { readonly keyColumn: string; readonly cutoffColumn: string };

export const PHARMACY_TABLES: readonly PharmacyTableSpec[] = [
  { schema: 'pharmacy', table: 'pharmacy', keyColumn: 'pharmacy_id', cutoffColumn: 'created_at' },
  { schema: 'pharmacy', table: 'patient', keyColumn: 'patient_id', cutoffColumn: 'created_at' },
  { schema: 'pharmacy', table: 'prescriber', keyColumn: 'prescriber_id', cutoffColumn: 'created_at' },
  { schema: 'pharmacy', table: 'product', keyColumn: 'product_id', cutoffColumn: 'created_at' },
  { schema: 'pharmacy', table: 'prescription', keyColumn: 'prescription_id', cutoffColumn: 'created_at' },
  { schema: 'pharmacy', table: 'fill', keyColumn: 'fill_id', cutoffColumn: 'filled_at' },
  { schema: 'pharmacy', table: 'claim', keyColumn: 'claim_id', cutoffColumn: 'submitted_at' },
  { schema: 'pharmacy', table: 'inventory_transaction', keyColumn: 'txn_id', cutoffColumn: 'occurred_at' },
  { schema: 'pharmacy', table: 'cs_opening_inventory', keyColumn: 'inventory_id', cutoffColumn: 'counted_at' },
  { schema: 'pharmacy', table: 'cs_ledger', keyColumn: 'entry_id', cutoffColumn: 'recorded_at' },
  { schema: 'pharmacy', table: 'pdmp_report', keyColumn: 'report_id', cutoffColumn: 'reported_at' },
  { schema: 'pharmacy', table: 'audit_event', keyColumn: 'seq', cutoffColumn: 'occurred_at' },
];

/** The timestamps whose newest value says how recent the restored data is. */
export const PHARMACY_FRESHNESS: readonly FreshnessColumn[] = [
  { schema: 'pharmacy', table: 'audit_event', column: 'occurred_at' },
  { schema: 'pharmacy', table: 'fill', column: 'filled_at' },
  { schema: 'pharmacy', table: 'claim', column: 'submitted_at' },
];

/** Create the reference pharmacy schema with all its keys and constraints (fails if it exists). */
export async function applySchema(client: ClientBase): Promise<void> {
  await client.query(TABLES_SQL);
  await client.query(CONSTRAINTS_SQL);
}
