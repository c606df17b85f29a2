/** Roles on the on-call roster (no schema library here: the CLI's option parsing imports it at start-up). */
export const ROSTER_ROLES = ['engineer', 'approver'] as const;
export type RosterRole = (typeof ROSTER_ROLES)[number];
