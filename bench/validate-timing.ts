/** Timing helpers of the validation benchmark: best-of-N wall time, in milliseconds. */

/** Milliseconds as seconds, to the millisecond. */
export const seconds = (ms: number): number => Math.round(ms) / 1000;

/** A ratio rounded to `digits` decimals. */
export const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

export async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const result = await fn();
  return [performance.now() - t0, result];
}

export async function best(repeat: number, fn: () => Promise<unknown>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < repeat; i++) min = Math.min(min, (await timed(fn))[0]);
  return min;
}
