import { GwsimError, seededRandom } from '@gwsim/common';
import { outcomeFromReason, outcomeFromResponse } from '@gwsim/node';
import { deriveTimers, DEFAULT_TIMERS, type DerivedTimers, type SipRequest } from '@gwsim/sip';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { CallDriver, CallResult, MixEntry, SipUacDriverOptions } from './load-types.ts';
import { BYEING, Call, CALLING, GONE, HOLDING, LINGER, PROCEEDING } from './lean-uac-call.ts';
import { LeanMessages, responseTo, routeLines } from './lean-uac-messages.ts';
import { ResponseScanner, tagOf, uriOf, type ResponseHead } from './lean-uac-scan.ts';
import { SlotWheel } from './lean-uac-wheel.ts';
import { validateSipUacOptions } from './sip-uac-driver.ts';
import { classifyCall, FAILURES, LOAD_OUTCOMES, type CallObservation } from './taxonomy.ts';

/** What the lean engine counted besides the calls' results (for tests and benches). */
export interface LeanUacCounters {
  /** Datagrams that are not SIP (or lack a header needed to match them): dropped. */
  garbage: number;
  /** Responses that match no call or transaction of ours (or a 2xx of another fork): dropped. */
  stray: number;
  /** INVITE, CANCEL and BYE retransmissions sent (Timers A and E). */
  retransmissions: number;
  /** 2xx and non-2xx finals answered again with their ACK. */
  reAcks: number;
  /** Requests from the peer answered (BYE 200, 481, 501). */
  requests: number;
  /** Send failures (`transportErrors` of them were charged to a call in progress). */
  sendErrors: number;
  transportErrors: number;
  /** 'error' events of the socket itself (not send failures). */
  socketErrors: number;
}

const BUFFER_SIZE = 4 * 1024 * 1024;

/**
 * A second engine for the `sip-uac` load driver, SIPp-like: one UDP socket, requests built from
 * precomputed string pieces, responses matched by a scan of the few headers that matter, and one coarse
 * timer wheel for every retransmission and timeout instead of a transaction object and its timers per
 * request. It places exactly SipUacDriver's call — INVITE with the same SDP → provisionals → final; 2xx →
 * ACK (new branch, §13.2.2.4) → hold → BYE; 3xx–6xx → ACK in the INVITE transaction (§17.1.1.3) — and
 * classifies it with the same taxonomy.
 *
 * What it leaves out, compared with the full UA: UDP only, and every request goes to the configured target
 * (as to an outbound proxy; the Contact is only the Request-URI); no authentication (401/407 end the call),
 * no redirection or failover; a 2xx from another fork is dropped (not ACKed and BYEd); a 2xx retransmitted
 * after our BYE completed is dropped (the full UA re-ACKs for Timer M); strict routing (Record-Route
 * without `lr`) is not honoured; in-dialog requests other than BYE get 501, and answers go to the
 * datagram's source rather than the Via.
 */
export class LeanUacDriver implements CallDriver {
  readonly counters: LeanUacCounters = { garbage: 0, stray: 0, retransmissions: 0, reAcks: 0, requests: 0, sendErrors: 0, transportErrors: 0, socketErrors: 0 };
  readonly local: { address: string; port: number };
  readonly #socket: dgram.Socket;
  readonly #port: number;
  readonly #address: string;
  readonly #timers: DerivedTimers;
  readonly #wheel = new SlotWheel(10);
  readonly #calls = new Map<string, Call>();
  readonly #scanner = new ResponseScanner();
  readonly #random: () => number;
  readonly #messages: LeanMessages;
  readonly #callIdSuffix: string;
  /** The abort listener of each signal calls were placed with (the generator shares one among all its calls). */
  readonly #listeners = new Map<AbortSignal, () => void>();
  /** Calls of datagrams sent and not yet reported by the socket, in send order (dgram reports in order). */
  #sent: Array<Call | null> = new Array<Call | null>(1024).fill(null);
  #sentHead = 0;
  #sentCount = 0;
  #seq = 0;
  #closed = false;
  readonly #onSent = (err: Error | null) => this.#sendDone(err);

