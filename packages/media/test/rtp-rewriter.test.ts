import { describe, expect, it } from 'vitest';
import { LatencyHistogram, readRtpHeader, RtpRewriter, writeRtpHeader } from '../src/index.ts';

function packet(ssrc: number, seq: number, ts: number, pt = 0, marker = false): Buffer {
  const b = Buffer.alloc(20);
  writeRtpHeader(b, { ssrc, sequenceNumber: seq, timestamp: ts, payloadType: pt, marker });
  return b;
}

describe('RtpRewriter (forwarding hop)', () => {
  it('rewrites SSRC, sequence, timestamp and payload type in place, keeping the marker and payload', () => {
    const rw = new RtpRewriter({ clockRate: 8000, ssrc: 0xcafe, payloadType: 8, initialSequence: 1000, initialTimestamp: 50_000 });
    const p = packet(1, 7, 160, 0, true);
    p[19] = 0x42;
    rw.rewrite(p, 0);
    expect(readRtpHeader(p)).toMatchObject({ ssrc: 0xcafe, sequenceNumber: 1000, timestamp: 50_000, payloadType: 8, marker: true });
    expect(p[19]).toBe(0x42);
    const q = packet(1, 8, 320);
    rw.rewrite(q, 20);
    expect(readRtpHeader(q)).toMatchObject({ sequenceNumber: 1001, timestamp: 50_160 });
  });

  it('keeps the output continuous when the input switches source: seq +1, timestamp + elapsed wall time', () => {
    const rw = new RtpRewriter({ clockRate: 8000, initialSequence: 65534, initialTimestamp: 0xffffff00 });
    for (let i = 0; i < 3; i++) rw.map(0xaaaa, 100 + i, 9000 + i * 160, i * 20); // lobby splash
    expect([rw.sequence, rw.timestamp]).toEqual([0, (0xffffff00 + 320) >>> 0]);
    rw.map(0xbbbb, 40_000, 123, 40 + 100); // meeting media arrives 100 ms after the last splash packet
    expect(rw.sequence).toBe(1);
    expect(rw.timestamp).toBe((0xffffff00 + 320 + 800) >>> 0);
    expect(rw.switches).toBe(2);
    rw.map(0xbbbb, 39_999, 123 - 160, 141); // a late, reordered packet maps just before, not after
    expect(rw.sequence).toBe(0);
    rw.map(0xbbbb, 40_001, 283, 160);
    expect(rw.sequence).toBe(2);
  });
});

describe('LatencyHistogram', () => {
  it('percentiles within 2 %, min/max/mean exact, merge adds samples', () => {
    const a = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) a.record(i / 10); // 0.1 .. 100 ms
    const s = a.summary()!;
    expect(s.count).toBe(1000);
    expect(s.minMs).toBe(0.1);
    expect(s.maxMs).toBe(100);
    expect(s.meanMs).toBeCloseTo(50.05, 6);
    expect(Math.abs(s.p50Ms / 50 - 1)).toBeLessThan(0.02);
    expect(Math.abs(s.p95Ms / 95 - 1)).toBeLessThan(0.02);
    expect(Math.abs(s.p99Ms / 99 - 1)).toBeLessThan(0.02);
    const b = new LatencyHistogram();
    for (let i = 0; i < 1000; i++) b.record(500);
    a.merge(b);
    expect(a.count).toBe(2000);
    expect(a.percentile(90)).toBeCloseTo(500, -1);
    expect(a.maxMs).toBe(500);
    expect(new LatencyHistogram().summary()).toBeNull();
    a.record(-1);
    expect(a.minMs).toBe(0);
  });
});
