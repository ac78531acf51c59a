import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../src/load/histogram.ts';

describe('LatencyHistogram', () => {
  it('is all zeros when empty', () => {
    expect(new LatencyHistogram().percentiles()).toEqual({ count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 });
  });

  it('gives percentiles in ms with µs resolution (3 significant digits)', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 10); // 0.1 … 100 ms
    const p = h.percentiles();
    expect(p.count).toBe(1000);
    expect(p.min).toBe(0.1);
    expect(p.max).toBe(100);
    expect(p.mean).toBeCloseTo(50.05, 1);
    expect(p.p50).toBeCloseTo(50, 1);
    expect(p.p90).toBeCloseTo(90, 0);
    expect(p.p99).toBeCloseTo(99, 0);
    expect(Math.abs(p.p999 - 99.9) / 99.9).toBeLessThan(0.002);
    const fine = new LatencyHistogram();
    fine.record(0.0123);
    expect(fine.at(50)).toBeCloseTo(0.012, 3); // 12 µs
  });

  it('negative values count as 0; huge values are clamped to an hour', () => {
    const h = new LatencyHistogram();
    h.record(-5);
    h.record(10 * 3_600_000);
    expect(h.count).toBe(2);
    expect(h.at(0)).toBe(0);
    expect(h.at(100)).toBeCloseTo(3_600_000, -4);
  });

  it('merges by add and across an encode/decode round trip, keeping exact min and max', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 0; i < 500; i++) a.record(1 + i / 100);
    for (let i = 0; i < 500; i++) b.record(100 + i / 10);
    const whole = new LatencyHistogram();
    whole.add(a);
    whole.add(b);
    const viaWire = LatencyHistogram.decode(a.encode());
    viaWire.addEncoded(b.encode());
    expect(viaWire.percentiles()).toEqual(whole.percentiles());
    expect(whole.percentiles().count).toBe(1000);
    expect(whole.percentiles().min).toBe(1);
    expect(whole.percentiles().max).toBeCloseTo(149.9, 9);
    expect(whole.at(50)).toBeGreaterThan(5);
    expect(whole.at(50)).toBeLessThan(101);
    whole.reset();
    expect(whole.count).toBe(0);
    expect(LatencyHistogram.decode(new LatencyHistogram().encode()).count).toBe(0);
  });
});
