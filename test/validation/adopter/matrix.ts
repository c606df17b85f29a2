/**
 * The corruption matrix per foreign schema: each entry damages a fresh copy, and the named check must fail
 * with an offending key that names the table (and the key range holding `key`, when the table has one).
 */
export interface Corruption {
  readonly kind: string;
  readonly sql: string;
  readonly check: string;
  /** Text the offending key must start with (the table, or the object). */
  readonly at: string;
  /** An integer key the reported range must contain. */
  readonly key?: number;
}

export const CLINIC_MATRIX: Corruption[] = [
  {
    kind: 'deleted row',
    sql: 'DELETE FROM clinic.member WHERE member_id = 50',
    check: 'checksums',
    at: 'clinic.member member_id',
    key: 50,
  },
  {
    kind: 'changed value',
    sql: 'UPDATE billing.invoice SET amount = amount + 1 WHERE invoice_id = 10',
    check: 'checksums',
    at: 'billing.invoice invoice_id',
    key: 10,
  },
  {
    kind: 'values swapped between two rows',
    sql: `UPDATE clinic.member SET full_name = CASE member_id WHEN 3 THEN 'Member 4' ELSE 'Member 3' END WHERE member_id IN (3, 4)`,
    check: 'checksums',
    at: 'clinic.member member_id',
    key: 3,
  },
  {
    kind: 'one row deleted, another duplicated (count unchanged)',
    sql: `DELETE FROM billing.invoice WHERE invoice_id = 20;
          INSERT INTO billing.invoice SELECT 20, member_id, amount, lines, issued_at FROM billing.invoice WHERE invoice_id = 21`,
    check: 'checksums',
    at: 'billing.invoice invoice_id',
    key: 20,
  },
  { kind: 'dropped table', sql: 'DROP TABLE billing.invoice', check: 'schema', at: 'billing.invoice' },
  { kind: 'truncated partition', sql: 'TRUNCATE clinic.visit_2026_10', check: 'row-counts', at: 'clinic.visit' },
  {
    kind: 'NULL in a nullable column',
    sql: 'UPDATE clinic.member SET profile = NULL WHERE member_id = 77',
    check: 'checksums',
    at: 'clinic.member member_id',
    key: 77,
  },
  {
    kind: 'shifted timestamp',
    sql: `UPDATE clinic.visit SET recorded_at = recorded_at - interval '1 second' WHERE visit_id = 123`,
    check: 'checksums',
    at: 'clinic.visit visit_id',
    key: 123,
  },
  {
    kind: 'one byte of bytea',
    sql: 'UPDATE clinic.member SET photo = set_byte(photo, 0, get_byte(photo, 0) # 1) WHERE member_id = 88',
    check: 'checksums',
    at: 'clinic.member member_id',
    key: 88,
  },
  {
    kind: 'one array element',
    sql: 'UPDATE clinic.visit SET doses[2] = doses[2] + 1 WHERE visit_id = 300',
    check: 'checksums',
    at: 'clinic.visit visit_id',
    key: 300,
  },
  {
    kind: 'one JSON key',
    sql: `UPDATE billing.invoice SET lines = jsonb_set(lines, '{0,qty}', '9') WHERE invoice_id = 150`,
    check: 'checksums',
    at: 'billing.invoice invoice_id',
    key: 150,
  },
  {
    kind: 'tsvector (no extended hash)',
    sql: `UPDATE clinic.member SET notes_search = to_tsvector('english', 'evening') WHERE member_id = 9`,
    check: 'checksums',
    at: 'clinic.member member_id',
    key: 9,
  },
  {
    kind: 'dropped constraint',
    sql: 'ALTER TABLE billing.invoice DROP CONSTRAINT invoice_amount_check',
    check: 'constraints',
    at: 'missing billing.invoice invoice_amount_check',
  },
  {
    kind: 'dropped index',
    sql: 'DROP INDEX clinic.visit_member_idx',
    check: 'indexes',
    at: 'missing clinic.visit_member_idx',
  },
  {
    kind: 'sequence reset',
    sql: `SELECT setval('billing.invoice_invoice_id_seq', 1)`,
    check: 'sequences',
    at: 'billing.invoice_invoice_id_seq',
  },
];

