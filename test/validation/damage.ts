/**
 * SQL that damages a copy of the seeded reference database in one table, by the key it damages: the chunked
 * validation test and the scale proof (`bench/proof-scale.ts`) localize each to the chunk holding that key.
 */
export const DAMAGE = {
  deletedRow: (reportId: number) => `DELETE FROM pharmacy.pdmp_report WHERE report_id = ${reportId}`,
  changedValue: (patientId: number) =>
    `UPDATE pharmacy.patient SET last_name = 'Changed' WHERE patient_id = ${patientId}`,
  /** The quantities of fill `fillId` and of the next fill with another quantity, swapped: counts stay equal. */
  swappedValues: (fillId: number) => `WITH a AS (SELECT quantity FROM pharmacy.fill WHERE fill_id = ${fillId}),
       b AS (SELECT fill_id, quantity FROM pharmacy.fill WHERE quantity <> (SELECT quantity FROM a)
              AND fill_id > ${fillId} ORDER BY fill_id LIMIT 1)
  UPDATE pharmacy.fill f SET quantity = CASE WHEN f.fill_id = ${fillId} THEN (SELECT quantity FROM b)
                                              ELSE (SELECT quantity FROM a) END
   WHERE f.fill_id IN (${fillId}, (SELECT fill_id FROM b))`,
  /** A second row with the key of prescriber `prescriberId` (its primary key dropped first). */
  duplicatedRow: (prescriberId: number) => `ALTER TABLE pharmacy.prescriber DROP CONSTRAINT prescriber_pkey CASCADE;
  INSERT INTO pharmacy.prescriber SELECT * FROM pharmacy.prescriber WHERE prescriber_id = ${prescriberId}`,
};
