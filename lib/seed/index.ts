/** Seeds the reference pharmacy schema with synthetic data, for local mode, tests and benchmarks. */
export { seedDatabase, SeedOptions, SeedResult } from './seed';
export { insertPharmacyActivity, PharmacyActivity, ActivityOptions } from './activity';
export { createRng, Rng } from './rng';
