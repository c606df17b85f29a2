import { z } from 'zod';
import { positiveInt } from './schema-primitives';
import { DEFAULT_TIERS, deliverableRpoMinutes } from './tiers';
import { asRecord, Problem } from './raw';

export const tierPresetSchema = z.strictObject({
  description: z.string().default(''),
  rtoMinutes: positiveInt,
  rpoMinutes: positiveInt,
  drPattern: z.enum(['warm-standby', 'pilot-light', 'backup-restore']),
  continuousBackup: z.boolean(),
  snapshotFrequency: z.enum(['hourly', 'daily']),
  crossRegionReadReplica: z.boolean(),
  failoverStrategy: z.enum(['promote-replica', 'point-in-time', 'latest-backup']),
});

/** New and overridden tiers: complete, with an RPO the protection can deliver and a failover strategy it supports. Returns every tier name. */
export function checkTiers(env: Record<string, unknown>, problem: Problem): Set<string> {
  const tierOverrides = asRecord(env.tiers);
  const tierNames = new Set([...Object.keys(DEFAULT_TIERS), ...Object.keys(tierOverrides)]);
  for (const [name, override] of Object.entries(tierOverrides)) {
    const tier = { ...DEFAULT_TIERS[name], ...asRecord(override) } as Record<string, unknown>;
    const missing = [
      'rtoMinutes',
      'rpoMinutes',
      'drPattern',
      'continuousBackup',
      'snapshotFrequency',
      'crossRegionReadReplica',
      'failoverStrategy',
    ].filter((key) => tier[key] === undefined);
    if (missing.length > 0) {
      problem(['tiers', name], `a new tier must set ${missing.join(', ')}`);
      continue;
    }
    const rpo = tier.rpoMinutes;
    if (
      typeof rpo === 'number' &&
      typeof tier.continuousBackup === 'boolean' &&
      typeof tier.crossRegionReadReplica === 'boolean' &&
      (tier.snapshotFrequency === 'hourly' || tier.snapshotFrequency === 'daily')
    ) {
      const best = deliverableRpoMinutes({
        continuousBackup: tier.continuousBackup,
        crossRegionReadReplica: tier.crossRegionReadReplica,
        snapshotFrequency: tier.snapshotFrequency,
      });
      if (rpo < best) {
        problem(
          ['tiers', name, 'rpoMinutes'],
          `an RPO of ${rpo} min cannot be met: ${describeProtection(tier)} deliver at best ${best} min; enable continuous backup or a read replica, or raise the RPO`,
        );
      }
    }
    if (tier.failoverStrategy === 'promote-replica' && tier.crossRegionReadReplica === false) {
      problem(['tiers', name, 'failoverStrategy'], 'promote-replica needs crossRegionReadReplica: true');
    }
    if (tier.failoverStrategy === 'point-in-time' && tier.continuousBackup === false) {
      problem(
        ['tiers', name, 'failoverStrategy'],
        'point-in-time needs continuousBackup: true (replicated automated backups)',
      );
    }
  }
  return tierNames;
}

function describeProtection(tier: Record<string, unknown>): string {
  const parts = [`${tier.snapshotFrequency} snapshots`];
  if (tier.continuousBackup) parts.push('continuous backup');
  return parts.join(' and ');
}
