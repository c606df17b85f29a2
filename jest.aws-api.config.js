/**
 * `npm run test:aws-api`: the real drill, sweeper, failover, failback and dry-run step code against moto's AWS API
 * emulator (`moto_server` on 127.0.0.1). Not part of `npm test`, which needs Node.js only: files here end in
 * `.aws-api.ts`, which the default config does not match.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/aws-api'],
  testMatch: ['**/*.aws-api.ts'],
  transform: { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  setupFiles: ['<rootDir>/test/setup/polyfills.ts'],
  globalSetup: '<rootDir>/test/aws-api/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/aws-api/setup/global-teardown.ts',
  testTimeout: 60_000,
  // Every test name is printed, the "not implemented by moto: …" ones included.
  verbose: true,
  // One moto server holds the whole account: test files reset it, so they run one after another.
  maxWorkers: 1,
};
