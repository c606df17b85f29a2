import { z } from 'zod';
import type { EngineLogger } from './logger';

/** Just enough of any custom-resource event to answer it, even when the rest does not parse. */
export const replyToSchema = z.object({
  ResponseURL: z.url(),
  StackId: z.string(),
  RequestId: z.string(),
  LogicalResourceId: z.string(),
  PhysicalResourceId: z.string().optional(),
});
export type ReplyTo = z.infer<typeof replyToSchema>;

export interface CfnResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

/** Answer CloudFormation through the pre-signed response URL. */
export async function sendResponse(replyTo: ReplyTo, response: CfnResponse, put: typeof fetch = fetch): Promise<void> {
  const body = JSON.stringify({
    ...response,
    StackId: replyTo.StackId,
    RequestId: replyTo.RequestId,
    LogicalResourceId: replyTo.LogicalResourceId,
    NoEcho: false,
  });
  const result = await put(replyTo.ResponseURL, { method: 'PUT', headers: { 'content-type': '' }, body });
  if (!result.ok) throw new Error(`CloudFormation response was rejected: HTTP ${result.status}`);
}

/** A short reason for CloudFormation's event log: the error's name and message, never its internals. */
export function reasonOf(error: unknown): string {
  const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
  const text = `${name}: ${message}`;
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}

/** What one custom resource type does with an event that parsed. */
export interface CustomResourceType<E extends { readonly RequestType: string; readonly ResourceProperties: unknown }> {
  readonly schema: z.ZodType<E>;
  readonly handle: (event: E) => Promise<CfnResponse>;
  /** Physical id to answer FAILED with when the event carries none (a Create that failed). */
  readonly failedCreateId: string;
}

/**
 * Answer a custom-resource event through its response URL, always, also when the event does not parse or
 * the handler throws, so a stack never waits an hour for CloudFormation's timeout.
 */
export async function answerCloudFormation<
  E extends { readonly RequestType: string; readonly ResourceProperties: unknown },
>(raw: unknown, type: CustomResourceType<E>, logger: EngineLogger, put: typeof fetch = fetch): Promise<void> {
  const replyTo = replyToSchema.safeParse(raw);
  if (!replyTo.success) {
    logger.error('not a CloudFormation custom-resource event; nothing to answer', {
      issues: replyTo.error.issues.map((i) => i.message),
    });
    return;
  }
  const event = type.schema.safeParse(raw);
  const fallbackId = replyTo.data.PhysicalResourceId ?? type.failedCreateId;
  if (!event.success) {
    const reason = `invalid properties: ${event.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`;
    logger.error('rejected event', { reason });
    await sendResponse(replyTo.data, { Status: 'FAILED', Reason: reason, PhysicalResourceId: fallbackId }, put);
    return;
  }
  logger.info('request', { requestType: event.data.RequestType, properties: event.data.ResourceProperties });
  try {
    const response = await type.handle(event.data);
    logger.info('done', { response });
    await sendResponse(replyTo.data, response, put);
  } catch (error) {
    logger.error('failed', { error: reasonOf(error) });
    await sendResponse(
      replyTo.data,
      { Status: 'FAILED', Reason: reasonOf(error), PhysicalResourceId: fallbackId },
      put,
    );
  }
}
