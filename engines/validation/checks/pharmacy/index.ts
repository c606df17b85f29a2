import { CheckDefinition } from '../check';
import { auditChainCheck, auditChainFact } from './audit-chain';
import { claimReversalsCheck, claimReversalsFact } from './claim-reversals';
import { csLedgerCheck, csLedgerFact } from './cs-ledger';
import { epcsFact, epcsSignaturesCheck } from './epcs-signatures';
import { fillNumberingCheck, fillNumberingFact } from './fill-numbering';
import { foreignKeysCheck, foreignKeysFact } from './foreign-keys';
import { InvariantFact, SourceQuery } from './invariant';
import { rxUniquenessCheck, rxUniquenessFact } from './rx-uniqueness';

/**
 * The integrity invariants of the reference pharmacy schema (docs/domain.md), one check per file. Each check
 * reports keys, never values, and proves its invariant over every row of the copy in one of two ways:
 *
 * - **incremental** (the normal case): the manifest job verified the invariant on the source over the rows
 *   at or before the cut-off ("old" rows), in a form closed under the old rows (old children resolve to old
 *   parents, old fills of a prescription are its fills 0..m-1, …) and recorded that in
 *   `manifest.pharmacy.invariants`. On the copy, the shared table pass proves the old rows of every table the
 *   check reads are the manifest's (same count and whole-row checksum) and that rows after the cut-off have
 *   unique keys; the check then only verifies the rows after the cut-off (and the groups they touch) against
 *   the whole copy, through the key indexes.
 * - **full**: when the manifest has no source verification, or any table the check reads has old rows that
 *   differ from the manifest, the check runs over every row of the copy (hash joins, groupings, SHA-256
 *   of every audit event and EPCS payload), so a corruption of the old rows still trips the check it breaks,
 *   with its own measured values and offending keys, not only the checksums.
 *
 * `measured.mode` says which one ran (and `measured.fullReason` why the full one).
 */

export type { InvariantFact, SourceQuery };
export { AUDIT_HASH_SQL, auditChainCheck } from './audit-chain';
export { claimReversalsCheck } from './claim-reversals';
export { csLedgerCheck } from './cs-ledger';
export { epcsSignaturesCheck } from './epcs-signatures';
export { fillNumberingCheck } from './fill-numbering';
export { foreignKeysCheck } from './foreign-keys';
export { rxUniquenessCheck } from './rx-uniqueness';

/** The source verification each pharmacy check's incremental proof needs (run by the manifest job). */
export const PHARMACY_INVARIANT_FACTS: Record<string, (query: SourceQuery, cutoff: Date) => Promise<InvariantFact>> = {
  'foreign-keys': foreignKeysFact,
  'fill-numbering': fillNumberingFact,
  'rx-uniqueness': rxUniquenessFact,
  'cs-ledger': csLedgerFact,
  'audit-chain': auditChainFact,
  'claim-reversals': claimReversalsFact,
  'epcs-signatures': epcsFact,
};

export const PHARMACY_CHECKS: CheckDefinition[] = [
  foreignKeysCheck,
  fillNumberingCheck,
  rxUniquenessCheck,
  csLedgerCheck,
  auditChainCheck,
  claimReversalsCheck,
  epcsSignaturesCheck,
];
