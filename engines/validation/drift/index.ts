import type { CheckDefinition } from '../checks/check';
import { constraintsCheck, CONSTRAINTS } from './constraints';
import { INDEXES, indexesCheck } from './indexes';
import { sequencesCheck } from './sequences';

/** Schema drift beyond the column lists, one check per kind of object. */
export const DRIFT_CHECKS: CheckDefinition[] = [constraintsCheck, indexesCheck, sequencesCheck];
/** The kinds the manifest records (sequences are checked on the copy alone). */
export const RECORDED_KINDS = [CONSTRAINTS, INDEXES];
export { listObjects } from './catalog-check';
