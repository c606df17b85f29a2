/** The approval gate (a task token kept in Parameter Store) and the contingency plan's activation. */
import { PublishCommand } from '@aws-sdk/client-sns';
import { DeleteParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { type Catalog } from '../catalog';
import type { StepDeps } from '../clients';
import { FailoverState } from './state';
import { required } from './required';

export const ApprovalRequest = z.object({
  taskToken: z.string().min(1),
  state: FailoverState.or(z.record(z.string(), z.unknown())),
});

/**
 * Keep the task token where `rxdr failover approve|abort` and the SSM document find it (a SecureString
 * under the recovery key, named after the execution), and tell on-call what waits for them.
 */
export async function requestApproval(
  operation: 'failover' | 'failback',
  taskToken: string,
  execution: { name: string; id: string },
  summary: string,
  deps: StepDeps,
): Promise<{ parameterName: string }> {
  const parameterName = approvalParameterName(deps.catalog, execution.name);
  await deps.clients.ssm.send(
    new PutParameterCommand({
      Name: parameterName,
      Value: taskToken,
      Type: 'SecureString',
      KeyId: deps.catalog.recoveryKeyArn,
      Overwrite: true,
      Description: `rxdr ${operation} approval token for ${execution.id}`,
    }),
  );
  await deps.clients.sns.send(
    new PublishCommand({
      TopicArn: deps.catalog.topicArn,
      Subject: `rxdr ${deps.catalog.environment}: ${operation} waits for approval`,
      Message:
        `${summary}\n\nApprove: rxdr ${operation} approve --env ${deps.catalog.environment} ` +
        `--execution ${execution.name}\nAbort:   rxdr ${operation} abort --env ` +
        `${deps.catalog.environment} --execution ${execution.name}\nExecution: ${execution.id}`,
    }),
  );
  return { parameterName };
}

export function approvalParameterName(catalog: Catalog, executionName: string): string {
  return `${catalog.approvalParameterPrefix}/${executionName}`;
}

/** Remove the approval token (idempotent: a missing parameter is fine). */
export async function clearApproval(executionName: string, deps: StepDeps): Promise<void> {
  try {
    await deps.clients.ssm.send(
      new DeleteParameterCommand({ Name: approvalParameterName(deps.catalog, executionName) }),
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ParameterNotFound')) throw error;
  }
}

/** N3: a timestamped notice that the contingency plan is active, sent once approval is given. */
export async function activateContingencyPlan(
  state: FailoverState,
  deps: StepDeps,
): Promise<{ startedAt: string; endedAt: string; activatedAt: string }> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const approval = required(state.approval, 'approval');
  await clearApproval(state.execution.name, deps);
  const activatedAt = deps.clock.now().toISOString();
  await deps.clients.sns.send(
    new PublishCommand({
      TopicArn: deps.catalog.topicArn,
      Subject: `rxdr ${deps.catalog.environment}: contingency plan activated for ${plan.database}`,
      Message:
        `Contingency plan activated at ${activatedAt}: failover of ${plan.database} ` +
        `(${plan.strategy}) approved by ${approval.approvedBy}.\nReason: ` +
        `${state.input.reason}${state.input.force ? `\nForced although the primary looked healthy: ${state.input.force.reason}` : ''}\nBusiness ` +
        `associates: notify covered entities within 24 hours.\nExecution: ${state.execution.id}`,
    }),
  );
  return { startedAt, endedAt: deps.clock.now().toISOString(), activatedAt };
}
