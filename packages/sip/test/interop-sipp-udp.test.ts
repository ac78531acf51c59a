import { afterEach, describe, expect, it } from 'vitest';
import { UdpTransport, UserAgent, type TimerOptions } from '../src/index.ts';
import { freeUdpPort, requireSipp, runSipp, waitForUdpBound, type SippRun } from './support/sipp.ts';

/**
 * SIPp (Debian sip-tester), an independent SIP implementation, against our stack over UDP: its built-in
 * `uac` against our UAS and our UAC against its built-in `uas`, 2,000 calls each at 250 calls/s with no
 * failed call; then again with SIPp dropping 5% of the packets it sends and receives (`-lost 5`), where
 * every call must still complete through retransmissions (ours: Timers A/E and the 2xx retransmission;
 * SIPp's: its `retrans` sends). SIPp counts a call as failed on a timeout (`-recv_timeout`, INVITE/BYE
 * retransmissions exhausted) or an unexpected message; its exit code is 0 only when none failed.
 */
const CALLS = 2000;
const RATE = 250;
/** Our UAC: shorter retransmission timers keep the lossy run short (defaults are 500 ms / 4 s). */
const LOSSY_UAC_TIMERS: TimerOptions = { T1: 100, T2: 1000 };
/**
 * Our UAS: T1 = T2 = 4 s, so our 2xx retransmissions (4, 8, 12 s…) come after SIPp's BYE and its
 * retransmissions (0.5, 1.5, 3.5 s). Why it matters: when SIPp loses its own ACK and its BYE, a retransmitted
 * 200 to the INVITE that reaches SIPp before its BYE gets through is taken by SIPp's built-in uac as the
 * answer to the BYE — it accepts a response whose CSeq method is any method it has sent so far
 * (`recv_response_for_cseq_method_list` in SIPp's call.cpp) — and SIPp ends the call on its side without
 * ever ACKing or BYEing it. That is a SIPp quirk, not a protocol failure, and with T1 = 750 ms it hit about
 * one run in five (ACK, BYE and one BYE retransmission lost: 0.05³ per call). With T1 = 4 s it needs five
 * losses in a row (3·10⁻⁷ per call). A 200 that SIPp drops is still recovered, 4 s later.
 */
const LOSSY_UAS_TIMERS: TimerOptions = { T1: 4000, T2: 4000 };
const SDP = 'v=0\r\no=gwsim 1 1 IN IP4 127.0.22.201\r\ns=-\r\nc=IN IP4 127.0.22.201\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

/**
 * Calls per second over the middle 90 % of INVITE arrivals: under loss a few first INVITEs arrive seconds
 * late (SIPp's retransmission), which says nothing about the rate SIPp offered.
 */
function arrivalRate(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  const lo = Math.floor(sorted.length * 0.05);
  const hi = Math.ceil(sorted.length * 0.95) - 1;
  return ((hi - lo) * 1000) / (sorted[hi]! - sorted[lo]!);
}

function report(what: string, run: SippRun, extra: string): void {
  console.log(`${what}: SIPp ${run.successful}/${run.created} calls ok, ${run.failed} failed, ${run.retransmissions} retransmissions, SIPp rate ${run.rate} cps; ${extra}`);
}

/** SIPp's uac → a UserAgent on UdpTransport answering every INVITE with 200 and SDP. */
async function sippToOurUas(local: string, sippAddress: string, lost: number, timers?: TimerOptions): Promise<void> {
  requireSipp(); // in the test, not a hook: a missing SIPp fails each test rather than skipping it
  const transport = await UdpTransport.create({ address: local, port: 0 });
  let invites = 0;
  let acked = 0;
  let byes = 0;
  const arrivals: number[] = [];
  const uas = new UserAgent({
    transport,
    timers,
    onInvite: (inv) => {
      invites++;
      arrivals.push(performance.now());
      inv.accept({ body: SDP }).then(
        (d) => {
          acked++;
          if (d.state === 'terminated') byes++; // the BYE overtook a lost ACK
          else d.on('terminated', (r) => r.by === 'remote' && r.cause === 'bye' && byes++);
        },
        () => {},
      );
    },
  });
  open.push(uas);
  const sippPort = await freeUdpPort(sippAddress);
  const args = ['-sn', 'uac', '-i', sippAddress, '-bind_local', '-p', String(sippPort), '-r', String(RATE), '-m', String(CALLS), '-l', '1000', '-recv_timeout', '20000', '-timeout', '55s', '-timeout_error', '-nd'];
  if (lost) args.push('-lost', String(lost));
  const run = await runSipp([...args, `${local}:${transport.local.port}`], 70_000);
  await new Promise((r) => setTimeout(r, 200)); // last BYEs
  const rate = arrivalRate(arrivals);
  report(`SIPp uac -> our UAS over UDP${lost ? ` (-lost ${lost})` : ''}`, run, `INVITE arrival rate ${rate.toFixed(1)} cps (middle 90 %); our UAS: ${invites} INVITEs (new transactions), ${acked} ACKed, ${byes} ended by BYE`);
  expect(run.code, run.output.slice(-3000)).toBe(0);
  expect(run.successful).toBe(CALLS);
  expect(run.failed).toBe(0);
  expect(invites).toBe(CALLS); // retransmitted INVITEs were absorbed by the transaction layer
  expect(byes).toBe(CALLS);
  if (!lost) expect(acked).toBe(CALLS);
  expect(rate).toBeGreaterThanOrEqual(200);
  if (lost) expect(run.retransmissions).toBeGreaterThan(0);
  expect(uas.dialogs).toHaveLength(0);
}

