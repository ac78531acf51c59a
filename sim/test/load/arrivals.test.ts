import { describe, expect, it } from 'vitest';
import { ArrivalSchedule, arrivalTimes, expectedCalls, rampTime } from '../../src/load/arrivals.ts';
import type { ArrivalStage } from '../../src/load/load-types.ts';

function monotonic(ts: number[]): boolean {
  return ts.every((t, i) => i === 0 || t >= ts[i - 1]!);
}

describe('arrivals', () => {
  it('a constant stage places rate × duration calls at exact multiples of 1000/rate', () => {
    const ts = arrivalTimes([{ kind: 'constant', rate: 100, durationMs: 2000 }], 1);
    expect(ts).toHaveLength(200);
    expect(ts[0]).toBe(0);
    expect(ts[1]).toBeCloseTo(10, 9);
    expect(ts[199]).toBeCloseTo(1990, 9);
    expect(ts.every((t, i) => Math.abs(t - i * 10) < 1e-9)).toBe(true);
  });

  it('a fractional count rounds up (the stage starts its first call at its start)', () => {
    expect(arrivalTimes([{ kind: 'constant', rate: 3, durationMs: 1000 }], 1)).toEqual([0, 1000 / 3, 2000 / 3]);
    expect(arrivalTimes([{ kind: 'constant', rate: 1.5, durationMs: 1000 }], 1)).toHaveLength(2);
  });

  it('stages run one after another, each counting from its own start; a rate of 0 is a pause', () => {
    const stages: ArrivalStage[] = [
      { kind: 'constant', rate: 10, durationMs: 1000 },
      { kind: 'constant', rate: 0, durationMs: 500 },
      { kind: 'constant', rate: 20, durationMs: 1000 },
    ];
    const ts = arrivalTimes(stages, 1);
    expect(ts).toHaveLength(30);
    expect(ts.filter((t) => t < 1000)).toHaveLength(10);
    expect(ts.filter((t) => t >= 1000 && t < 1500)).toHaveLength(0);
    expect(ts.filter((t) => t >= 1500)).toHaveLength(20);
    expect(ts[10]).toBe(1500);
    expect(monotonic(ts)).toBe(true);
    expect(new ArrivalSchedule(stages, 1).durationMs).toBe(2500);
    expect(expectedCalls(stages)).toBe(30);
  });

  it('a ramp integrates its rate: call k starts where from·t + (to−from)·t²/2D = k', () => {
    const stage: ArrivalStage = { kind: 'ramp', from: 0, to: 100, durationMs: 10_000 };
    const ts = arrivalTimes([stage], 1);
    // ∫ rate = (0 + 100) / 2 × 10 s = 500 calls.
    expect(ts).toHaveLength(500);
    expect(expectedCalls([stage])).toBe(500);
    for (const k of [1, 7, 123, 499]) {
      const t = ts[k]! / 1000;
      expect(0 * t + (100 * t * t) / (2 * 10)).toBeCloseTo(k, 6);
    }
    expect(monotonic(ts)).toBe(true);
    // The rate grows: the first second has far fewer calls than the last (∫0..1 = 5, ∫9..10 = 95).
    expect(ts.filter((t) => t < 1000)).toHaveLength(5);
    expect(ts.filter((t) => t >= 9000)).toHaveLength(95);
  });

  it('a falling ramp and a flat ramp', () => {
    const down = arrivalTimes([{ kind: 'ramp', from: 100, to: 0, durationMs: 2000 }], 1);
    expect(down).toHaveLength(100);
    expect(down.filter((t) => t < 1000)).toHaveLength(75);
    expect(monotonic(down)).toBe(true);
    const flat = arrivalTimes([{ kind: 'ramp', from: 50, to: 50, durationMs: 1000 }], 1);
    expect(flat).toEqual(arrivalTimes([{ kind: 'constant', rate: 50, durationMs: 1000 }], 1).map((t) => expect.closeTo(t, 9)));
    expect(rampTime(0, 0, 1000, 0)).toBe(Infinity);
    expect(rampTime(10, 0, 1000, 5)).toBe(1000); // exactly where the falling ramp's integral ends
  });

  it('a Poisson stage has the right mean for a fixed seed, exponential gaps, and reproduces from its seed', () => {
    const stage: ArrivalStage = { kind: 'poisson', rate: 200, durationMs: 50_000 };
    const ts = arrivalTimes([stage], 42);
    // Expected 10,000 arrivals, standard deviation √10,000 = 100: ±4σ.
    expect(ts.length).toBeGreaterThan(10_000 - 400);
    expect(ts.length).toBeLessThan(10_000 + 400);
    expect(monotonic(ts)).toBe(true);
    const gaps = ts.slice(1).map((t, i) => t - ts[i]!);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(mean).toBeGreaterThan(5 * 0.96);
    expect(mean).toBeLessThan(5 * 1.04);
    // Exponential: the share of gaps below the mean is 1 − 1/e ≈ 0.632.
    expect(gaps.filter((g) => g < 5).length / gaps.length).toBeCloseTo(1 - Math.exp(-1), 1);
    expect(arrivalTimes([stage], 42)).toEqual(ts);
    expect(arrivalTimes([stage], 43)).not.toEqual(ts);
    expect(expectedCalls([stage])).toBe(10_000);
  });

  it('next() returns Infinity after the last stage, and keeps doing so', () => {
    const s = new ArrivalSchedule([{ kind: 'constant', rate: 2, durationMs: 1000 }], 1);
    expect([s.next(), s.next(), s.next(), s.next()]).toEqual([0, 500, Infinity, Infinity]);
  });
});
