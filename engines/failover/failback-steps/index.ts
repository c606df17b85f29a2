/** The failback runbook's steps, one file per phase, in the order the state machine runs them. */
export * from './state';
export * from './preflight';
export * from './replica';
export * from './freeze';
export * from './promote';
export * from './repoint';
export * from './evidence';
