import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { LOCAL_STRATEGIES } from './local-strategies';

/** The runbook decisions a game day asks of the operator, in the order it asks them. */
export const DECISIONS = {
  preflight: { question: 'Read the preflight. Is the primary down?', options: ['yes', 'no'] },
  strategy: { question: 'Choose the recovery strategy', options: [...LOCAL_STRATEGIES] },
  approval: { question: 'Approve the failover?', options: ['approve', 'abort'] },
  verify: { question: 'Read the validation and verification. Is the service back?', options: ['yes', 'no'] },
} as const;
export type DecisionId = keyof typeof DECISIONS;

/** Someone (or something) that takes the runbook's decisions: a person at the terminal, or an answers file. */
export interface GameDayOperator {
  /** Show `context`, ask decision `id`, return one of its options. */
  decide(id: DecisionId, context: string): Promise<string>;
  close(): void;
}

const AnswersFile = z.strictObject(
  Object.fromEntries(
    Object.entries(DECISIONS).map(([id, d]) => [
      id,
      z.enum(d.options as unknown as [string, ...string[]], {
        error: () => `must be one of ${d.options.join(', ')}`,
      }),
    ]),
  ) as Record<DecisionId, z.ZodEnum>,
);

/** Read and check an answers file; throws an `Error` naming every problem (the CLI turns it into exit 2). */
export async function readAnswersFile(file: string): Promise<Record<DecisionId, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the answers file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`the answers file ${file} is not JSON: ${(error as Error).message}`);
  }
  const parsed = AnswersFile.safeParse(json);
  if (!parsed.success)
    throw new Error(
      `the answers file ${file} is not valid: ${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}. Expected ${answersExample()}`,
    );
  return parsed.data as Record<DecisionId, string>;
}

export function answersExample(): string {
  return JSON.stringify(Object.fromEntries(Object.entries(DECISIONS).map(([id, d]) => [id, d.options[0]])));
}

/** Answers from a file (tests, CI): each decision is shown and answered at once. */
export function answersOperator(answers: Record<DecisionId, string>, show: (text: string) => void): GameDayOperator {
  return {
    decide: async (id, context) => {
      show(context);
      show(`? ${DECISIONS[id].question} [${DECISIONS[id].options.join('/')}] ${answers[id]} (answers file)`);
      return answers[id];
    },
    close: () => undefined,
  };
}

/** A person at the terminal: the question on stderr, the answer typed on stdin; asks again until it is valid. */
export function terminalOperator(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): GameDayOperator {
  const rl = createInterface({ input, output, terminal: false });
  const lines: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let closed = false;
  rl.on('line', (line) => (waiting.length > 0 ? waiting.shift()?.(line) : lines.push(line)));
  rl.on('close', () => {
    closed = true;
    waiting.splice(0).forEach((resolve) => resolve(undefined));
  });
  const nextLine = (): Promise<string | undefined> =>
    lines.length > 0
      ? Promise.resolve(lines.shift())
      : closed
        ? Promise.resolve(undefined)
        : new Promise((resolve) => waiting.push(resolve));
  return {
    decide: async (id, context) => {
      const { question, options } = DECISIONS[id];
      output.write(`${context}\n`);
      for (;;) {
        output.write(`? ${question} [${options.join('/')}] `);
        const line = await nextLine();
        if (line === undefined) throw new Error(`the terminal closed before the ${id} decision`);
        const answer = line.trim().toLowerCase();
        const prefixed = options.filter((o) => answer !== '' && o.startsWith(answer));
        const chosen = options.find((o) => o === answer) ?? (prefixed.length === 1 ? prefixed[0] : undefined);
        if (chosen) return chosen;
        output.write(`  please answer one of: ${options.join(', ')}\n`);
      }
    },
    close: () => rl.close(),
  };
}
