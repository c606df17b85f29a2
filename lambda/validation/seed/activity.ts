import type { ClientBase } from 'pg';
import type { Rng } from './rng';

export interface ActivityOptions {
  /** Timestamp of every row written. @default new Date() */
  readonly now?: Date;
}

/** What one unit of pharmacy work wrote. */
export interface PharmacyActivity {
  readonly prescriptionId: number;
  readonly fillId: number;
  readonly auditSeq: number;
  readonly rows: number;
}

export async function insertPharmacyActivity(_client: ClientBase, _rng: Rng, _options: ActivityOptions = {}): Promise<PharmacyActivity> {
  throw new Error('insertPharmacyActivity: in progress');
}
