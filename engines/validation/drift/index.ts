import type { CheckDefinition } from '../checks/check';
import { constraintsCheck, CONSTRAINTS } from './constraints';
import { EXTENSIONS, extensionsCheck } from './extensions';
import { INDEXES, indexesCheck } from './indexes';
import { ROW_SECURITY, rowSecurityCheck } from './row-security';
import { sequencesCheck } from './sequences';
import { TRIGGERS, triggersCheck } from './triggers';
import { VIEWS, viewsCheck } from './views';

/** Schema drift beyond the column lists, one check per kind of object. */
export const DRIFT_CHECKS: CheckDefinition[] = [
  constraintsCheck,
  indexesCheck,
  sequencesCheck,
  viewsCheck,
  extensionsCheck,
  triggersCheck,
  rowSecurityCheck,
];
/** The kinds the manifest records (sequences are checked on the copy alone). */
export const RECORDED_KINDS = [CONSTRAINTS, INDEXES, VIEWS, EXTENSIONS, TRIGGERS, ROW_SECURITY];
export { listObjects } from './catalog-check';
