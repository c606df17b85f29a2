import { z } from 'zod';
import { instanceClass, positiveInt } from './schema-primitives';
import { DEFAULT_DRILL_SCHEDULE, DEFAULT_DRILL_TIMEOUT_MINUTES } from './drill-cadence';
import { scheduleExpressionProblem } from './schedule-expression';
import { cidrProblem, overlappingCidrs } from './database-protection';
import { asRecord, Problem } from './raw';

/** Restore drills: schedules, sources, the drill network, timeouts and the manifest job. */
export const drillSettingsSchema = z
  .strictObject({
    /** EventBridge Scheduler expression. @default monthly, 06:00 UTC on the 1st */
    schedule: z.string().default(DEFAULT_DRILL_SCHEDULE),
    timezone: z.string().default('UTC'),
    /** Databases restored at the same time (RDS and AWS Backup quotas). */
    maxConcurrency: positiveInt.max(40, 'at most 40 (Step Functions inline Map)').default(5),
    instanceClass: instanceClass.default('db.t4g.medium'),
    timeoutMinutes: positiveInt.default(DEFAULT_DRILL_TIMEOUT_MINUTES),
    /** One restore's wait for "available"; shorter than `timeoutMinutes` so cleanup runs inside the execution. */
    restoreTimeoutMinutes: positiveInt.default(180),
    /** Per-tier schedules (tier name → expression); tiers not named here follow `schedule`. */
    tierSchedules: z.record(z.string(), z.string()).default({}),
    /** What "latest" restores: the newest recovery point in the recovery vault (`backup`) or the replicated automated backups (`point-in-time`). */
    source: z.enum(['backup', 'point-in-time']).default('backup'),
    /** Per-tier overrides of `source`. */
    tierSources: z.record(z.string(), z.enum(['backup', 'point-in-time'])).default({}),
    /** CIDR of the isolated drill VPC (recovery region); must not overlap the database VPCs. */
    vpcCidr: z.string().default('10.82.0.0/22'),
    /** Days without a drill run before the missed-schedule alarm fires. */
    maxDaysBetweenDrills: positiveInt
      .max(400, 'at most 400 days (H3 asks for restores tested on a schedule)')
      .default(35),
    /** The scheduled manifest job : when it runs and how long one statement may take. */
    manifestSchedule: z.string().default('cron(30 3 * * ? *)'),
    manifestStatementTimeoutSeconds: positiveInt.max(900, 'at most 900 s (the Lambda timeout)').default(600),
  })
  .prefault({});

/** Drill schedules per tier, sources, the drill network and the timeouts (restore drills). */
export function checkDrill(env: Record<string, unknown>, tierNames: Set<string>, problem: Problem): void {
  const drill = asRecord(env.drill);
  const known = [...tierNames].join(', ');
  for (const [tier, expression] of Object.entries(asRecord(drill.tierSchedules))) {
    if (!tierNames.has(tier)) problem(['drill', 'tierSchedules', tier], `unknown tier; known tiers: ${known}`);
    const issue = typeof expression === 'string' ? scheduleExpressionProblem(expression) : undefined;
    if (issue)
      problem(['drill', 'tierSchedules', tier], `invalid schedule expression: ${issue}, got "${String(expression)}"`);
  }
  for (const tier of Object.keys(asRecord(drill.tierSources))) {
    if (!tierNames.has(tier)) problem(['drill', 'tierSources', tier], `unknown tier; known tiers: ${known}`);
  }
  if (typeof drill.manifestSchedule === 'string') {
    const issue = scheduleExpressionProblem(drill.manifestSchedule);
    if (issue)
      problem(['drill', 'manifestSchedule'], `invalid schedule expression: ${issue}, got "${drill.manifestSchedule}"`);
  }
  const restore = drill.restoreTimeoutMinutes ?? 180;
  const timeout = drill.timeoutMinutes ?? 360;
  if (typeof restore === 'number' && typeof timeout === 'number' && restore >= timeout) {
    problem(
      ['drill', 'restoreTimeoutMinutes'],
      `must be shorter than timeoutMinutes (${timeout}) so cleanup runs inside the execution, got ${restore}`,
    );
  }
  if (typeof drill.vpcCidr === 'string') {
    const issue = cidrProblem(drill.vpcCidr);
    if (issue) problem(['drill', 'vpcCidr'], `${issue}, got "${drill.vpcCidr}"`);
    const protection = asRecord(env.databaseProtection);
    for (const key of ['primaryVpcCidr', 'recoveryVpcCidr']) {
      const other = protection[key] ?? (key === 'primaryVpcCidr' ? '10.80.0.0/16' : '10.81.0.0/16');
      if (!issue && typeof other === 'string' && !cidrProblem(other) && overlappingCidrs(drill.vpcCidr, other)) {
        problem(['drill', 'vpcCidr'], `must not overlap databaseProtection.${key} "${other}", got "${drill.vpcCidr}"`);
      }
    }
  }
}