  private constructor(socket: dgram.Socket, o: SipUacDriverOptions) {
    this.#socket = socket;
    const local = socket.address();
    this.local = { address: local.address, port: local.port };
    this.#port = o.target.port;
    this.#address = o.target.address;
    const t = o.timers ?? {};
    this.#timers = deriveTimers({ T1: t.T1 ?? DEFAULT_TIMERS.T1, T2: t.T2 ?? DEFAULT_TIMERS.T2, T4: t.T4 ?? DEFAULT_TIMERS.T4 }, false);
    const seed = randomBytes(8);
    this.#random = seededRandom(seed.readUInt32BE(0));
    this.#callIdSuffix = `-${seed.readUInt32BE(4).toString(36)}@${local.address}`;
    this.#messages = new LeanMessages(this.local, o);
    socket.on('message', (buf, rinfo) => this.#onMessage(buf, rinfo));
    socket.on('error', () => void this.counters.socketErrors++);
  }

  /** Bind the socket (4 MiB buffers, as UdpTransport). Throws ConfigError for bad options or a TCP target. */
  static async create(options: SipUacDriverOptions): Promise<LeanUacDriver> {
    validateSipUacOptions({ ...options, engine: 'lean' });
    const { address, port = 0 } = options.local;
    const v6 = isIPv6(address);
    const socket = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', lookup: literalLookup(v6 ? 6 : 4) });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(new GwsimError('GWSIM_ERR_TRANSPORT', `cannot bind UDP ${address}:${port}: ${err.message}`, { cause: err }));
      socket.once('error', onError);
      socket.bind(port, address, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    try {
      socket.setRecvBufferSize(BUFFER_SIZE);
      socket.setSendBufferSize(BUFFER_SIZE);
    } catch {
      // The kernel may cap buffer sizes (net.core.rmem_max); the default still works.
    }
    return new LeanUacDriver(socket, options);
  }

  /** Calls in progress or lingering. */
  get size(): number {
    return this.#calls.size;
  }

  place(entry: MixEntry, holdMs: number, signal: AbortSignal): Promise<CallResult> {
    if (signal.aborted || this.#closed) return Promise.resolve({ outcome: LOAD_OUTCOMES.ABORTED, failure: FAILURES.ABORTED, status: 0, setupMs: 0, pddMs: 0, callId: '' });
    if (!this.#listeners.has(signal)) {
      const listener = () => this.#abortAll(signal);
      this.#listeners.set(signal, listener);
      signal.addEventListener('abort', listener, { once: true });
    }
    const key = `${(++this.#seq).toString(36)}.${((this.#random() * 4294967296) >>> 0).toString(36)}`; // unique by the counter, random across drivers
    const tag = ((this.#random() * 4294967296) >>> 0).toString(36);
    const call = new Call(this, key, tag, this.#messages.dial(entry.dial), entry, holdMs, signal, performance.now(), this.#callIdSuffix);
    const p = new Promise<CallResult>((resolve) => (call.resolve = resolve));
    this.#calls.set(call.callId, call);
    call.out = this.#messages.invite(call);
    // §17.1.1.2: Timer A from T1 (doubling), Timer B at 64·T1.
    call.interval = this.#timers.A;
    call.retransAt = call.start + call.interval;
    call.deadline = call.start + this.#timers.B;
    this.#send(call.out, call);
    this.#arm(call);
    return p;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wheel.close();
    for (const [signal, listener] of this.#listeners) signal.removeEventListener('abort', listener);
    this.#listeners.clear();
    for (const call of this.#calls.values()) {
      if (call.state !== LINGER) call.resolve({ outcome: LOAD_OUTCOMES.ABORTED, failure: FAILURES.ABORTED, status: call.status, setupMs: call.setupMs, pddMs: 0, callId: call.callId });
    }
    this.#calls.clear();
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  // ---- sending ----

  /**
   * One datagram, no promise. dgram reports sends in the order they were made (a callback per send; there is
   * no 'error' event for a failed send), so the ring `#sent` says which call a failure belongs to.
   */
  #send(buf: Buffer, call: Call | null): void {
    try {
      this.#socket.send(buf, this.#port, this.#address, this.#onSent);
    } catch {
      this.counters.sendErrors++; // the socket is closed
      if (call) this.#fault(call);
      return;
    }
    if (this.#sentCount === this.#sent.length) {
      // Full: unroll the ring into one twice as long.
      const grown = new Array<Call | null>(this.#sent.length * 2).fill(null);
      for (let i = 0; i < this.#sentCount; i++) grown[i] = this.#sent[(this.#sentHead + i) % this.#sent.length]!;
      this.#sent = grown;
      this.#sentHead = 0;
    }
    this.#sent[(this.#sentHead + this.#sentCount++) % this.#sent.length] = call;
  }

  #sendDone(err: Error | null): void {
    const call = this.#sent[this.#sentHead];
    this.#sent[this.#sentHead] = null;
    this.#sentHead = (this.#sentHead + 1) % this.#sent.length;
    this.#sentCount--;
    if (!err) return;
    this.counters.sendErrors++;
    if (call) this.#fault(call);
  }

  /** A send of `call` failed: an INVITE, CANCEL or BYE in progress ends now as a local 503 (§8.1.3.1, §17.1.4). */
  #fault(call: Call): void {
    if (call.state !== CALLING && call.state !== PROCEEDING && call.state !== BYEING) return;
    this.counters.transportErrors++;
    call.transportError = true;
    call.deadline = 0;
    this.#arm(call); // ends it from the wheel, not from inside a send
  }

  // ---- timers ----

  #arm(call: Call): void {
    const at = Math.min(call.retransAt, call.deadline);
    if (at === Infinity) this.#wheel.cancel(call);
    else this.#wheel.schedule(call, at);
  }

  /** Re-send the call's last request when its retransmission time has come; the interval doubles up to `cap`. */
  #retransmit(call: Call, now: number, cap: number): void {
    if (now < call.retransAt || !call.out) return;
    this.#send(call.out, call);
    this.counters.retransmissions++;
    call.interval = Math.min(call.interval * 2, cap);
    call.retransAt = Math.max(call.retransAt + call.interval, now + 1);
  }

  /** The call is over: off the wheel, its result delivered, its state dropped. */
  #end(call: Call): void {
    this.#wheel.cancel(call);
    this.#complete(call);
    this.#forget(call);
  }

  /** @internal The wheel's callback for `call` (its next retransmission or deadline may have come). */
  onTimer(call: Call, now: number): void {
    const t = this.#timers;
    switch (call.state) {
      case CALLING:
      case PROCEEDING:
        if (now >= call.deadline) {
          // Timer B (or the §9.1 wait after CANCEL): the UAC core's own 408, or 503 after a send failure (§8.1.3.1).
          call.status = call.transportError ? 503 : 408;
          call.reason = call.transportError ? 'Service Unavailable' : 'Request Timeout';
          call.local = true;
          call.setupMs = now - call.start;
          this.#end(call);
          return;
        }
        // INVITE (Timer A) doubles without a cap; CANCEL is a non-INVITE request (Timer E, capped at T2).
        this.#retransmit(call, now, call.state === CALLING ? Infinity : t.T2);
        break;
      case HOLDING:
        this.#bye(call, now);
        return;
      case BYEING:
        if (now >= call.deadline) {
          call.byeStatus = call.transportError ? 503 : 408; // Timer F
          this.#end(call);
          return;
        }
        this.#retransmit(call, now, t.T2); // Timer E, §17.1.2.2
        break;
      case LINGER:
        this.#forget(call);
        return;
      default:
        return;
    }
    this.#arm(call);
  }

  // ---- the call's steps ----

  /** §9.1: CANCEL only once a provisional arrived; the INVITE then gets 64·T1 to end (normally with 487). */
  #cancel(call: Call, now: number): void {
    call.out = this.#messages.cancel(call);
    this.#send(call.out, call);
    call.interval = this.#timers.E;
    call.retransAt = now + call.interval;
    call.deadline = now + this.#timers.F;
    this.#arm(call);
  }

  /** End the hold: BYE in the dialog (CSeq 2, new branch), retransmitted by Timer E until Timer F (§17.1.2.2). */
  #bye(call: Call, now: number): void {
    call.state = BYEING;
    call.out = this.#messages.bye(call);
    this.#send(call.out, call);
    call.interval = this.#timers.E;
    call.retransAt = now + call.interval;
    call.deadline = now + this.#timers.F;
    this.#arm(call);
  }

  #abortAll(signal: AbortSignal): void {
    const now = performance.now();
    for (const call of this.#calls.values()) {
      if (call.signal !== signal) continue;
      if (call.state === CALLING || call.state === PROCEEDING) {
        if (call.cancelWanted) continue;
        call.cancelWanted = true;
        if (call.state === PROCEEDING) this.#cancel(call, now); // else when a provisional comes (§9.1)
      } else if (call.state === HOLDING) {
        this.#bye(call, now);
      }
    }
  }

  #onInviteResponse(call: Call, r: ResponseHead, now: number): void {
    if (call.state === CALLING || call.state === PROCEEDING) {
      if (r.status < 200) {
        if (r.status > 100 && call.pdd < 0) call.pdd = now - call.start;
        if (call.state === CALLING) {
          // §17.1.1.2: any response stops Timer A; in Proceeding there is no Timer B.
          call.state = PROCEEDING;
          call.out = null;
          call.retransAt = Infinity;
          call.deadline = Infinity;
          if (call.cancelWanted) this.#cancel(call, now);
          else this.#wheel.cancel(call);
        }
        return;
      }
      const tag = r.status < 300 ? tagOf(r.to) : '';
      if (r.status < 300 && !tag) {
        this.counters.garbage++; // a 2xx without a To tag makes no dialog (§12.1.2): nothing to ACK or BYE
        return;
      }
      call.status = r.status;
      call.reason = r.reason;
      call.setupMs = now - call.start;
      call.retransAt = Infinity;
      if (r.status < 300) {
        call.remoteTag = tag;
        call.target = (r.contact && uriOf(r.contact)) || call.dial.uri;
        if (r.recordRoute.length) call.route = routeLines(r.recordRoute);
        this.#send(this.#messages.ack2xx(call), null); // a lost ACK is recovered by the 2xx retransmission
        if (call.holdMs <= 0 || call.cancelWanted || call.signal.aborted) return this.#bye(call, now);
        call.state = HOLDING;
        call.out = null;
        call.deadline = now + call.holdMs;
        this.#arm(call);
        return;
      }
      // §17.1.1.3: ACK a non-2xx final in its transaction (same branch and R-URI, the response's To), then
      // linger for Timer D to ACK its retransmissions.
      call.finalTo = r.to;
      call.out = this.#messages.ackNon2xx(call, r.to);
      this.#send(call.out, null);
      this.#complete(call);
      this.#linger(call, now + this.#timers.D);
      return;
    }
    if (r.status >= 200 && r.status < 300) {
      // A retransmitted 2xx (our ACK was lost): ACK it again (§13.2.2.4). A 2xx from another fork is stray.
      if (call.remoteTag !== '' && tagOf(r.to) === call.remoteTag) {
        this.counters.reAcks++;
        this.#send(this.#messages.ack2xx(call), null);
      } else this.counters.stray++;
    } else if (r.status >= 300 && call.state === LINGER && call.finalTo !== '' && call.out) {
      this.counters.reAcks++; // a retransmitted non-2xx final: our ACK was lost (§17.1.1.2, Completed)
      this.#send(call.out, null);
    } else if (r.status >= 200) this.counters.stray++;
  }

