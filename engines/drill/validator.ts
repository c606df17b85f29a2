import type { EvidenceCheck } from '../evidence/schema';
import type { DatabaseConnection } from './provider';

/** What the drill asks of the validation engine (adapters wire `engines/validation` with its manifest). */
export interface DrillValidator {
  validate(request: DrillValidationRequest): Promise<DrillValidationResult>;
}

export interface DrillValidationRequest {
  readonly connection: DatabaseConnection;
  /** The RPO reference: the newest moment the restored data should reach. */
  readonly recoveryPointTime: Date;
  readonly database: string;
}

export interface DrillValidationResult {
  readonly passed: boolean;
  /** From the validator's freshness check: recovery point time − newest restored write. */
  readonly achievedRpoSeconds?: number;
  readonly checks: EvidenceCheck[];
}