export const STORE_MATRIX: Corruption[] = [
  {
    kind: 'deleted row',
    sql: `DELETE FROM "Store"."Line Items" WHERE "OrderId" = 33 AND "lineNo" = 1`,
    check: 'checksums',
    at: 'Store.Line Items OrderId',
    key: 33,
  },
  {
    kind: 'changed value',
    sql: `UPDATE "Store"."Orders" SET "Größe" = 99 WHERE "OrderId" = 40`,
    check: 'checksums',
    at: 'Store.Orders OrderId',
    key: 40,
  },
  {
    kind: 'values swapped between two rows',
    sql: `UPDATE "Store"."Orders" SET "Customer Name" = CASE "OrderId" WHEN 5 THEN 'Kunde 6' ELSE 'Kunde 5' END WHERE "OrderId" IN (5, 6)`,
    check: 'checksums',
    at: 'Store.Orders OrderId',
    key: 5,
  },
  {
    kind: 'one row deleted, another duplicated (count unchanged), in a table without a key',
    sql: `DELETE FROM "Store"."Ereignisprotokoll_ä" WHERE "Nachricht" = 'Ereignis 10';
          INSERT INTO "Store"."Ereignisprotokoll_ä" SELECT * FROM "Store"."Ereignisprotokoll_ä" WHERE "Nachricht" = 'Ereignis 11'`,
    check: 'checksums',
    at: 'Store.Ereignisprotokoll_ä (whole table',
  },
  { kind: 'dropped table', sql: 'DROP TABLE "Store"."Line Items"', check: 'schema', at: 'Store.Line Items' },
  {
    kind: 'truncated table',
    sql: 'TRUNCATE "Store"."Ereignisprotokoll_ä"',
    check: 'row-counts',
    at: 'Store.Ereignisprotokoll_ä',
  },
  {
    kind: 'NULL in a nullable xml column',
    sql: `UPDATE "Store"."Orders" SET "Receipt" = NULL WHERE "OrderId" = 70`,
    check: 'checksums',
    at: 'Store.Orders OrderId',
    key: 70,
  },
  {
    kind: 'shifted timestamp',
    sql: `UPDATE "Store"."Orders" SET "placedAt" = "placedAt" - interval '1 hour' WHERE "OrderId" = 80`,
    check: 'checksums',
    at: 'Store.Orders OrderId',
    key: 80,
  },
  {
    kind: 'one byte of bytea',
    sql: `UPDATE "Store"."Orders" SET "Attachment" = set_byte("Attachment", 3, get_byte("Attachment", 3) # 16) WHERE "OrderId" = 90`,
    check: 'checksums',
    at: 'Store.Orders OrderId',
    key: 90,
  },
  {
    kind: 'one array element',
    sql: `UPDATE "Store"."Line Items" SET tags[1] = 'tX' WHERE "OrderId" = 100 AND "lineNo" = 2`,
    check: 'checksums',
    at: 'Store.Line Items OrderId',
    key: 100,
  },
  {
    kind: 'one JSON key (json: no extended hash)',
    sql: `UPDATE "Store"."Orders" SET payload = json_build_object('channel', 'web', 'items', 99) WHERE "OrderId" = 110`,
    check: 'checksums',
    at: 'Store.Orders OrderId',
    key: 110,
  },
  {
    kind: 'point (no extended hash)',
    sql: `UPDATE "Store"."Orders" SET "pickupPoint" = point(0, 0) WHERE "OrderId" = 120`,
    check: 'checksums',
    at: 'Store.Orders OrderId',
    key: 120,
  },
  {
    kind: 'dropped constraint',
    sql: `ALTER TABLE "Store"."Line Items" DROP CONSTRAINT "Line Items_qty_check"`,
    check: 'constraints',
    at: 'missing Store.Line Items Line Items_qty_check',
  },
  {
    kind: 'sequence reset',
    sql: `SELECT setval(pg_get_serial_sequence('"Store"."Orders"', 'OrderId'), 1)`,
    check: 'sequences',
    at: '"Store"."Orders_OrderId_seq"',
  },
];

