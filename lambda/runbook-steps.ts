import { Logger } from '@aws-lambda-powertools/logger';
import { parseCatalog } from '../engines/failover/catalog';
import type { StepDeps } from '../engines/failover/clients';
import { awsClients, makeHandler, tcpProbe, type RunbookHandler } from '../engines/failover/runbook-handler';

export { makeHandler } from '../engines/failover/runbook-handler';

let cached: StepDeps | undefined;
const logger = new Logger({ serviceName: 'rxdr-runbook' });

function defaultDeps(): StepDeps {
  if (!cached) {
    const catalog = parseCatalog(process.env.RUNBOOK_CATALOG);
    cached = { catalog, clients: awsClients(catalog), clock: { now: () => new Date() }, probe: tcpProbe };
  }
  return cached;
}

/** Lambda entry point: `RUNBOOK_OPERATION` (failover|failback) picks the step set. */
export const handler: RunbookHandler = async (event) => {
  const operation = process.env.RUNBOOK_OPERATION === 'failback' ? 'failback' : 'failover';
  return makeHandler(operation, defaultDeps(), logger)(event);
};
