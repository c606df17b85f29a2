import * as path from 'node:path';

/** Where local evidence goes unless `--evidence-dir` says otherwise (gitignored). */
export const DEFAULT_EVIDENCE_DIR = path.join('.rxdr', 'evidence');
