import { ConfigError, GwsimError } from '@gwsim/common';
import { outcomeFromReason, outcomeFromResponse } from '@gwsim/node';
import { TcpTransport, UdpTransport, UserAgent, type Dialog, type DialogEndReason, type InviteResult, type OutgoingInvite, type TransportAddress } from '@gwsim/sip';
import { isIP } from 'node:net';
import type { CallDriver, CallResult, MixEntry, SipUacDriverOptions } from './load-types.ts';
import { classifyCall, FAILURES, LOAD_OUTCOMES, type CallObservation } from './taxonomy.ts';

/** Check driver options (they may come from a scenario file); throws ConfigError naming the field. */
export function validateSipUacOptions(o: SipUacDriverOptions, path = 'driver'): void {
  const t = o?.target;
  if (!t || typeof t.address !== 'string' || !isIP(t.address)) throw new ConfigError(`${path}.target.address`, `must be an IP address, got ${JSON.stringify(t?.address)}`);
  if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535) throw new ConfigError(`${path}.target.port`, `must be an integer from 1 to 65535, got ${JSON.stringify(t.port)}`);
  if (t.transport !== 'udp' && t.transport !== 'tcp') throw new ConfigError(`${path}.target.transport`, `must be one of 'udp', 'tcp', got ${JSON.stringify(t.transport)}`);
  if (!o.local || typeof o.local.address !== 'string' || !isIP(o.local.address)) throw new ConfigError(`${path}.local.address`, `must be an IP address, got ${JSON.stringify(o.local?.address)}`);
  const p = o.local.port;
  if (p !== undefined && (!Number.isInteger(p) || p < 0 || p > 65535)) throw new ConfigError(`${path}.local.port`, `must be an integer from 0 to 65535, got ${JSON.stringify(p)}`);
  if (o.engine !== undefined && o.engine !== 'ua' && o.engine !== 'lean') throw new ConfigError(`${path}.engine`, `must be one of 'ua', 'lean', got ${JSON.stringify(o.engine)}`);
  if (o.engine === 'lean' && t.transport !== 'udp') throw new ConfigError(`${path}.engine`, `'lean' runs over UDP only, but ${path}.target.transport is ${JSON.stringify(t.transport)} (use engine 'ua')`);
  for (const k of ['T1', 'T2', 'T4'] as const) {
    const v = o.timers?.[k];
    if (v !== undefined && (typeof v !== 'number' || !(v > 0))) throw new ConfigError(`${path}.timers.${k}`, `must be a number of ms greater than 0, got ${JSON.stringify(v)}`);
  }
}

/**
 * A CallDriver on our SIP core against an external target (SIPp, a real gateway): INVITE (with a small SDP
 * offer) → final response → ACK (by the UAC core) → hold → BYE, classified by the failure taxonomy. The
 * outcome of a refusal is the node's outcome when the status and reason phrase match its table
 * (`outcomeFromResponse`), else `REJECTED_<code>`; a remote BYE's Reason is matched the same way.
 * setupMs/pddMs are measured from the moment `place` sends the INVITE. One UserAgent per driver.
 */
export class SipUacDriver implements CallDriver {
  readonly ua: UserAgent;
  readonly #destination: TransportAddress;
  readonly #from: string;
  readonly #host: string;
  readonly #sdp: Buffer | undefined;
  readonly #uris = new Map<string, string>();
  readonly #reliable: boolean;

  private constructor(ua: UserAgent, o: SipUacDriverOptions) {
    this.ua = ua;
    this.#destination = { address: o.target.address, port: o.target.port };
    this.#host = o.domain ?? `${o.target.address}:${o.target.port}`;
    this.#from = `sip:${o.fromUser ?? 'gwsim'}@${o.domain ?? ua.transport.local.address}`;
    this.#reliable = ua.transport.reliable;
    const a = ua.transport.local.address;
    this.#sdp = o.sdp === false ? undefined : Buffer.from(`v=0\r\no=gwsim-load 1 1 IN IP4 ${a}\r\ns=-\r\nc=IN IP4 ${a}\r\nt=0 0\r\nm=audio 9 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n`);
  }

