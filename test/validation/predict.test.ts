import { measuredThroughput, predictDrillFit, predictValidation } from '../../engines/validation/chunks/predict';

/** Throughput measured by bench:validate at 1 M prescriptions (1.38 GB hashed in 5.18 s over 2 connections). */
const MEASURED = measuredThroughput(1.38e9, 5.18, 2);
const TB = 1e12;
const assumptions = {
  hashBytesPerSecond: MEASURED,
  hydrationBytesPerSecond: 64e6,
  instanceBytesPerSecond: 1000e6,
};

describe('predictValidation', () => {
  test('1 TB at parallelism 16 is validated within 2 h, no invocation over 5 minutes', () => {
    const p = predictValidation(TB, 16, assumptions);
    expect(p.chunks).toBe(Math.ceil(TB / 2 ** 31));
    expect(p.wallSeconds).toBeLessThan(7200);
    expect(p.maxInvocationSeconds).toBeLessThanOrEqual(300);
  });

  test('wall time falls with parallelism until the instance throughput caps it; one connection takes many hours', () => {
    const walls = [1, 8, 16, 32].map((n) => predictValidation(TB, n, assumptions).wallSeconds);
    expect(walls[0]).toBeGreaterThan(4 * 3600);
    expect(walls[1]).toBeLessThan(walls[0] ?? 0);
    expect(walls[2]).toBeLessThan(walls[1] ?? 0);
    const capped = predictValidation(TB, 32, { ...assumptions, instanceBytesPerSecond: 200e6 });
    expect(capped.wallSeconds).toBeGreaterThanOrEqual(TB / 200e6);
  });

  test('Lambda cost is the invocation seconds priced per GB-second plus requests', () => {
    const p = predictValidation(4 * 2 ** 31, 2, {
      hashBytesPerSecond: 2 ** 31 / 98,
      invocationOverheadSeconds: 2,
      wholeTableStepSeconds: 100,
      lambdaMemoryMb: 2048,
      usdPerGbSecond: 0.01,
      usdPerRequest: 0.1,
    });
    // 4 chunks of 100 s and a 100 s whole-table step, 2 GB each, at 0.01 per GB-second; 5 requests at 0.1.
    expect(p).toEqual({ parallelism: 2, chunks: 4, wallSeconds: 300, maxInvocationSeconds: 100, lambdaCostUsd: 10.5 });
  });

  test('bad input is refused with the value named', () => {
    expect(() => predictValidation(TB, 0, assumptions)).toThrow(/parallelism must be a whole number >= 1, got 0/);
    expect(() => predictValidation(TB, 1, { hashBytesPerSecond: 0 })).toThrow(
      /hash throughput must be positive, got 0/,
    );
  });
});

describe('predictDrillFit', () => {
  test('a drill that cannot fit its budget or the RTO target says so before it starts, with the figures', () => {
    const fit = predictDrillFit({
      databaseBytes: TB,
      parallelism: 1,
      restoreSeconds: 1800,
      assumptions,
      budgetSeconds: 4 * 3600,
      rtoTargetSeconds: 3600,
    });
    expect(fit.fits).toBe(false);
    expect(fit.problems).toHaveLength(2);
    expect(fit.problems[0]).toMatch(/exceeds the drill's time budget of 14400 s/);
    expect(fit.problems[1]).toMatch(
      /restore 1800 s \+ validation \d+ s of 466 chunks at parallelism 1.*RTO target of 3600 s/,
    );
  });

  test('the same drill fits at parallelism 16 within a 4 h budget', () => {
    const fit = predictDrillFit({
      databaseBytes: TB,
      parallelism: 16,
      restoreSeconds: 1800,
      assumptions,
      budgetSeconds: 4 * 3600,
    });
    expect(fit).toMatchObject({ fits: true, problems: [] });
    expect(fit.predictedSeconds).toBe(1800 + fit.validation.wallSeconds);
  });
});
