/**
 * How the suite places a call and watches it, from the caller's side only: the final response with all its
 * headers (Reason, Warning, Retry-After), every RFC 3263 target tried, the marked media, the BYE and its
 * Reason, and the RTP that arrived (counted by sequence number, RFC 3550 §A.3).
 */
import { GwsimError } from '@gwsim/common';
import { dialTransport, EndpointMedia, parseDialString, VtcCall, type CallEnd } from '@gwsim/endpoint';
import type { MarkedState } from '@gwsim/media';
import type { SipResponse } from '@gwsim/sip';
import type { Caller } from './types.ts';

/** One RFC 3263 target tried, as `udp:127.0.0.11:5060`. */
export interface AttemptSeen {
  target: string;
  host: string | null;
  address: string;
  status: number;
  reason: string;
  /** Made up by our stack (timeout, transport failure), not received. */
  local: boolean;
}

/** What the caller saw of a dial. */
export interface DialSeen {
  dial: string;
  status: number;
  reason: string;
  callId: string;
  /** A header of the final response (null when absent or when the answer was made up locally). */
  header(name: string): string | null;
  attempts: AttemptSeen[];
  setupMs: number;
  call: VtcCall | null;
  /** The dial never produced an INVITE (DNS failure), with the error. */
  dnsError: string | null;
}

export interface DialOptions {
  signal: AbortSignal;
  /** CANCEL when no final answer arrives within this (default 15 s). */
  answerTimeoutMs?: number;
}

/** Place a call; resolves with what was seen. A DNS failure resolves with `dnsError`, status 0. */
export async function dial(caller: Caller, dialString: string, options: DialOptions): Promise<DialSeen> {
  const target = parseDialString(dialString);
  const ua = await caller.vtc.userAgent(dialTransport(target, caller.vtc.transport));
  const media = await EndpointMedia.open(caller.address);
  const invite = ua.invite({ uri: target.uri, from: caller.vtc.aor, fromDisplayName: caller.displayName, body: media.offer(caller.name) });
  const cancel = () => invite.cancel();
  const timer = setTimeout(cancel, options.answerTimeoutMs ?? 15_000);
  options.signal.addEventListener('abort', cancel, { once: true });
  let result;
  try {
    result = await invite.result;
  } catch (err) {
    await media.end();
    if (err instanceof GwsimError && err.code === 'GWSIM_ERR_DNS') {
      return { dial: dialString, status: 0, reason: '', callId: '', header: () => null, attempts: [], setupMs: 0, call: null, dnsError: err.message };
    }
    throw err;
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', cancel);
  }
  const response: SipResponse = result.response;
  const call = result.dialog ? new VtcCall(result.dialog, media, response.body.toString('utf8')) : null;
  if (!call) await media.end();
  const local = result.local;
  return {
    dial: dialString,
    status: result.status,
    reason: result.reason,
    callId: response.callId,
    header: (name) => (local ? null : (response.headers.get(name) ?? null)),
    attempts: result.attempts.map((a) => {
      const t = a.target as { transport: string; address: string; port: number; host?: string };
      return { target: `${t.transport}:${t.address}:${t.port}`, host: t.host ?? null, address: t.address, status: a.status, reason: a.reason, local: a.local };
    }),
    setupMs: result.setupMs,
    call,
    dnsError: null,
  };
}

/** `403 Forbidden (Reason: …) from udp:…` — the final answer as a failure message quotes it. */
export function describeAnswer(seen: DialSeen): string {
  if (seen.dnsError) return `no INVITE sent: ${seen.dnsError}`;
  const last = seen.attempts.at(-1);
  const reasonHeader = seen.header('Reason');
  const made = last?.local ? ' (made up locally: no answer)' : '';
  return `${seen.status} ${seen.reason}${made}${reasonHeader ? ` with Reason ${reasonHeader}` : ' without a Reason header'}${last ? ` from ${last.target}` : ''}`;
}

/** Resolves when the signal aborts (never rejects). */
function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** true once media of `state` has arrived; false when the call ends, the time passes or the case is stopped. */
export async function waitForMedia(call: VtcCall, state: MarkedState, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  return Promise.race([call.waitForMedia(state, timeoutMs), aborted(signal).then(() => false)]);
}

/** How the call ended, or null when it was still up after `timeoutMs`. */
export async function waitForEnd(call: VtcCall, timeoutMs: number, signal: AbortSignal): Promise<CallEnd | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
  try {
    return await Promise.race([call.ended, timeout, aborted(signal).then(() => null)]);
  } finally {
    clearTimeout(timer);
  }
}

/** The marked media states the caller received, `lobby → meeting`, or `none`. */
export function mediaSeen(call: VtcCall): string {
  const states = call.mediaStates.map((m) => m.state);
  return states.length ? states.join(' → ') : 'none';
}

/** Hang up if still up; never throws. */
export async function hangup(call: VtcCall | null): Promise<void> {
  if (!call) return;
  await call.hangup().catch(() => null);
}

/** RTP received on a call's port, counted by extended sequence number (RFC 3550 §A.1, §A.3). */
export class RtpReceiveCount {
  received = 0;
  #base = -1;
  #max = -1;
  #cycles = 0;
  #last = -1;

  constructor(call: VtcCall) {
    call.rtp.onRaw((packet) => {
      if (packet.length < 12) return;
      const seq = packet.readUInt16BE(2);
      this.received++;
      if (this.#last < 0) {
        this.#base = seq;
        this.#max = seq;
      } else {
        if (seq < this.#last && this.#last - seq > 0x8000) this.#cycles += 0x10000;
        this.#max = Math.max(this.#max, this.#cycles + seq);
      }
      this.#last = seq;
    });
  }

  /** Packets the sender sent in the window seen (first to highest sequence number). */
  get expected(): number {
    return this.#base < 0 ? 0 : this.#max - this.#base + 1;
  }

  /** Fraction of `expected` that never arrived (0 when nothing was expected). */
  get lossFraction(): number {
    const e = this.expected;
    return e === 0 ? 0 : Math.max(0, e - this.received) / e;
  }
}
