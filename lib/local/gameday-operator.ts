import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { LocalGameDayScenario } from './gameday-faults';
import { AURORA_POSTGRESQL, type LocalEngine } from './local-engines';
import { LOCAL_STRATEGIES, unplannedStrategies } from './local-strategies';

/** The runbook decisions a game day can ask of the operator. */
export const DECISIONS = {
  preflight: { question: 'Read the preflight. Is the primary down?', options: ['yes', 'no'] },
  strategy: { question: 'Choose the recovery strategy', options: [...LOCAL_STRATEGIES] },
  approval: { question: 'Approve the failover?', options: ['approve', 'abort'] },
  verify: { question: 'Read the validation and verification. Is the service back?', options: ['yes', 'no'] },
  detection: {
    question: 'Read the security detections. Was there an attempt on the recovery points?',
    options: ['yes', 'no'],
  },
  intact: {
    question: 'Read the recovery-point check. Is every recovery point intact (it restores and validates)?',
    options: ['yes', 'no'],
  },
  source: {
    question: 'The recovery store is declared lost. Restore from which store?',
    options: ['isolated-copy', 'recovery-store'],
  },
} as const;
export type DecisionId = keyof typeof DECISIONS;
export type Decisions = Record<DecisionId, { readonly question: string; readonly options: readonly string[] }>;

/**
 * The decisions of a game day of `scenario` that rehearses `engine`: its strategies are those that answer a lost
 * primary on that engine; a cluster's point-in-time restore is in its own region, so not when the region is lost.
 */
export function decisionsFor(scenario: LocalGameDayScenario, engine: LocalEngine | undefined): Decisions {
  const strategies = unplannedStrategies(engine).filter((s) => !regionLost(scenario, engine) || s !== 'point-in-time');
  return { ...DECISIONS, strategy: { ...DECISIONS.strategy, options: strategies } };
}

const regionLost = (scenario: LocalGameDayScenario, engine: LocalEngine | undefined) =>
  engine === AURORA_POSTGRESQL && scenario === 'primary-region-unreachable';

/** The decisions each scenario asks, in the order it asks them. */
export const SCENARIO_DECISIONS: Record<LocalGameDayScenario, readonly DecisionId[]> = {
  'primary-instance-failure': ['preflight', 'strategy', 'approval', 'verify'],
  'primary-region-unreachable': ['preflight', 'strategy', 'approval', 'verify'],
  'recovery-point-deletion-attempt': ['detection', 'intact'],
  'isolated-copy-restore': ['source', 'verify'],
};

/** Someone (or something) that takes the runbook's decisions: a person at the terminal, or an answers file. */
export interface GameDayOperator {
  /** Show `context`, ask decision `id`, return one of its options. */
  decide(id: DecisionId, context: string): Promise<string>;
  close(): void;
}

/** The answers file of a scenario: exactly its decisions, each one of its options. */
function answersSchema(scenario: LocalGameDayScenario, engine: LocalEngine | undefined) {
  const decisions = decisionsFor(scenario, engine);
  return z.strictObject(
    Object.fromEntries(
      SCENARIO_DECISIONS[scenario].map((id) => {
        const options = decisions[id].options;
        const of =
          engine && id === 'strategy'
            ? `, the strategies that answer ${scenario} on ${whyThese(scenario, engine)}`
            : '';
        const error = () => `must be one of ${options.join(', ')}${of}`;
        return [id, z.enum(options as unknown as [string, ...string[]], { error })];
      }),
    ),
  );
}

/** Read and check an answers file; throws an `Error` naming every problem (the CLI turns it into exit 2). */
export async function readAnswersFile(
  file: string,
  scenario: LocalGameDayScenario,
  engine?: LocalEngine,
): Promise<Partial<Record<DecisionId, string>>> {
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
  const parsed = answersSchema(scenario, engine).safeParse(json);
  if (!parsed.success)
    throw new Error(
      `the answers file ${file} is not valid: ${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}. Expected ${answersExample(scenario, engine)}`,
    );
  return parsed.data as Partial<Record<DecisionId, string>>;
}

export function answersExample(scenario: LocalGameDayScenario, engine?: LocalEngine): string {
  const decisions = decisionsFor(scenario, engine);
  return JSON.stringify(Object.fromEntries(SCENARIO_DECISIONS[scenario].map((id) => [id, decisions[id].options[0]])));
}

function whyThese(scenario: LocalGameDayScenario, engine: LocalEngine): string {
  if (engine !== AURORA_POSTGRESQL) return 'an instance (--engine postgres)';
  return (
    `an Aurora cluster (--engine ${AURORA_POSTGRESQL}; a switchover is planned: it needs the primary` +
    `${regionLost(scenario, engine) ? "; a point-in-time restore is in the cluster's own region, which is lost" : ''})`
  );
}

/** Answers from a file (tests, CI): each decision is shown and answered at once. */
export function answersOperator(
  answers: Partial<Record<DecisionId, string>>,
  show: (text: string) => void,
  decisions: Decisions = DECISIONS,
): GameDayOperator {
  return {
    decide: async (id, context) => {
      const answer = answers[id];
      if (answer === undefined) throw new Error(`the answers file has no ${id} decision`);
      show(context);
      show(`? ${decisions[id].question} [${decisions[id].options.join('/')}] ${answer} (answers file)`);
      return answer;
    },
    close: () => undefined,
  };
}

/** A person at the terminal: the question on stderr, the answer typed on stdin; asks again until it is valid. */
export function terminalOperator(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  decisions: Decisions = DECISIONS,
): GameDayOperator {
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
      const { question, options } = decisions[id];
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
