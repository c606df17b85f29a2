// Jest orders test files by their durations from its last run (kept in its cache directory), longest first, so that
// no long file starts last while the other worker idles. A fresh clone (CI) has no such cache, and jest falls back
// to file size, which puts some of the longest files last. These are the durations of the longest files on an idle
// 2-core machine (seconds, rounded): used only for files the cache has no duration for. A stale entry only changes
// the order; a missing file is ordered by the cache or, failing that, as a short file.
'use strict';
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const KNOWN_SECONDS = {
  'stages/app.test.ts': 60,
  'drill/aws/chunked-drill.test.ts': 60,
  'cli/local-evidence-and-keep.test.ts': 45,
  'cli/gameday-local.test.ts': 40,
  'local/local-drill.test.ts': 30,
  'stacks/backup-foundation.test.ts': 25,
  'validation/adopter/foreign-schemas.test.ts': 25,
  'local/local-failover.test.ts': 22,
  'validation/validator.test.ts': 20,
  'constructs/gameday/game-day-templates.test.ts': 19,
  'local/restore-writable.test.ts': 17,
  'cli/gameday-interactive.test.ts': 17,
  'cli/drill-local.test.ts': 16,
  'cli/local-server-deaths.test.ts': 16,
  'failover/retries.test.ts': 16,
};
const UNKNOWN_SECONDS = 5;
const TEST_ROOT = path.join(__dirname, '..');

class SlowestFirst extends Sequencer {
  time(test) {
    const cached = super.time(test);
    if (cached !== undefined) return cached;
    const known = KNOWN_SECONDS[path.relative(TEST_ROOT, test.path).split(path.sep).join('/')];
    return (known ?? UNKNOWN_SECONDS) * 1000;
  }
}

module.exports = SlowestFirst;
