/** Where a restored instance or cluster lands, and the preflight check that says so. */
import { z } from 'zod';
import { messageOf, parameterValue } from '../aws-helpers';
import { Errors, StepError, type CatalogDatabase } from '../catalog';
import type { StepDeps } from '../clients';
import type { CheckRecorder } from '../plan-checks';

const RecoveryNetwork = z.object({
  subnetGroupName: z.string().min(1),
  securityGroupIds: z.array(z.string().min(1)).min(1),
});
type RecoveryNetwork = z.infer<typeof RecoveryNetwork>;

/**
 * Where a restored instance lands: the recovery database network the standby stack publishes
 * (`catalog.recoveryNetworkParameterName`), else the catalog's static subnet group/security groups.
 * Throws when the parameter is configured but missing or malformed.
 */
export async function recoveryNetwork(deps: StepDeps, db: CatalogDatabase): Promise<RecoveryNetwork | undefined> {
  const name = deps.catalog.recoveryNetworkParameterName;
  if (!name)
    return db.subnetGroupName
      ? { subnetGroupName: db.subnetGroupName, securityGroupIds: db.securityGroupIds }
      : undefined;
  const text = await parameterValue(deps.clients.ssm, name);
  if (text === undefined)
    throw new StepError(
      Errors.stepFailed,
      `the recovery database network is not published at ${name}: deploy the standby stack first`,
    );
  const parsed = RecoveryNetwork.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new StepError(
      Errors.stepFailed,
      `${name} is not a recovery network description: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** The preflight's `network` check: a configured recovery network must be published and well formed. */
export async function networkCheck(deps: StepDeps, db: CatalogDatabase, check: CheckRecorder): Promise<void> {
  try {
    const network = await recoveryNetwork(deps, db);
    check(
      'network',
      network !== undefined || !deps.catalog.recoveryNetworkParameterName,
      network
        ? `restores land in subnet group ${network.subnetGroupName} with ${network.securityGroupIds.join(', ')}`
        : 'no recovery network configured: the restore lands in the default VPC',
    );
  } catch (error) {
    check('network', false, messageOf(error));
  }
}
