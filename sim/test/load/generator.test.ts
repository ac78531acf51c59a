import { ConfigError } from '@gwsim/common';
import { describe, expect, it } from 'vitest';
import { runLoad } from '../../src/load/generator.ts';
import type { LoadPlan, LoadProgress, MixEntry } from '../../src/load/load-types.ts';
import { FakeDriver, type FakeDriverOptions } from './support/fake-driver.ts';

const MIX: MixEntry[] = [{ name: 'call', weight: 1, dial: 'service', expect: 'CONNECTED' }];

function plan(p: Partial<LoadPlan>): LoadPlan {
  return { stages: [{ kind: 'constant', rate: 100, durationMs: 500 }], hold: { kind: 'fixed', ms: 0 }, mix: MIX, seed: 1, ...p };
}

function local(o?: FakeDriverOptions): { driver: FakeDriver; source: { kind: 'local'; create: () => Promise<FakeDriver> } } {
  const driver = new FakeDriver(o);
  return { driver, source: { kind: 'local', create: async () => driver } };
}

describe('runLoad with a fake driver', () => {
  it('follows the rate shape: started per interval by intended time, exact counts, achieved rate', async () => {
    const { driver, source } = local();
    const s = await runLoad(
      plan({
        stages: [
          { kind: 'constant', rate: 40, durationMs: 1000 },
          { kind: 'ramp', from: 40, to: 120, durationMs: 1000 },
        ],
        intervalMs: 500,
      }),
      source,
    );
    // 40 calls, then the ramp's integral N(t) = 40t + 40t²: 30 calls in its first half, 80 in all.
    expect(s.attempted).toBe(120);
    expect(s.succeeded).toBe(120);
    expect(s.failed).toBe(0);
    expect(s.throttled).toBe(0);
    expect(s.timeline.slice(0, 4).map((p) => p.started)).toEqual([20, 20, 30, 50]);
    expect(s.timeline.reduce((a, p) => a + p.started, 0)).toBe(120);
    expect(s.outcomes).toEqual({ CONNECTED: 120 });
    expect(s.asr).toBe(100);
    expect(s.byMix).toEqual({ call: { attempted: 120, succeeded: 120, failed: 0 } });
    // 119 gaps over ~2 s of starts: mean 60/s (loose: the machine is shared).
    expect(s.achievedRate).toBeGreaterThan(50);
    expect(s.achievedRate).toBeLessThan(70);
    expect(driver.closed).toBe(true);
    expect(s.plan).toMatchObject({ seed: 1, workers: 1, intervalMs: 500 });
  });

  it('caps concurrency and counts the excess as throttled', async () => {
    const { driver, source } = local({ setupMs: 1 });
    const s = await runLoad(plan({ stages: [{ kind: 'constant', rate: 100, durationMs: 1000 }], maxConcurrent: 5, hold: { kind: 'fixed', ms: 200 } }), source);
    expect(driver.maxActive).toBe(5);
    expect(s.attempted).toBe(100);
    // 5 slots of ~200 ms each over 1 s: about 25–30 started, the rest throttled.
    expect(s.throttled).toBeGreaterThanOrEqual(50);
    expect(s.succeeded + s.failed + s.throttled).toBe(s.attempted);
    expect(s.failed).toBe(0);
    expect(s.byMix.call!.attempted).toBe(100);
  });

  it('stops at maxCalls', async () => {
    const { driver, source } = local();
    const t = performance.now();
    const s = await runLoad(plan({ stages: [{ kind: 'constant', rate: 500, durationMs: 60_000 }], maxCalls: 50 }), source);
    expect(s.attempted).toBe(50);
    expect(driver.holds).toHaveLength(50);
    expect(performance.now() - t).toBeLessThan(10_000);
  });

  it('measures setup from the intended start: a driver that stalls shows the stall in setupMs', async () => {
    // The 20th call blocks the event loop for 300 ms; the ~30 calls due meanwhile start late, all at once.
    const { source } = local({ setupMs: 1, stall: { call: 20, ms: 300 } });
    const s = await runLoad(plan({ stages: [{ kind: 'constant', rate: 100, durationMs: 1000 }] }), source);
    expect(s.attempted).toBe(100);
    expect(s.setupMs.max).toBeGreaterThan(250);
    expect(s.setupMs.p50).toBeLessThan(100);
    expect(s.setupMs.p90).toBeGreaterThan(50); // ≥ 20 of 100 calls waited out part of the stall
    expect(s.setupMs.count).toBe(100);
  });

  it('an abort stops starting, hangs up calls in progress and still returns the summary', async () => {
    const { driver, source } = local({ setupMs: 1 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 500);
    const t = performance.now();
    const s = await runLoad(plan({ stages: [{ kind: 'constant', rate: 100, durationMs: 30_000 }], hold: { kind: 'fixed', ms: 60_000 } }), source, { signal: ac.signal });
    expect(performance.now() - t).toBeLessThan(5000);
    expect(s.attempted).toBeGreaterThan(20);
    expect(s.attempted).toBeLessThan(300);
    expect(s.succeeded).toBe(s.attempted); // hung up by us: connected, as expected
    expect(driver.active).toBe(0);
    expect(driver.closed).toBe(true);
  });

  it('calls that ignore the hang-up are counted aborted after the grace period', async () => {
    const { source } = local({ setupMs: 1, ignoreAbort: true });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const s = await runLoad(plan({ stages: [{ kind: 'constant', rate: 50, durationMs: 30_000 }], hold: { kind: 'fixed', ms: 60_000 } }), source, { signal: ac.signal, abortGraceMs: 100 });
    expect(s.attempted).toBeGreaterThan(5);
    expect(s.failed).toBe(s.attempted);
    expect(s.outcomes).toEqual({ ABORTED: s.attempted });
    expect(s.failures).toEqual({ aborted: s.attempted });
    expect(s.timeline.at(-1)!.active).toBe(0);
  });

  it('drains for at most drainMs after the last arrival, then hangs up', async () => {
    const { source } = local({ setupMs: 1 });
    const t = performance.now();
    const s = await runLoad(plan({ stages: [{ kind: 'constant', rate: 20, durationMs: 200 }], hold: { kind: 'fixed', ms: 60_000 }, drainMs: 300 }), source);
    expect(performance.now() - t).toBeLessThan(5000);
    expect(s.attempted).toBe(4);
    expect(s.succeeded).toBe(4);
  });

  it('chooses the weighted mix with the seed, samples a hold per call, judges each entry by its expectation', async () => {
    const mix: MixEntry[] = [
      { name: 'ok', weight: 3, dial: 'ok', expect: 'CONNECTED' },
      { name: 'nf', weight: 1, dial: 'nf', expect: 'MEETING_NOT_FOUND' },
      { name: 'bad', weight: 1, dial: 'bad', expect: 'CONNECTED', hold: { kind: 'fixed', ms: 7 } },
    ];
    const outcomeFor = (d: string) => (d === 'nf' || d === 'bad' ? 'MEETING_NOT_FOUND' : 'CONNECTED');
    const p = plan({ stages: [{ kind: 'constant', rate: 1000, durationMs: 500 }], mix, hold: { kind: 'uniform', minMs: 0, maxMs: 20 }, seed: 99 });
    const a = local({ outcomeFor });
    const s = await runLoad(p, a.source);
    expect(s.attempted).toBe(500);
    expect(s.byMix.ok!.attempted).toBeGreaterThan(240);
    expect(s.byMix.ok!.attempted).toBeLessThan(360);
    expect(s.byMix.nf!.failed).toBe(0);
    expect(s.byMix.bad!.succeeded).toBe(0);
    expect(s.failed).toBe(s.byMix.bad!.attempted);
    expect(s.failures).toEqual({ 'unexpected_outcome:MEETING_NOT_FOUND': s.byMix.bad!.attempted });
    const okHolds = a.driver.holds.filter((_, i) => a.driver.dials[i] === 'ok');
    expect(Math.min(...okHolds)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...okHolds)).toBeLessThan(20);
    expect(new Set(okHolds).size).toBeGreaterThan(100);
    expect(a.driver.holds.filter((_, i) => a.driver.dials[i] === 'bad').every((h) => h === 7)).toBe(true);
    // The same seed reproduces the same sequence of calls and holds.
    const b = local({ outcomeFor });
    await runLoad(p, b.source);
    expect(b.driver.dials).toEqual(a.driver.dials);
    expect(b.driver.holds).toEqual(a.driver.holds);
  });

  it('reports progress while it runs', async () => {
    const { source } = local();
    const seen: LoadProgress[] = [];
    await runLoad(plan({ stages: [{ kind: 'constant', rate: 100, durationMs: 1200 }] }), source, { progressEveryMs: 300, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.at(-1)!.attempted).toBeGreaterThan(seen[0]!.attempted);
    expect(seen.some((p) => p.rate > 50 && p.rate < 200)).toBe(true);
  });

  it('rejects a bad plan naming the field, and a local source with workers > 1', async () => {
    const { source } = local();
    await expect(runLoad(plan({ stages: [{ kind: 'constant', rate: -1, durationMs: 1000 }] }), source)).rejects.toThrow(ConfigError);
    await expect(runLoad(plan({ stages: [{ kind: 'constant', rate: -1, durationMs: 1000 }] }), source)).rejects.toThrow(/load\.stages\[0\]\.rate: must be a number of at least 0, got -1/);
    await expect(runLoad(plan({ workers: 2 }), source)).rejects.toThrow(/workers is 2, but a 'local' driver source cannot be sharded/);
  });
});
