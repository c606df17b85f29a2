import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { rxdr } from '../helpers/cli';
import { tempDir } from '../helpers/temp-dir';

/** Writes a game day's answers file in `dir`: a string as it is (to test what is not JSON), anything else as JSON. */
export function answersFile(dir: string, answers: unknown): string {
  const file = path.join(dir, 'answers.json');
  writeFileSync(file, typeof answers === 'string' ? answers : JSON.stringify(answers));
  return file;
}

/**
 * `rxdr gameday --local --scenario <scenario> --answers <answers> --prescriptions <n> --evidence-dir … --json`
 * (and `extra` arguments, such as `--lesson`) in a fresh directory: the result, that directory and the evidence
 * directory in it.
 */
export async function localGameDay(
  scenario: string,
  answers: unknown,
  options: { prescriptions: number; extra?: string[] },
): Promise<{ result: Awaited<ReturnType<typeof rxdr>>; dir: string; evidenceDir: string }> {
  const dir = tempDir('rxdr-gameday-');
  const evidenceDir = path.join(dir, 'evidence');
  const result = await rxdr(
    'gameday',
    '--local',
    '--scenario',
    scenario,
    '--answers',
    answersFile(dir, answers),
    '--prescriptions',
    String(options.prescriptions),
    '--evidence-dir',
    evidenceDir,
    ...(options.extra ?? []),
    '--json',
  );
  return { result, dir, evidenceDir };
}

/** A local game day that passed: exit 0 and no failure reason. Returns its evidence document. */
export function passedGameDay(result: Awaited<ReturnType<typeof rxdr>>) {
  const doc = JSON.parse(result.stdout);
  expect({ code: result.code, why: doc.failureReason }).toEqual({ code: 0 });
  expect(doc).toMatchObject({ kind: 'gameday', provider: 'local', result: 'passed' });
  return doc;
}

interface GameDayDocument {
  gameDay: {
    decisions: { id: string; correct: boolean }[];
    timeline: { name: string; sinceFaultSeconds?: number; detail?: string }[];
  };
}

/** Each decision of a game day as `[id, whether it was correct]`, in the order asked. */
export function scoredDecisions(doc: GameDayDocument): [string, boolean][] {
  return doc.gameDay.decisions.map((d) => [d.id, d.correct]);
}

/** Seconds from the fault to each milestone reached, by milestone name. */
export function secondsSinceFault(doc: GameDayDocument): Record<string, number | undefined> {
  return Object.fromEntries(doc.gameDay.timeline.map((m) => [m.name, m.sinceFaultSeconds]));
}
