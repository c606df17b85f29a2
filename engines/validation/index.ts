/**
 * Restore-validation engine: reference pharmacy schema, manifests, and the validator with
 * generic, pharmacy and custom checks. Plain TypeScript over `pg`; no aws-cdk-lib.
 */
export * from './types';
export { Manifest, TableManifest, PharmacyManifest, manifestSchema, parseManifest } from './manifest-schema';
export { applySchema, PHARMACY_SCHEMA, PHARMACY_TABLES, PHARMACY_FRESHNESS } from './schema';
export { buildManifest, BuildManifestOptions } from './manifest';
export { validateDatabase, ValidateOptions, CHECK_NAMES } from './validator';
export { loadCustomChecks, customCheckSchema } from './checks/custom';
export { DatabaseTarget } from './db';
export { TableSelection } from './discovery';
export { NothingToCheckError } from './validator';
