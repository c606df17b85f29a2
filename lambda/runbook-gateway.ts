import { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import {
  GatewayConfig,
  handleGatewayRequest,
  type FunctionUrlEvent,
  type GatewayDeps,
} from '../engines/failover/gateway';

const logger = new Logger({ serviceName: 'rxdr-runbook-gateway' });
let deps: GatewayDeps | undefined;

/** Function URL entry (IAM auth). Logs who asked for what and the answer, never the event (no token, no body). */
export const handler = async (event: FunctionUrlEvent) => {
  const ready = (deps ??= {
    config: GatewayConfig.parse(JSON.parse(process.env.GATEWAY_CONFIG ?? '{}')),
    sfn: new SFNClient({}),
    ssm: new SSMClient({}),
    clock: { now: () => new Date() },
  });
  const response = await handleGatewayRequest(event, ready);
  logger.info('request', {
    caller: event.requestContext?.authorizer?.iam?.userArn,
    statusCode: response.statusCode,
    ...(response.statusCode === 200 ? {} : { answer: response.body }),
  });
  return response;
};
