import { z } from 'zod';
import { asRecord } from './raw';

/**
 * Failover-specific parts of the environment schema: where each database's clients look for
 * their endpoint (repoint targets) and how long an unapproved failover waits. The default strategy comes
 * from the tier (`failoverStrategy`). `schema.ts` composes these; `checkFailoverConfig` runs inside
 * `checkEnvironmentConsistency`, so its problems are listed together with every other one.
 */

/** Step Functions runs the runbook for at most 24 h; approval must leave time for the recovery itself. */
export const APPROVAL_TIMEOUT_MAX_MINUTES = 720;
export const APPROVAL_TIMEOUT_MIN_MINUTES = 5;

const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
/** A DNS name of labels (1-63 characters of a-z, 0-9, "-"), at most 253 characters, optional trailing dot. */
const DNS_NAME = /^(?=.{1,253}\.?$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+\.?$/i;
/** SSM parameter names: a path of a-z A-Z 0-9 _ . - / segments, at most 1011 characters. */
const PARAMETER_NAME = /^\/[a-zA-Z0-9_.\-/]{1,1010}$/;

/** Per database: what a failover repoints (the replicated secret's `host` is always repointed). */
export const failoverTargetsSchema = z.strictObject({
  /** A CNAME in a Route 53 private hosted zone that clients resolve (e.g. "dispensing.db.rx.internal"). */
  route53: z
    .strictObject({
      hostedZoneId: z.string(),
      recordName: z.string(),
      /** @default 30 */
      ttlSeconds: z.number().int().min(5).max(300).default(30),
    })
    .optional(),
  /** An SSM parameter (String) holding the endpoint host that applications read. */
  endpointParameterName: z.string().optional(),
  /**
   * Aurora clusters with a global database: clients reach the writer through the global database's writer endpoint
   * (the record, parameter and secret host name it), which AWS moves to the new writer. A global switchover or
   * failover then changes none of them and verifies that the endpoint follows; `detach-and-promote` and
   * `latest-backup` leave the global database and repoint them at the new cluster's endpoint.
   * @default false - every strategy repoints them at the new writer's cluster endpoint
   */
  clientsUseGlobalWriterEndpoint: z.boolean().optional(),
});
export type FailoverTargetsConfig = z.output<typeof failoverTargetsSchema>;

/** Environment-wide runbook settings. */
export const failoverSettingsSchema = z.strictObject({
  /** An unapproved failover or failback aborts after this many minutes (nothing changed). */
  approvalTimeoutMinutes: z.number().int().default(60),
  /** People assume the Operator and Approver roles with MFA; turn off only where CI drives the environment. */
  requireMfa: z.boolean().default(true),
  /**
   * IAM role ARNs of CI identities that may assume the Operator role without MFA (they must still set a
   * source identity). @default none
   */
  automationPrincipals: z
    .array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/, 'an IAM role ARN'))
    .default([]),
});

/**
 * Zone ids, record and parameter names, at least one target per `failover` block, no two databases on the
 * same record or parameter, and the approval timeout's bounds; the loader appends the received value to every message.
 */
export function checkFailoverConfig(
  env: Record<string, unknown>,
  problem: (path: (string | number)[], message: string) => void,
): void {
  const settings = asRecord(env.failover);
  const timeout = settings.approvalTimeoutMinutes;
  if (
    typeof timeout === 'number' &&
    (timeout < APPROVAL_TIMEOUT_MIN_MINUTES || timeout > APPROVAL_TIMEOUT_MAX_MINUTES)
  ) {
    problem(
      ['failover', 'approvalTimeoutMinutes'],
      `must be ${APPROVAL_TIMEOUT_MIN_MINUTES} to ${APPROVAL_TIMEOUT_MAX_MINUTES} minutes (the runbook runs at most 24 h and needs time after approval)`,
    );
  }
  const records = new Map<string, number>();
  const parameters = new Map<string, number>();
  (Array.isArray(env.databases) ? env.databases : []).forEach((raw, index) => {
    const db = asRecord(raw);
    if (db.failover === undefined) return;
    const targets = asRecord(db.failover);
    const path = ['databases', index, 'failover'];
    if (targets.route53 === undefined && targets.endpointParameterName === undefined) {
      problem(path, 'name route53 (a private hosted zone record) and/or endpointParameterName');
    }
    const route53 = asRecord(targets.route53);
    if (typeof route53.hostedZoneId === 'string' && !HOSTED_ZONE_ID.test(route53.hostedZoneId)) {
      problem(
        [...path, 'route53', 'hostedZoneId'],
        `must be a Route 53 hosted zone id such as "Z0123456789ABCDEFGHIJ"`,
      );
    }
    if (typeof route53.recordName === 'string') {
      if (!DNS_NAME.test(route53.recordName)) {
        problem(
          [...path, 'route53', 'recordName'],
          `must be a DNS name of at least two labels such as "dispensing.db.rx.internal"`,
        );
      } else {
        const key = `${String(route53.hostedZoneId)}/${route53.recordName.replace(/\.$/, '').toLowerCase()}`;
        const first = records.get(key);
        if (first !== undefined)
          problem(
            [...path, 'route53', 'recordName'],
            `databases[${first}] already repoints this record; each database needs its own`,
          );
        else records.set(key, index);
      }
    }
    const parameter = targets.endpointParameterName;
    if (typeof parameter === 'string') {
      if (!PARAMETER_NAME.test(parameter)) {
        problem([...path, 'endpointParameterName'], `must be an SSM parameter path such as "/rx/dispensing/endpoint"`);
      } else if (/^\/(aws|ssm)\//i.test(parameter) || /^\/rxdr\//.test(parameter)) {
        problem(
          [...path, 'endpointParameterName'],
          `must not be under /aws, /ssm (reserved) or /rxdr (the runbooks' own approval and write-freeze parameters)`,
        );
      } else {
        const first = parameters.get(parameter);
        if (first !== undefined)
          problem(
            [...path, 'endpointParameterName'],
            `databases[${first}] already uses this parameter; each database needs its own`,
          );
        else parameters.set(parameter, index);
      }
    }
  });
}