  #onByeResponse(call: Call, r: ResponseHead, now: number): void {
    if (call.state !== BYEING || tagOf(r.to) !== call.remoteTag) {
      this.counters.stray++;
      return;
    }
    if (r.status < 200) {
      // §17.1.2.2 Proceeding: keep retransmitting, at T2.
      call.interval = this.#timers.T2;
      call.retransAt = now + call.interval;
      this.#arm(call);
      return;
    }
    call.byeStatus = r.status;
    this.#end(call);
  }

  #onCancelResponse(call: Call, r: ResponseHead, now: number): void {
    if (call.state !== PROCEEDING || !call.cancelWanted) {
      this.counters.stray++;
      return;
    }
    if (r.status < 200) {
      call.interval = this.#timers.T2; // §17.1.2.2 Proceeding: retransmit at T2
      call.retransAt = now + call.interval;
    } else {
      // The CANCEL is answered; the INVITE keeps its §9.1 deadline and should now end with 487.
      call.out = null;
      call.retransAt = Infinity;
    }
    this.#arm(call);
  }

  // ---- receiving ----

  #onMessage(buf: Buffer, rinfo: dgram.RemoteInfo): void {
    const kind = this.#scanner.scan(buf);
    if (kind === 'garbage') {
      this.counters.garbage++;
      return;
    }
    if (kind === 'request') {
      try {
        this.#onRequest(this.#scanner.request!, rinfo);
      } catch {
        this.counters.garbage++; // a header the answer needs is missing or malformed
      }
      return;
    }
    const r = this.#scanner.head;
    const call = this.#calls.get(r.callId);
    // §17.1.3: a response belongs to the client transaction whose branch and CSeq method it carries.
    if (call === undefined) {
      this.counters.stray++;
      return;
    }
    const now = performance.now();
    const b = r.branch;
    const k = call.key;
    // Our branches are z9hG4bK<key><i|a|b>: compare without building the string.
    if (b.length !== k.length + 8 || !b.startsWith('z9hG4bK') || !b.startsWith(k, 7)) {
      this.counters.stray++;
      return;
    }
    const suffix = b.charCodeAt(b.length - 1);
    if (r.method === 'INVITE' && r.cseq === 1 && suffix === 105 /* i */) this.#onInviteResponse(call, r, now);
    else if (r.method === 'BYE' && r.cseq === 2 && suffix === 98 /* b */) this.#onByeResponse(call, r, now);
    else if (r.method === 'CANCEL' && r.cseq === 1 && suffix === 105) this.#onCancelResponse(call, r, now);
    else this.counters.stray++;
  }

  /**
   * A request from the peer: a BYE of one of our dialogs is answered 200 (it ends a hold: a remote BYE, with
   * its Reason), and again from the lingering call when retransmitted; a BYE or CANCEL of nothing of ours
   * gets 481; any other request 501 (this engine is no UAS). ACKs are absorbed. The answer goes back to the
   * datagram's source (the peer we talk to).
   */
  #onRequest(req: SipRequest, rinfo: dgram.RemoteInfo): void {
    if (req.method === 'ACK') return;
    const call = this.#calls.get(req.callId);
    const dialog = call !== undefined && call.remoteTag !== '' && req.fromTag === call.remoteTag && req.toTag === call.tag;
    this.counters.requests++;
    if (req.method === 'BYE' && dialog && call) {
      if (call.state === LINGER && call.remoteBye && call.out) {
        this.#socket.send(call.out, rinfo.port, rinfo.address); // a retransmitted BYE: the same 200 again
        return;
      }
      const ok = responseTo(req, 200, 'OK', '');
      this.#socket.send(ok, rinfo.port, rinfo.address);
      if (call.state === HOLDING) {
        call.remoteBye = true;
        call.byeReason = req.headers.get('Reason');
        this.#complete(call);
        call.out = ok;
        this.#linger(call, performance.now() + this.#timers.J);
      }
      return;
    }
    const status = req.method === 'BYE' || req.method === 'CANCEL' ? 481 : 501;
    const answer = responseTo(req, status, status === 481 ? 'Call/Transaction Does Not Exist' : 'Not Implemented', ((this.#random() * 4294967296) >>> 0).toString(36));
    this.#socket.send(answer, rinfo.port, rinfo.address);
  }

  // ---- ending ----

  #linger(call: Call, until: number): void {
    call.state = LINGER;
    call.retransAt = Infinity;
    call.deadline = until;
    this.#arm(call);
  }

  #forget(call: Call): void {
    call.state = GONE;
    call.out = null;
    this.#calls.delete(call.callId);
  }

  /** Classify the call as SipUacDriver does and resolve its promise. */
  #complete(call: Call): void {
    const obs: CallObservation = { reliable: false, status: call.status, local: call.local, aborted: call.signal.aborted };
    if (!call.local) obs.outcome = outcomeFromResponse(call.status, call.reason);
    if (call.remoteBye) {
      obs.remoteBye = true;
      obs.outcome = outcomeFromReason(call.byeReason) ?? LOAD_OUTCOMES.CONNECTED;
    } else if (call.byeStatus >= 0) obs.byeStatus = call.byeStatus;
    const c = classifyCall(obs, call.expect);
    const r: CallResult = { outcome: c.outcome, status: call.status, setupMs: call.setupMs, pddMs: call.pdd < 0 ? call.setupMs : call.pdd, callId: call.callId };
    if (c.failure) {
      r.failure = c.failure;
      r.detail = `${call.status} ${call.reason}${call.byeStatus > 0 ? `; BYE ${call.byeStatus}` : ''}${call.remoteBye ? '; remote BYE during hold' : ''}`;
    }
    call.resolve(r);
  }
}

/**
 * dgram resolves the address of every send, even an IP literal, through dns.lookup and a nextTick; the
 * target is always an address (validateSipUacOptions), so hand it back at once.
 */
function literalLookup(family: 4 | 6) {
  return (address: string, _options: unknown, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void => callback(null, address, family);
}

