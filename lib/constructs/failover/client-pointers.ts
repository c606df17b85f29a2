import type { FailoverTargetsConfig } from '../../config/failover-config';
import type { RunbookDatabase } from './failover-runbooks';

/** A database's configured `failover` pointers (Route 53 record, SSM parameter) as the runbooks take them. */
export function clientPointersOf(
  targets: FailoverTargetsConfig | undefined,
): Pick<RunbookDatabase, 'route53' | 'endpointParameterName'> {
  return {
    ...(targets?.route53
      ? {
          route53: {
            hostedZoneId: targets.route53.hostedZoneId,
            recordName: targets.route53.recordName,
            ttl: targets.route53.ttlSeconds,
          },
        }
      : {}),
    ...(targets?.endpointParameterName ? { endpointParameterName: targets.endpointParameterName } : {}),
  };
}
