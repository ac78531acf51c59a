import { describe, expect, it } from 'vitest';
import { runLoad } from '../../src/load/generator.ts';
import type { LoadPlan, SipUacDriverOptions } from '../../src/load/load-types.ts';
import { freeUdpPort, requireSipp, runSipp, sippRate, waitForUdpBound } from './support/sipp.ts';

/**
 * The load generator with the lean UAC engine against SIPp's built-in `uas` over UDP: 2,000 calls at
 * 200 calls/s with no failure, counted by both sides; then with SIPp dropping 5 % of the packets it sends
 * and receives (`-lost 5`), where every call must still complete through retransmissions — ours (Timers A
 * and E, re-ACKing a retransmitted 2xx) and SIPp's (its 200, re-sent every 500 ms until our ACK or BYE).
 * SIPp counts a call as failed on a timeout or an unexpected message; its exit code is 0 only when none
 * failed. Addresses 127.0.67.10–13.
 */
const CALLS = 2000;
const RATE = 200;
/** Short retransmission timers keep the lossy run short (as packages/sip's SIPp interop test for our UAC). */
const LOSSY_TIMERS: SipUacDriverOptions['timers'] = { T1: 100, T2: 1000 };

function plan(): LoadPlan {
  return { stages: [{ kind: 'constant', rate: RATE, durationMs: (CALLS / RATE) * 1000 }], hold: { kind: 'uniform', minMs: 0, maxMs: 50 }, mix: [{ name: 'uas', weight: 1, dial: 'service', expect: 'CONNECTED' }], seed: 11, drainMs: 20_000 };
}

async function against(sippAddress: string, ourAddress: string, lost: number) {
  requireSipp(); // in the test, not a hook: a missing SIPp fails the test rather than skipping it
  const port = await freeUdpPort(sippAddress);
  const args = ['-sn', 'uas', '-i', sippAddress, '-bind_local', '-p', String(port), '-m', String(CALLS), '-recv_timeout', '20000', '-timeout', '60s', '-timeout_error', '-nd', '-buff_size', String(4 * 1024 * 1024)];
  if (lost) args.push('-lost', String(lost));
  const sipp = runSipp(args, 80_000);
  try {
    await waitForUdpBound(sippAddress, port);
    const options: SipUacDriverOptions = { target: { address: sippAddress, port, transport: 'udp' }, local: { address: ourAddress }, engine: 'lean', timers: lost ? LOSSY_TIMERS : undefined };
    const summary = await runLoad(plan(), { kind: 'sip-uac', options });
    const stats = await sipp.done;
    console.log(
      `lean engine → SIPp uas${lost ? ` (-lost ${lost})` : ''}: ${summary.succeeded}/${summary.attempted} ok, ${summary.failed} failed, achieved ${summary.achievedRate.toFixed(1)} calls/s, setup p50 ${summary.setupMs.p50} p99 ${summary.setupMs.p99} max ${summary.setupMs.max.toFixed(1)} ms; ` +
        `SIPp: ${stats.successful} successful, ${stats.failed} failed, ${stats.retransmissions} retransmissions, rate it saw ${sippRate(stats).toFixed(1)} calls/s, problems ${JSON.stringify(stats.problems)}`,
    );
    return { summary, stats };
  } catch (err) {
    sipp.kill();
    await sipp.done.catch(() => {});
    throw err;
  }
}

describe('interop: lean UAC engine → SIPp uas (UDP)', () => {
  it(`${CALLS} calls at ${RATE}/s: every one connected, SIPp counts the same, none failed`, async () => {
    const { summary: s, stats } = await against('127.0.67.11', '127.0.67.10', 0);
    expect(stats.code, stats.output.slice(-3000)).toBe(0);
    expect(stats.problems).toEqual({});
    expect(stats.successful).toBe(CALLS);
    expect(stats.failed).toBe(0);
    expect(stats.retransmissions).toBe(0);
    expect(s).toMatchObject({ attempted: CALLS, succeeded: CALLS, failed: 0, throttled: 0, outcomes: { CONNECTED: CALLS } });
    expect(s.achievedRate).toBeGreaterThanOrEqual(RATE * 0.98);
    expect(s.achievedRate).toBeLessThanOrEqual(RATE * 1.02);
    expect(sippRate(stats)).toBeGreaterThanOrEqual(RATE * 0.95);
  }, 120_000);

  it(`with SIPp dropping 5 % of its packets, all ${CALLS} calls still complete`, async () => {
    const { summary: s, stats } = await against('127.0.67.13', '127.0.67.12', 5);
    expect(stats.code, stats.output.slice(-3000)).toBe(0);
    expect(stats.successful).toBe(CALLS);
    expect(stats.failed).toBe(0);
    expect(stats.retransmissions).toBeGreaterThan(0);
    expect(s).toMatchObject({ attempted: CALLS, succeeded: CALLS, failed: 0, outcomes: { CONNECTED: CALLS } });
  }, 120_000);
});
