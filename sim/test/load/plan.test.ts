import { describe, expect, it } from 'vitest';
import { MixPicker, resolvePlan } from '../../src/load/plan.ts';

const good = { stages: [{ kind: 'constant', rate: 10, durationMs: 1000 }], hold: { kind: 'fixed', ms: 100 }, mix: [{ name: 'a', weight: 1, dial: 'x', expect: 'CONNECTED' }], seed: 1 };

describe('load plan validation', () => {
  it('fills in the defaults', () => {
    expect(resolvePlan(good)).toMatchObject({ workers: 1, intervalMs: 1000, drainMs: 35_100 });
    expect(resolvePlan({ ...good, hold: { kind: 'exponential', meanMs: 1000 } }).drainMs).toBe(39_000);
    expect(resolvePlan({ ...good, drainMs: 0 }).drainMs).toBe(0);
  });

  it.each([
    [{ ...good, stages: [] }, /^load\.stages: must be a non-empty array/],
    [{ ...good, stages: [{ kind: 'steady', rate: 1, durationMs: 1 }] }, /^load\.stages\[0\]\.kind: must be one of 'constant', 'ramp', 'poisson', got "steady"/],
    [{ ...good, stages: [{ kind: 'ramp', from: 1, durationMs: 1 }] }, /^load\.stages\[0\]\.to: is required/],
    [{ ...good, stages: [{ kind: 'constant', rate: 1, durationMs: 0 }] }, /^load\.stages\[0\]\.durationMs: must be a number greater than 0, got 0/],
    [{ ...good, stages: [{ kind: 'poisson', rate: 1, durationMs: 1, from: 2 }] }, /^load\.stages\[0\]\.from: unknown field/],
    [{ ...good, maxCalls: 1.5 }, /^load\.maxCalls: must be an integer of at least 1/],
    [{ ...good, maxConcurrent: 0 }, /^load\.maxConcurrent: must be an integer of at least 1/],
    [{ ...good, hold: { kind: 'uniform', minMs: 50, maxMs: 10 } }, /^load\.hold\.maxMs: must be a number of at least 50, got 10/],
    [{ ...good, hold: { kind: 'exponential', meanMs: 0 } }, /^load\.hold\.meanMs: must be a number greater than 0/],
    [{ ...good, mix: [] }, /^load\.mix: must be a non-empty array/],
    [{ ...good, mix: [{ name: 'a', weight: 0, dial: 'x', expect: 'CONNECTED' }] }, /^load\.mix: the weights must add up to more than 0/],
    [{ ...good, mix: [good.mix[0], good.mix[0]] }, /^load\.mix\[1\]\.name: must be unique, 'a' is used twice/],
    [{ ...good, mix: [{ ...good.mix[0], dial: '' }] }, /^load\.mix\[0\]\.dial: must be a non-empty string/],
    [{ ...good, mix: [{ ...good.mix[0], hold: { kind: 'normal', meanMs: 1 } }] }, /^load\.mix\[0\]\.hold\.stddevMs: is required/],
    [{ ...good, seed: 'x' }, /^load\.seed: must be an integer/],
    [{ ...good, workers: 65 }, /^load\.workers: must be an integer from 1 to 64, got 65/],
    [{ ...good, intervalMs: 5 }, /^load\.intervalMs: must be an integer of at least 10/],
    [{ ...good, rate: 5 }, /^load\.rate: unknown field \(allowed fields: stages, maxCalls/],
  ])('rejects %j', (p, message) => {
    expect(() => resolvePlan(p)).toThrow(message);
  });

  it('picks mix entries by cumulative weight; a weight of 0 is never picked', () => {
    const m = new MixPicker([
      { name: 'a', weight: 1, dial: 'a', expect: 'CONNECTED' },
      { name: 'z', weight: 0, dial: 'z', expect: 'CONNECTED' },
      { name: 'b', weight: 3, dial: 'b', expect: 'CONNECTED' },
    ]);
    expect([0, 0.2499, 0.25, 0.9999].map((u) => m.pick(u))).toEqual([0, 0, 2, 2]);
  });
});
