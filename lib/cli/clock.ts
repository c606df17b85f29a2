/** The clock commands judge ages, due dates and report months by; tests set `now` to a fixed time. */
export const cliClock: { now: () => Date } = {
  now: () => new Date(),
};