/** A small load driver: our UAC calls `invite` + `dialog.bye` at RATE calls/s against SIPp's uas. */
async function ourUacToSipp(local: string, sippAddress: string, lost: number, timers?: TimerOptions): Promise<void> {
  requireSipp();
  const port = await freeUdpPort(sippAddress);
  const args = ['-sn', 'uas', '-i', sippAddress, '-bind_local', '-p', String(port), '-m', String(CALLS), '-recv_timeout', '20000', '-timeout', '55s', '-timeout_error', '-nd'];
  if (lost) args.push('-lost', String(lost));
  const sipp = runSipp(args, 70_000);
  await waitForUdpBound(sippAddress, port);
  const uac = new UserAgent({ transport: await UdpTransport.create({ address: local, port: 0 }), timers });
  open.push(uac);
  const destination = { address: sippAddress, port };
  const statuses = new Map<string, number>();
  const count = (k: string) => statuses.set(k, (statuses.get(k) ?? 0) + 1);
  const one = async () => {
    const result = await uac.invite({ destination, uri: `sip:service@${sippAddress}:${port}`, from: `sip:gwsim@${local}`, body: SDP }).result;
    count(`INVITE ${result.status}`);
    if (!result.dialog) return;
    const bye = await result.dialog.bye();
    count(`BYE ${bye.status}`);
  };
  const calls: Array<Promise<void>> = [];
  const start = performance.now();
  let lastStart = start;
  while (calls.length < CALLS) {
    // Start every call that is due (catching up after a late timer), then sleep until the next one.
    const due = Math.min(CALLS, Math.floor(((performance.now() - start) * RATE) / 1000) + 1);
    while (calls.length < due) calls.push(one());
    lastStart = performance.now();
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(calls);
  const run = await sipp;
  const rate = ((CALLS - 1) * 1000) / (lastStart - start);
  report(`our UAC -> SIPp uas over UDP${lost ? ` (-lost ${lost})` : ''}`, run, `our UAC: ${JSON.stringify(Object.fromEntries(statuses))}, offered rate ${rate.toFixed(1)} cps`);
  expect(run.code, run.output.slice(-3000)).toBe(0);
  expect(Object.fromEntries(statuses)).toEqual({ 'INVITE 200': CALLS, 'BYE 200': CALLS });
  expect(run.successful).toBe(CALLS);
  expect(run.failed).toBe(0);
  expect(rate).toBeGreaterThanOrEqual(200);
  if (lost) expect(run.retransmissions).toBeGreaterThan(0);
}

describe('interop: SIPp over UDP', () => {
  it(`SIPp's uac places ${CALLS} calls at ${RATE}/s to our UAS; none fails`, () => sippToOurUas('127.0.22.201', '127.0.22.200', 0), 90_000);
  it(`our UAC places ${CALLS} calls at ${RATE}/s to SIPp's uas; none fails`, () => ourUacToSipp('127.0.22.202', '127.0.22.203', 0), 90_000);
  it(`with SIPp dropping 5% of its packets, all ${CALLS} calls from SIPp's uac still complete`, () => sippToOurUas('127.0.22.205', '127.0.22.204', 5, LOSSY_UAS_TIMERS), 90_000);
  it(`with SIPp dropping 5% of its packets, all ${CALLS} calls from our UAC still complete`, () => ourUacToSipp('127.0.22.206', '127.0.22.207', 5, LOSSY_UAC_TIMERS), 90_000);
});
