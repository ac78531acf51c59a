import { seededRandom } from '@gwsim/common';
import { describe, expect, it } from 'vitest';
import { nominalMean, sample, sampler } from '../../src/load/distributions.ts';
import type { Distribution } from '../../src/load/load-types.ts';

function draw(d: Distribution, n: number, seed = 7): number[] {
  const s = sampler(d, seededRandom(seed));
  return Array.from({ length: n }, () => s());
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};

describe('distributions', () => {
  it('fixed', () => {
    expect(draw({ kind: 'fixed', ms: 250 }, 5)).toEqual([250, 250, 250, 250, 250]);
  });

  it('uniform stays in [min, max] and has the mid-point mean', () => {
    const xs = draw({ kind: 'uniform', minMs: 0, maxMs: 50 }, 20_000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(50);
    expect(mean(xs)).toBeGreaterThan(24.5);
    expect(mean(xs)).toBeLessThan(25.5);
  });

  it('exponential has its mean and is cut at maxMs', () => {
    const xs = draw({ kind: 'exponential', meanMs: 100 }, 20_000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(mean(xs)).toBeGreaterThan(96);
    expect(mean(xs)).toBeLessThan(104);
    const capped = draw({ kind: 'exponential', meanMs: 100, maxMs: 150 }, 5000);
    expect(Math.max(...capped)).toBe(150);
    expect(capped.filter((x) => x === 150).length / 5000).toBeCloseTo(Math.exp(-1.5), 1);
  });

  it('normal has its mean and spread, and its clamps hold (never negative by default)', () => {
    const xs = draw({ kind: 'normal', meanMs: 1000, stddevMs: 100 }, 20_000);
    expect(mean(xs)).toBeGreaterThan(995);
    expect(mean(xs)).toBeLessThan(1005);
    expect(sd(xs)).toBeGreaterThan(97);
    expect(sd(xs)).toBeLessThan(103);
    const clamped = draw({ kind: 'normal', meanMs: 10, stddevMs: 100, maxMs: 50 }, 5000);
    expect(Math.min(...clamped)).toBe(0);
    expect(Math.max(...clamped)).toBe(50);
    const floored = draw({ kind: 'normal', meanMs: 100, stddevMs: 50, minMs: 80 }, 2000);
    expect(Math.min(...floored)).toBe(80);
  });

  it('a seed reproduces the sequence; another seed does not', () => {
    const d: Distribution = { kind: 'normal', meanMs: 100, stddevMs: 10 };
    expect(draw(d, 50, 3)).toEqual(draw(d, 50, 3));
    expect(draw(d, 50, 3)).not.toEqual(draw(d, 50, 4));
    expect(sample({ kind: 'uniform', minMs: 1, maxMs: 2 }, seededRandom(1))).toBe(sample({ kind: 'uniform', minMs: 1, maxMs: 2 }, seededRandom(1)));
  });

  it('nominal means', () => {
    expect(nominalMean({ kind: 'uniform', minMs: 10, maxMs: 30 })).toBe(20);
    expect(nominalMean({ kind: 'exponential', meanMs: 7 })).toBe(7);
  });
});
