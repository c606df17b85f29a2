import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { stepFunctionsError, type Json } from './local-state-machine';

/**
 * Step Functions' task tokens for a local run. The interpreter gives every task the same fixed `$$.Task.Token`;
 * a `.waitForTaskToken` task's handler instead `issue()`s a fresh token, hands it to the code under test, and
 * returns the promise that `SendTaskSuccess` (through {@link client}) or the task's timeout settles, as in AWS.
 */
export class LocalTaskTokens {
  private issued = 0;
  private readonly open = new Map<string, { resolve(output: Json): void; reject(error: Error): void }>();
  /** Every SendTaskSuccess call, with what AWS answered (`ok` or the error name). */
  readonly calls: { token: string; answer: string }[] = [];

  issue(stateName: string): { token: string; result: Promise<Json> } {
    const token = `local-token-${stateName}-${++this.issued}`;
    const result = new Promise<Json>((resolve, reject) => this.open.set(token, { resolve, reject }));
    return { token, result };
  }

  isOpen(token: string): boolean {
    return this.open.has(token);
  }

  /** SendTaskSuccess: the task ends with `output`. A token no longer open fails as AWS fails it. */
  sendTaskSuccess(token: string, output: string): void {
    const waiting = this.open.get(token);
    if (!waiting) {
      const answer = token.startsWith('local-token-') ? 'TaskTimedOut' : 'InvalidToken';
      this.calls.push({ token, answer });
      throw stepFunctionsError(answer, `Task Timed Out: '${token}'`);
    }
    this.calls.push({ token, answer: 'ok' });
    this.open.delete(token);
    waiting.resolve(JSON.parse(output) as Json);
  }

  /** The task's `TimeoutSeconds` passed: it fails with `States.Timeout` (its Catch decides what follows). */
  timeOut(token: string): void {
    const waiting = this.open.get(token);
    if (!waiting) return;
    this.open.delete(token);
    waiting.reject(stepFunctionsError('States.Timeout', 'the task timed out'));
  }

  /** An SFNClient that answers SendTaskSuccess from these tokens (and nothing else). */
  client(): SFNClient {
    return {
      send: async (command: unknown) => {
        if (!(command instanceof SendTaskSuccessCommand)) throw new Error('test: only SendTaskSuccess is expected');
        this.sendTaskSuccess(command.input.taskToken ?? '', command.input.output ?? '{}');
        return {};
      },
    } as unknown as SFNClient;
  }
}