export const WAREHOUSE_MATRIX: Corruption[] = [
  {
    kind: 'deleted row (uuid key)',
    sql: `DELETE FROM warehouse.item WHERE sku = md5('item7')::uuid`,
    check: 'checksums',
    at: 'warehouse.item (sku) hash bucket',
  },
  {
    kind: 'changed value (unique not-null key, no primary key)',
    sql: `UPDATE warehouse.bin SET capacity = capacity + 1 WHERE bin_code = 'BIN-0010'`,
    check: 'checksums',
    at: 'warehouse.bin (bin_code) hash bucket',
  },
  {
    kind: 'values swapped between two rows',
    sql: `UPDATE warehouse.item SET title = CASE title WHEN 'Item 1' THEN 'Item 2' ELSE 'Item 1' END WHERE title IN ('Item 1', 'Item 2')`,
    check: 'checksums',
    at: 'warehouse.item (sku) hash bucket',
  },
  {
    kind: 'one row deleted, another duplicated (count unchanged)',
    sql: `DELETE FROM warehouse.stock_move WHERE move_id = 10;
          INSERT INTO warehouse.stock_move SELECT 10, region, sku, bin_code, qty, moved_at FROM warehouse.stock_move WHERE move_id = 11`,
    check: 'checksums',
    at: 'warehouse.stock_move move_id',
    key: 10,
  },
  { kind: 'dropped table', sql: 'DROP TABLE warehouse.bin CASCADE', check: 'schema', at: 'warehouse.bin' },
  {
    kind: 'truncated partition',
    sql: 'TRUNCATE warehouse.stock_move_west',
    check: 'row-counts',
    at: 'warehouse.stock_move',
  },
  {
    kind: 'NULL in a nullable xml column',
    sql: `UPDATE warehouse.item SET spec = NULL WHERE title = 'Item 30'`,
    check: 'checksums',
    at: 'warehouse.item (sku) hash bucket',
  },
  {
    kind: 'shifted timestamp',
    sql: `UPDATE warehouse.stock_move SET moved_at = moved_at - interval '1 minute' WHERE move_id = 200`,
    check: 'checksums',
    at: 'warehouse.stock_move move_id',
    key: 200,
  },
  {
    kind: 'json inside a composite type',
    sql: `UPDATE warehouse.item SET dims.label = '{"l":"X"}' WHERE title = 'Item 40'`,
    check: 'checksums',
    at: 'warehouse.item (sku) hash bucket',
  },
  {
    kind: 'one JSON key (jsonb domain)',
    sql: `UPDATE warehouse.item SET attrs = attrs || '{"color":"black"}' WHERE title = 'Item 50'`,
    check: 'checksums',
    at: 'warehouse.item (sku) hash bucket',
  },
  {
    kind: 'range bound',
    sql: `UPDATE warehouse.item SET valid_during = tstzrange(lower(valid_during), now()) WHERE title = 'Item 60'`,
    check: 'checksums',
    at: 'warehouse.item (sku) hash bucket',
  },
  {
    kind: 'money (no extended hash)',
    sql: `UPDATE warehouse.item SET list_price = list_price + 1::money WHERE title = 'Item 70'`,
    check: 'checksums',
    at: 'warehouse.item (sku) hash bucket',
  },
  {
    kind: 'dropped foreign key',
    sql: 'ALTER TABLE warehouse.stock_move DROP CONSTRAINT stock_move_sku_fkey',
    check: 'constraints',
    at: 'missing warehouse.stock_move stock_move_sku_fkey',
  },
  {
    kind: 'sequence reset',
    sql: `SELECT setval('warehouse.stock_move_move_id_seq', 5)`,
    check: 'sequences',
    at: 'warehouse.stock_move_move_id_seq',
  },
  { kind: 'dropped view', sql: 'DROP VIEW warehouse.stock_level', check: 'views', at: 'missing warehouse.stock_level' },
  {
    kind: 'disabled trigger',
    sql: 'ALTER TABLE warehouse.stock_move DISABLE TRIGGER stock_move_no_zero',
    check: 'triggers',
    at: 'changed warehouse.stock_move stock_move_no_zero',
  },
  {
    kind: 'row-level security turned off',
    sql: 'ALTER TABLE warehouse.bin DISABLE ROW LEVEL SECURITY',
    check: 'row-level-security',
    at: 'changed warehouse.bin',
  },
  {
    kind: 'dropped policy',
    sql: 'DROP POLICY bin_zone ON warehouse.bin',
    check: 'row-level-security',
    at: 'missing warehouse.bin policy bin_zone',
  },
  {
    kind: 'extension at another version',
    sql: 'ALTER EXTENSION pg_trgm UPDATE',
    check: 'extensions',
    at: 'changed pg_trgm',
  },
  { kind: 'dropped extension', sql: 'DROP EXTENSION pg_trgm', check: 'extensions', at: 'missing pg_trgm' },
];
