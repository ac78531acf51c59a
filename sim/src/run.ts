import { errorMessage, GwsimError, sleep, type Logger } from '@gwsim/common';
import { outcomeFromReason, outcomeFromResponse } from '@gwsim/node';
import type { LoadedScenario } from './scenario-file.ts';
import { Topology } from './topology.ts';

export interface CallReport {
  name: string;
  from: string;
  dial: string;
  expect: string;
  /** The outcome the caller observed (from the final response), or `ERROR`/`UNKNOWN`. */
  got: string;
  status: number;
  reason: string;
  ok: boolean;
  setupMs: number;
  /** Node the call reached (address:port of the answering attempt). */
  target: string | null;
  attempts: number;
  /** RTP packets the node received during the hold (connected calls). */
  rtpToNode: number | null;
  /** From the INVITE to the first meeting media (includes any lobby wait); null when never in the meeting. */
  meetingMs: number | null;
  /** The Reason of the node's BYE when an answered call ended before reaching the meeting. */
  byeReason: string | null;
  error?: string;
}

export interface RunReport {
  scenario: string;
  ok: boolean;
  durationMs: number;
  calls: CallReport[];
  byOutcome: Record<string, number>;
}

export interface RunOptions {
  logger: Logger;
  /** Called with each finished call (for progress output). */
  onCall?: (c: CallReport) => void;
  signal?: AbortSignal;
}

/** Expand `{meeting:label}` placeholders in a dial string to that meeting's 13-digit ID. */
export function expandDial(dial: string, meetings: Map<string, string>): string {
  return dial.replace(/\{meeting:([^}]+)\}/g, (_, label: string) => {
    const id = meetings.get(label);
    if (!id) throw new Error(`dial string refers to unknown meeting label "${label}"`);
    return id;
  });
}

/** Start the topology, register endpoints, place every call, and stop everything. */
export async function runScenario(loaded: LoadedScenario, options: RunOptions): Promise<RunReport> {
  const s = loaded.scenario;
  const started = Date.now();
  const topo = await Topology.start(loaded, options.logger);
  const calls: CallReport[] = [];
  try {
    for (const e of s.endpoints) {
      if (!e.register) continue;
      const res = await topo.endpoints.get(e.name)!.register(s.topology.dns.domain);
      if (res.status !== 200) throw new Error(`endpoint ${e.name} could not REGISTER: ${res.status} ${res.reason}`);
    }
    const rtpByCallId = new Map<string, number>();
    for (const n of topo.nodes) n.on('callEnded', (c) => c.rtp && rtpByCallId.set(c.sipCallId, c.rtp.packetsIn));
    await Promise.all(
      s.calls.map(async (c, i) => {
        await sleep(c.startAtMs ?? i * 100);
        if (options.signal?.aborted) return;
        const report = await placeCall(topo, c, i, rtpByCallId);
        calls[i] = report;
        options.onCall?.(report);
      }),
    );
  } finally {
    await topo.close();
  }
  const byOutcome: Record<string, number> = {};
  for (const c of calls.filter(Boolean)) byOutcome[c.got] = (byOutcome[c.got] ?? 0) + 1;
  const done = calls.filter(Boolean);
  return { scenario: s.name, ok: done.length === s.calls.length && done.every((c) => c.ok), durationMs: Date.now() - started, calls: done, byOutcome };
}

async function placeCall(topo: Topology, c: LoadedScenario['scenario']['calls'][number], i: number, rtpByCallId: Map<string, number>): Promise<CallReport> {
  const base = { name: c.name ?? `call-${i + 1}`, from: c.from, dial: c.dial, expect: c.expect };
  try {
    const dial = expandDial(c.dial, topo.meetings);
    const vtc = topo.endpoints.get(c.from)!;
    let r;
    try {
      r = await vtc.dial(dial);
    } catch (err) {
      if (err instanceof GwsimError && err.code === 'GWSIM_ERR_DNS') return { ...base, dial, got: 'DNS_FAILURE', status: 0, reason: err.message, ok: c.expect === 'DNS_FAILURE', setupMs: 0, target: null, attempts: 0, rtpToNode: null, meetingMs: null, byeReason: null };
      throw err;
    }
    const last = r.attempts.at(-1);
    let got: string = last?.local ? 'NO_RESPONSE' : (outcomeFromResponse(r.status, r.reason) ?? 'UNKNOWN');
    let rtpToNode: number | null = null;
    let meetingMs: number | null = null;
    let byeReason: string | null = null;
    const dialedAt = Date.now() - r.setupMs;
    if (r.call) {
      // 200 OK means the node answered, not that we are in the meeting: the media tells (lobby splash,
      // reception prompt, meeting), and a BYE with a Reason says why we never got there.
      if (c.dtmf) {
        if (!(await r.call.waitForMedia('reception', 5000))) throw new Error('answered, but no Virtual Reception prompt arrived');
        await r.call.sendDtmf(c.dtmf, c.dtmfMethod ?? 'rfc4733');
      }
      if (await r.call.waitForMedia('meeting', c.answerTimeoutMs ?? 15_000)) {
        meetingMs = Math.round(r.call.mediaStates.find((m) => m.state === 'meeting')!.at - dialedAt);
        r.call.startMedia();
        await sleep(c.holdMs ?? 1000);
        const bye = await r.call.hangup();
        if (bye && bye.status !== 200) throw new Error(`BYE answered ${bye.status} ${bye.reason}`);
        await sleep(20);
        rtpToNode = rtpByCallId.get(r.call.dialog.callId) ?? 0;
      } else {
        const end = await Promise.race([r.call.ended, sleep(1000).then(() => null)]);
        if (end?.by === 'remote') {
          byeReason = end.reason;
          got = outcomeFromReason(end.reason) ?? `BYE ${end.reason ?? 'without Reason'}`;
        }
        else {
          got = `NO_MEETING_MEDIA (last: ${r.call.mediaState ?? 'none'})`;
          await r.call.hangup();
        }
      }
    }
    return { ...base, dial, got, status: r.status, reason: r.reason, ok: got === c.expect, setupMs: Math.round(r.setupMs), target: last ? `${last.target.address}:${last.target.port}` : null, attempts: r.attempts.length, rtpToNode, meetingMs, byeReason };
  } catch (err) {
    return { ...base, got: 'ERROR', status: 0, reason: '', ok: false, setupMs: 0, target: null, attempts: 0, rtpToNode: null, meetingMs: null, byeReason: null, error: errorMessage(err) };
  }
}
