/**
 * `npm run test:library`: a CDK app outside this repository installs the packed package (`test/library/`). Not
 * part of `npm test`: packing builds the declarations with `tsc` and the app compiles and synthesizes with
 * bundling, about a minute of CPU that proves packaging rather than behaviour. CI runs it after the suite
 * (`.ci/run`).
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/library'],
  testPathIgnorePatterns: [],
  // The one file runs alone; the suite's PostgreSQL server is not needed.
  globalSetup: undefined,
  globalTeardown: undefined,
  testSequencer: undefined,
};
