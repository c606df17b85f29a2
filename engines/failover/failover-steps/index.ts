/** The failover runbook's steps, one file per phase, in the order the state machine runs them. */
export * from './state';
export * from './failover-plan';
export * from './recovery-network';
export * from './recovery-point';
export * from './preflight';
export * from './approval';
export * from './recovery';
export * from './validation';
export * from './repoint';
export * from './evidence';
export * from './required';
