/**
 * The steps a completed failback's evidence records, in order: the same trail whether the failback ran in AWS
 * (the state machine) or in local mode. Stated here, not imported, because it is the evidence's contract.
 */
export const FAILBACK_EVIDENCE_STEPS = [
  'preflight',
  'approval',
  'create-replica',
  'wait-replica',
  'freeze-writes',
  'catch-up',
  'promote',
  'repoint',
  'verify',
  'unfreeze',
];
