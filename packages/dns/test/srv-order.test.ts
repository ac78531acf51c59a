import { describe, expect, it } from 'vitest';
import { orderSrv } from '../src/index.ts';
import { mulberry32 } from './support/prng.ts';

const rec = (id: string, priority: number, weight: number) => ({ id, priority, weight });
const ids = (list: Array<{ id: string }>) => list.map((r) => r.id);

describe('orderSrv (RFC 2782 usage rules)', () => {
  it('orders by ascending priority and returns every record once', () => {
    const records = [rec('c', 30, 5), rec('a1', 10, 10), rec('b', 20, 0), rec('a2', 10, 10), rec('d', 0, 1)];
    const out = orderSrv(records, mulberry32(1));
    expect(out.map((r) => r.priority)).toEqual([0, 10, 10, 20, 30]);
    expect([...ids(out)].sort()).toEqual(['a1', 'a2', 'b', 'c', 'd']);
  });

  it('walks the running sums: random 0 takes the first record, random near 1 the last', () => {
    const records = [rec('w10', 10, 10), rec('w30', 10, 30), rec('w60', 10, 60)];
    expect(ids(orderSrv(records, () => 0))).toEqual(['w10', 'w30', 'w60']);
    expect(ids(orderSrv(records, () => 0.999999))).toEqual(['w60', 'w30', 'w10']);
  });

  // The RFC draws an integer uniformly from [0, total] and takes the first record whose running sum reaches
  // it, so with 10/30/60 the first pick has probabilities 11/101, 30/101, 60/101 (not exactly 10/30/60).
  // With N = 10 000 draws the standard error of a proportion is at most sqrt(0.25 / N) = 0.005; a tolerance
  // of 0.02 is 4 standard errors, so a correct implementation fails with probability < 1e-4 per seed, while
  // a bug that ignores weights (1/3 each) or shifts them by 5 points or more is far outside it.
  it('picks first in proportion to weight (10/30/60 over 10,000 picks) with a seeded random source', () => {
    const random = mulberry32(0xc0ffee);
    const records = [rec('w10', 10, 10), rec('w30', 10, 30), rec('w60', 10, 60)];
    const N = 10_000;
    const first: Record<string, number> = { w10: 0, w30: 0, w60: 0 };
    const last: Record<string, number> = { w10: 0, w30: 0, w60: 0 };
    for (let i = 0; i < N; i++) {
      const out = orderSrv(records, random);
      first[out[0]!.id]!++;
      last[out[2]!.id]!++;
    }
    expect(Math.abs(first.w10! / N - 11 / 101)).toBeLessThan(0.02);
    expect(Math.abs(first.w30! / N - 30 / 101)).toBeLessThan(0.02);
    expect(Math.abs(first.w60! / N - 60 / 101)).toBeLessThan(0.02);
    expect(last.w10).toBeGreaterThan(last.w30!); // the lightest record is most often tried last
    expect(last.w30).toBeGreaterThan(last.w60!);
  });

  // A caller walks the list in order (RFC 3263 §4.3), so "a lower priority is tried only after every higher
  // one failed" holds exactly when no record of a lower priority (larger number) comes before one of a higher
  // priority. Checked over 2 000 random record sets, weights 0 included, each with its own seed.
  it('never puts a lower priority before any record of a higher one (property, 2 000 random sets)', () => {
    const random = mulberry32(77);
    for (let n = 0; n < 2000; n++) {
      const size = 1 + Math.floor(random() * 8);
      const records = Array.from({ length: size }, (_, i) => rec(`r${i}`, [0, 10, 20, 65535][Math.floor(random() * 4)]!, Math.floor(random() * 3) * 50));
      const out = orderSrv(records, mulberry32(n));
      expect([...ids(out)].sort()).toEqual([...ids(records)].sort());
      for (let i = 1; i < out.length; i++) expect(out[i]!.priority).toBeGreaterThanOrEqual(out[i - 1]!.priority);
    }
  });

  // Weight 0 records go first in the list so that they are chosen only when the draw is exactly 0: 1 chance
  // in total + 1. With one weight-0 and one weight-10 record that is 1/11 ≈ 0.091 (same tolerance reasoning).
  it('gives weight-0 records the very small chance the RFC prescribes', () => {
    const random = mulberry32(42);
    const N = 20_000;
    let zeroFirst = 0;
    for (let i = 0; i < N; i++) if (orderSrv([rec('w10', 1, 10), rec('w0', 1, 0)], random)[0]!.id === 'w0') zeroFirst++;
    expect(Math.abs(zeroFirst / N - 1 / 11)).toBeLessThan(0.015);
  });

  it('spreads an all-zero-weight priority evenly instead of always starting with the first record', () => {
    const random = mulberry32(3);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 9000; i++) counts[orderSrv([rec('a', 0, 0), rec('b', 0, 0), rec('c', 0, 0)], random)[0]!.id]!++;
    for (const n of Object.values(counts)) expect(Math.abs(n / 9000 - 1 / 3)).toBeLessThan(0.03);
  });

  it('tolerates a random source outside [0, 1)', () => {
    const records = [rec('a', 1, 1), rec('b', 1, 2)];
    for (const bad of [1, 7, -1, NaN, Infinity]) expect([...ids(orderSrv(records, () => bad))].sort()).toEqual(['a', 'b']);
  });
});
