import { afterEach, describe, expect, it } from 'vitest';
import { TcpTransport, UserAgent } from '../src/index.ts';
import { freeTcpPort, requireSipp, runSipp, waitForTcpListener } from './support/sipp.ts';
import { SDP } from './support/transport-call.ts';

/**
 * SIPp (Debian sip-tester), an independent SIP implementation, against our stack over TCP (`-t t1`: one
 * connection carries every call): 2,000 calls at 250 calls/s each way, zero failures allowed.
 */
const CALLS = 2000;
const RATE = 250;

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

describe('interop: SIPp over TCP', () => {
  it(`SIPp's uac places ${CALLS} calls at ${RATE}/s to our UAS on a TcpTransport; none fails`, async () => {
    requireSipp(); // in the test, not a hook: a missing SIPp fails each test rather than skipping it
    const transport = await TcpTransport.create({ address: '127.0.21.41', port: 0 });
    let invites = 0;
    let acked = 0;
    let byes = 0;
    let first = 0;
    let last = 0;
    const connections = new Set<number>();
    const uas = new UserAgent({
      transport,
      onInvite: (inv) => {
        last = performance.now();
        if (invites++ % 100 === 0) for (const c of transport.dump().connections) connections.add(c.id);
        if (invites === 1) first = last;
        inv.accept({ body: SDP }).then(() => void acked++, () => {});
        inv.dialog?.on('terminated', (r) => r.cause === 'bye' && r.by === 'remote' && byes++);
      },
    });
    open.push(uas);
    const run = await runSipp(['-sn', 'uac', '-t', 't1', '-i', '127.0.21.40', '-bind_local', '-r', String(RATE), '-m', String(CALLS), '-l', '1000', '-timeout', '60s', '-timeout_error', `127.0.21.41:${transport.local.port}`], 90_000);
    const rate = ((invites - 1) * 1000) / (last - first);
    console.log(`SIPp uac -> our UAS over TCP: ${run.successful}/${run.created} calls ok, ${run.failed} failed, SIPp rate ${run.rate} cps, INVITE arrival rate ${rate.toFixed(1)} cps; our UAS: ${invites} INVITEs, ${acked} ACKed, ${byes} ended by BYE, over ${connections.size} connection(s)`);
    expect(run.code, run.output).toBe(0);
    expect(run.successful).toBe(CALLS);
    expect(run.failed).toBe(0);
    expect(invites).toBe(CALLS);
    expect(acked).toBe(CALLS);
    expect(byes).toBe(CALLS);
    expect(rate).toBeGreaterThanOrEqual(200);
    expect(connections.size).toBe(1); // -t t1: SIPp's one connection carried every call and every answer
  }, 120_000);

  it(`our UAC on a TcpTransport places ${CALLS} calls at ${RATE}/s to SIPp's uas; none fails`, async () => {
    requireSipp();
    const port = await freeTcpPort('127.0.21.43');
    const sipp = runSipp(['-sn', 'uas', '-t', 't1', '-i', '127.0.21.43', '-bind_local', '-p', String(port), '-m', String(CALLS), '-timeout', '60s', '-timeout_error'], 90_000);
    await waitForTcpListener('127.0.21.43', port);
    const transport = await TcpTransport.create({ address: '127.0.21.42', port: 0 });
    const uac = new UserAgent({ transport });
    open.push(uac);
    const destination = { address: '127.0.21.43', port };
    const statuses = new Map<string, number>();
    const count = (k: string) => statuses.set(k, (statuses.get(k) ?? 0) + 1);
    const one = async () => {
      const result = await uac.invite({ destination, uri: `sip:service@127.0.21.43:${port}`, from: 'sip:gwsim@127.0.21.42', body: SDP }).result;
      count(`INVITE ${result.status}`);
      if (!result.dialog) return;
      const bye = await result.dialog.bye();
      count(`BYE ${bye.status}`);
    };
    const calls: Array<Promise<void>> = [];
    const connections = new Set<number>();
    const start = performance.now();
    let lastStart = start;
    while (calls.length < CALLS) {
      // Start every call that is due (catching up after a late timer), then sleep until the next one.
      const due = Math.min(CALLS, Math.floor(((performance.now() - start) * RATE) / 1000) + 1);
      while (calls.length < due) calls.push(one());
      for (const c of transport.dump().connections) connections.add(c.id);
      lastStart = performance.now();
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(calls);
    const run = await sipp;
    const rate = ((CALLS - 1) * 1000) / (lastStart - start);
    console.log(`our UAC -> SIPp uas over TCP: ${JSON.stringify(Object.fromEntries(statuses))}, offered rate ${rate.toFixed(1)} cps; SIPp: ${run.successful}/${run.created} ok, ${run.failed} failed; over ${connections.size} connection(s)`);
    expect(run.code, run.output).toBe(0);
    expect(Object.fromEntries(statuses)).toEqual({ 'INVITE 200': CALLS, 'BYE 200': CALLS });
    expect(run.successful).toBe(CALLS);
    expect(run.failed).toBe(0);
    expect(rate).toBeGreaterThanOrEqual(200);
    expect(connections.size).toBe(1); // every call reused the one connection we opened
  }, 120_000);
});
