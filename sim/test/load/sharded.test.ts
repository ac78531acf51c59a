import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { runLoad } from '../../src/load/generator.ts';
import type { LoadPlan, LoadProgress } from '../../src/load/load-types.ts';
import { shardCap, shardDriverOptions } from '../../src/load/sharded.ts';
import { countingUas } from './support/counting-uas.ts';

/** Sharding over worker threads (each loads the .ts worker through tsx), against our own UAS on 127.0.42.x. */
const UAS = '127.0.42.2';
const OURS = '127.0.42.1';

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

function plan(p: Partial<LoadPlan> = {}): LoadPlan {
  return { stages: [{ kind: 'constant', rate: 100, durationMs: 1500 }], hold: { kind: 'uniform', minMs: 0, maxMs: 20 }, mix: [{ name: 'a', weight: 3, dial: 'a', expect: 'CONNECTED' }, { name: 'b', weight: 1, dial: 'b', expect: 'REJECTED_486' }], seed: 5, workers: 2, ...p };
}

describe('sharded load', () => {
  it('splits the concurrency cap and the local ports between shards', () => {
    expect([0, 1, 2].map((i) => shardCap(10, i, 3))).toEqual([4, 3, 3]);
    expect(shardCap(undefined, 0, 2)).toBeUndefined();
    const o = { target: { address: UAS, port: 5060, transport: 'udp' as const }, local: { address: OURS, port: 6000 } };
    expect(shardDriverOptions(o, 2).local).toEqual({ address: OURS, port: 6002 });
    expect(shardDriverOptions({ ...o, local: { address: OURS } }, 1).local).toEqual({ address: OURS, port: 0 });
  });

  it('two workers place every arrival once; counts, mix, timeline and progress merge', async () => {
    const { ua, seen, sources } = await countingUas(UAS, (inv) => {
      if (inv.request.uri.startsWith('sip:b@')) inv.reject(486, 'Busy Here');
      else void inv.accept({ body: 'v=0\r\n' }).catch(() => {});
    });
    open.push(ua);
    const progress: LoadProgress[] = [];
    const s = await runLoad(plan(), { kind: 'sip-uac', options: { target: { address: UAS, port: ua.transport.local.port, transport: 'udp' }, local: { address: OURS } } }, { progressEveryMs: 500, onProgress: (p) => progress.push(p), warmUpCalls: 200 });
    expect(s.attempted).toBe(150);
    expect(s.failed).toBe(0);
    expect(s.succeeded).toBe(150);
    expect(seen.size).toBe(150);
    expect(sources.size).toBe(2); // each worker its own socket
    expect(s.byMix.a!.attempted + s.byMix.b!.attempted).toBe(150);
    expect(s.byMix.b!.attempted).toBeGreaterThan(15);
    expect(s.outcomes).toEqual({ CONNECTED: s.byMix.a!.attempted, REJECTED_486: s.byMix.b!.attempted });
    expect(s.asr).toBeCloseTo((100 * s.byMix.a!.attempted) / 150, 6);
    expect(s.timeline.reduce((a, b) => a + b.started, 0)).toBe(150);
    expect(s.timeline[0]!.started).toBe(100);
    expect(s.timeline[0]!.setupP50).toBeGreaterThan(0);
    expect(s.setupMs.count).toBe(150);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.at(-1)!.attempted).toBeGreaterThan(0);
  }, 60_000);

  it('a worker that cannot bind fails the run with its reason', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, OURS, r));
    open.push({ close: () => new Promise<void>((r) => sock.close(() => r())) });
    const taken = sock.address().port;
    // Shard 0 gets port `taken` (in use), shard 1 gets taken + 1.
    await expect(runLoad(plan(), { kind: 'sip-uac', options: { target: { address: UAS, port: 5060, transport: 'udp' }, local: { address: OURS, port: taken } } }, { warmUpCalls: 0 })).rejects.toThrow(/load worker 0: cannot bind UDP 127\.0\.42\.1:\d+/);
  }, 60_000);
});
