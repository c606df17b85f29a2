/** Tests run through SWC (no type-checking: `npm run typecheck` does that). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The packaging proof runs on its own: `npm run test:library` (jest.library.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/library/'],
  transform: { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  setupFiles: ['<rootDir>/test/setup/polyfills.ts', '<rootDir>/test/setup/environment.ts'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testSequencer: '<rootDir>/test/setup/test-sequencer.js',
  testTimeout: 120_000,
  maxWorkers: 2,
};
