import { describe, expect, it } from 'vitest';
import { runLoad } from '../../src/load/generator.ts';
import type { LoadPlan, LoadProgress } from '../../src/load/load-types.ts';
import { freeUdpPort, requireSipp, runSipp, sippRate, waitForUdpBound } from './support/sipp.ts';

/**
 * The load generator (our SIP UAC driver) against SIPp's built-in `uas` over UDP, an independent SIP
 * implementation that counts calls itself (`-trace_stat`, one row a second). SIPp exits after `-m` calls;
 * its exit code is 0 only when none failed. Addresses 127.0.40.1–6.
 */
const SDP_HOLD = { kind: 'uniform', minMs: 0, maxMs: 50 } as const;

function plan(rate: number, seconds: number, workers = 1): LoadPlan {
  return { stages: [{ kind: 'constant', rate, durationMs: seconds * 1000 }], hold: SDP_HOLD, mix: [{ name: 'uas', weight: 1, dial: 'service', expect: 'CONNECTED' }], seed: 7, workers, drainMs: 10_000 };
}

async function against(sippAddress: string, ourAddress: string, p: LoadPlan, calls: number) {
  requireSipp(); // in the test, not a hook: a missing SIPp fails the test rather than skipping it
  const port = await freeUdpPort(sippAddress);
  const sipp = runSipp(['-sn', 'uas', '-i', sippAddress, '-bind_local', '-p', String(port), '-m', String(calls), '-timeout', '80s', '-buff_size', String(4 * 1024 * 1024)], 100_000);
  try {
    await waitForUdpBound(sippAddress, port);
    const progress: LoadProgress[] = [];
    const summary = await runLoad(p, { kind: 'sip-uac', options: { target: { address: sippAddress, port, transport: 'udp' }, local: { address: ourAddress } } }, { onProgress: (x) => progress.push(x) });
    const stats = await sipp.done;
    return { summary, stats, progress };
  } catch (err) {
    sipp.kill();
    await sipp.done.catch(() => {});
    throw err;
  }
}

describe('interop: load generator → SIPp uas (UDP)', () => {
  it('holds 100 calls/s within 2 % for 30 s; SIPp counts the same 3,000 calls, none failed', async () => {
    const { summary: s, stats, progress } = await against('127.0.40.2', '127.0.40.1', plan(100, 30), 3000);
    const seen = sippRate(stats);
    console.log(
      `generator: ${s.attempted} attempted, ${s.succeeded} ok, ${s.failed} failed, achieved ${s.achievedRate.toFixed(2)} calls/s, setup p50 ${s.setupMs.p50} p99 ${s.setupMs.p99} max ${s.setupMs.max.toFixed(1)} ms; ` +
        `SIPp uas: ${stats.calls} calls, ${stats.successful} successful, ${stats.failed} failed, ${stats.retransmissions} retransmissions, rate it saw ${seen.toFixed(2)} calls/s`,
    );
    expect(stats.code, stats.output.slice(-3000)).toBe(0);
    expect(stats.failed).toBe(0);
    expect(stats.problems).toEqual({});
    expect(stats.successful).toBe(3000);
    expect(s.attempted).toBe(3000);
    expect(s.succeeded).toBe(stats.successful);
    expect(s.failed).toBe(0);
    expect(s.throttled).toBe(0);
    expect(s.outcomes).toEqual({ CONNECTED: 3000 });
    expect(s.asr).toBe(100);
    // The rate we offered (first to last actual start) and the rate SIPp saw, each within 2 %.
    expect(s.achievedRate).toBeGreaterThanOrEqual(98);
    expect(s.achievedRate).toBeLessThanOrEqual(102);
    expect(seen).toBeGreaterThanOrEqual(98);
    expect(seen).toBeLessThanOrEqual(102);
    expect(s.setupMs.count).toBe(3000);
    expect(s.timeline.filter((b) => b.t < 30_000).map((b) => b.started)).toEqual(Array(30).fill(100));
    expect(progress.length).toBeGreaterThanOrEqual(25);
  }, 120_000);

  it('sharded over 2 worker threads: 1,000 calls at 200/s, SIPp counts them all, none failed', async () => {
    const { summary: s, stats } = await against('127.0.40.4', '127.0.40.3', plan(200, 5, 2), 1000);
    console.log(`generator (2 workers): ${s.succeeded}/${s.attempted} ok, achieved ${s.achievedRate.toFixed(2)} calls/s; SIPp uas: ${stats.successful} successful, ${stats.failed} failed, rate it saw ${sippRate(stats).toFixed(2)}`);
    expect(stats.code, stats.output.slice(-3000)).toBe(0);
    expect(stats.successful).toBe(1000);
    expect(s.attempted).toBe(1000);
    expect(s.succeeded).toBe(1000);
    expect(s.failed).toBe(0);
    expect(s.plan).toMatchObject({ workers: 2 });
    expect(s.timeline.reduce((a, b) => a + b.started, 0)).toBe(1000);
    expect(s.setupMs.count).toBe(1000);
  }, 120_000);
});