  static async create(options: SipUacDriverOptions): Promise<SipUacDriver> {
    validateSipUacOptions(options);
    const local = { address: options.local.address, port: options.local.port ?? 0 };
    const transport = options.target.transport === 'tcp' ? await TcpTransport.create(local) : await UdpTransport.create(local);
    return new SipUacDriver(new UserAgent({ transport, timers: options.timers, product: 'gwsim-load' }), options);
  }

  /** `sip:`/`sips:` URIs as given; `user@host` gets `sip:`; a bare user gets the domain (or target) as host. */
  #uriFor(dial: string): string {
    let uri = this.#uris.get(dial);
    if (uri === undefined) {
      uri = /^sips?:/i.test(dial) ? dial : dial.includes('@') ? `sip:${dial}` : `sip:${dial}@${this.#host}`;
      this.#uris.set(dial, uri);
    }
    return uri;
  }

  async place(entry: MixEntry, holdMs: number, signal: AbortSignal): Promise<CallResult> {
    if (signal.aborted) return { outcome: LOAD_OUTCOMES.ABORTED, failure: FAILURES.ABORTED, status: 0, setupMs: 0, pddMs: 0, callId: '' };
    const start = performance.now();
    let pdd = -1;
    let out: OutgoingInvite;
    try {
      out = this.ua.invite({ uri: this.#uriFor(entry.dial), from: this.#from, destination: this.#destination, body: this.#sdp });
    } catch (err) {
      return { outcome: LOAD_OUTCOMES.ERROR, failure: FAILURES.ERROR, status: 0, setupMs: 0, pddMs: 0, callId: '', detail: (err as Error).message };
    }
    const callId = out.request.callId;
    out.once('provisional', () => void (pdd = performance.now() - start));
    const cancel = () => out.cancel();
    signal.addEventListener('abort', cancel, { once: true });
    let result: InviteResult;
    try {
      result = await out.result;
    } catch (err) {
      const dns = err instanceof GwsimError && err.code === 'GWSIM_ERR_DNS';
      const c = classifyCall({ reliable: this.#reliable, status: 0, local: true, dnsFailed: dns, error: !dns }, entry.expect);
      return { ...c, status: 0, setupMs: performance.now() - start, pddMs: 0, callId, detail: (err as Error).message };
    } finally {
      signal.removeEventListener('abort', cancel);
    }
    const setupMs = performance.now() - start;
    const obs: CallObservation = { reliable: this.#reliable, status: result.status, local: result.local, aborted: signal.aborted };
    if (!result.local) obs.outcome = outcomeFromResponse(result.status, result.reason);
    if (result.dialog) {
      const ended = await hold(this.ua, result.dialog, holdMs, signal);
      if (ended) {
        obs.remoteBye = ended.by === 'remote';
        obs.outcome = outcomeFromReason(ended.request?.headers.get('Reason')) ?? LOAD_OUTCOMES.CONNECTED;
        if (!obs.remoteBye) obs.byeStatus = 0;
      } else {
        obs.byeStatus = await result.dialog.bye().then(
          (r) => r.status,
          () => 0,
        );
        if (obs.byeStatus === 0) obs.error = true;
      }
    }
    const c = classifyCall(obs, entry.expect);
    const r: CallResult = { outcome: c.outcome, status: result.status, setupMs, pddMs: pdd < 0 ? setupMs : pdd, callId };
    if (c.failure) {
      r.failure = c.failure;
      r.detail = `${result.status} ${result.reason}${obs.byeStatus ? `; BYE ${obs.byeStatus}` : ''}${obs.remoteBye ? '; remote BYE during hold' : ''}`;
    }
    return r;
  }

  async close(): Promise<void> {
    await this.ua.close();
  }
}

/** Hold an answered call: resolves null when the hold ends (time or abort), or how the dialog ended first. */
function hold(ua: UserAgent, dialog: Dialog, holdMs: number, signal: AbortSignal): Promise<DialogEndReason | null> {
  if (dialog.state === 'terminated') return Promise.resolve({ by: 'remote', cause: 'bye' });
  if (holdMs <= 0 || signal.aborted) return Promise.resolve(null);
  return new Promise((resolve) => {
    const finish = (r: DialogEndReason | null) => {
      timer.cancel();
      off();
      signal.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const onAbort = () => finish(null);
    const off = dialog.once('terminated', (r) => finish(r));
    const timer = ua.clock.setTimeout(() => finish(null), holdMs);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
