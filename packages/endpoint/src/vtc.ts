import { silentLogger, type Logger } from '@gwsim/common';
import { SipResolver, type SipTarget } from '@gwsim/dns';
import { createOffer, dtmfEvent, dtmfRelayBody, encodeTelephoneEvent, markedState, parseSdp, rtpMaps, RtpPort, serializeSdp, type MarkedState } from '@gwsim/media';
import { GwsimError, sleep } from '@gwsim/common';
import { UdpTransport, UserAgent, type Dialog, type SipResponse, type TimerSettings } from '@gwsim/sip';
import { parseDialString } from './dial-string.ts';

export interface VtcOptions {
  /** Persona name; also the SIP user part (`sip:<name>@<domain>`). */
  name: string;
  displayName?: string;
  domain?: string;
  /** The endpoint's own loopback address. */
  address: string;
  sipPort?: number;
  /** DNS servers for RFC 3263 resolution. */
  dns: Array<{ address: string; port: number }>;
  dnsTimeoutMs?: number;
  /** Extra rounds over the DNS servers after the first (default 1). */
  dnsRetries?: number;
  timers?: Partial<TimerSettings>;
  logger?: Logger;
}

export interface DialAttempt {
  target: SipTarget;
  status: number;
  reason: string;
  local: boolean;
}

export interface DialResult {
  status: number;
  reason: string;
  /** The Reason header of the final response (RFC 3326), if any. */
  reasonHeader: string | null;
  warning: string | null;
  setupMs: number;
  attempts: DialAttempt[];
  call: VtcCall | null;
}

export type DtmfMethod = 'rfc4733' | 'info';

/**
 * An answered call. The caller tells where it is by what it receives: the node plays marked frames for the
 * Virtual Reception prompt, the lobby splash and the meeting (`MEDIA_MARKERS`).
 */
export class VtcCall {
  readonly dialog: Dialog;
  readonly rtp: RtpPort;
  readonly remoteMedia: { address: string; port: number } | null;
  /** The SDP answer from the 200 OK. */
  readonly answer: string;
  readonly ended: Promise<{ by: 'local' | 'remote'; reason: string | null }>;
  /** Marked media states seen, in order, with the time each was first received. */
  readonly mediaStates: Array<{ state: MarkedState; at: number }> = [];
  #timer: NodeJS.Timeout | null = null;
  #waiters = new Set<() => void>();
  #isEnded = false;
  readonly #telephoneEventPt: number;

  constructor(dialog: Dialog, rtp: RtpPort, answer: string) {
    this.dialog = dialog;
    this.rtp = rtp;
    this.answer = answer;
    this.remoteMedia = mediaTarget(answer);
    this.#telephoneEventPt = telephoneEventPt(answer) ?? 101;
    rtp.onPacket((_h, payload) => {
      const state = markedState(payload);
      if (state && this.mediaStates.at(-1)?.state !== state) {
        this.mediaStates.push({ state, at: Date.now() });
        for (const w of [...this.#waiters]) w();
      }
    });
    this.ended = new Promise((resolve) => {
      dialog.on('terminated', (r) => {
        this.#isEnded = true;
        this.#stopMedia();
        void rtp.close();
        for (const w of [...this.#waiters]) w();
        resolve({ by: r.by, reason: r.request?.headers.get('Reason') ?? null });
      });
    });
  }

  /** The marked state of the media received most recently, or null before any. */
  get mediaState(): MarkedState | null {
    return this.mediaStates.at(-1)?.state ?? null;
  }

  /**
   * Resolve when media of `state` arrives; resolve false when the call ends first or `timeoutMs` passes.
   */
  waitForMedia(state: MarkedState, timeoutMs: number): Promise<boolean> {
    if (this.mediaStates.some((m) => m.state === state)) return Promise.resolve(true);
    if (this.#isEnded) return Promise.resolve(false);
    return new Promise((resolve) => {
      const check = () => {
        const ok = this.mediaStates.some((m) => m.state === state);
        if (ok || this.#isEnded) done(ok);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(ok);
      };
      this.#waiters.add(check);
    });
  }

  /** Send 20 ms G.711 µ-law frames of silence-with-a-counter to the answered media address. */
  startMedia(): void {
    if (!this.remoteMedia || this.#timer) return;
    const payload = Buffer.alloc(160, 0xff);
    let n = 0;
    this.#timer = setInterval(() => {
      payload.writeUInt32BE(n++, 0); // a counter so each payload is distinguishable
      this.rtp.send(this.remoteMedia!, 0, payload, 160);
    }, 20);
  }

  /**
   * Key DTMF digits: as RFC 4733 telephone-events in the RTP stream (a start packet with the marker bit,
   * updates, three end packets, all sharing one timestamp) or as SIP INFO with application/dtmf-relay.
   */
  async sendDtmf(keys: string, method: DtmfMethod = 'rfc4733', gapMs = 60): Promise<void> {
    for (const key of keys) {
      const event = dtmfEvent(key);
      if (event < 0) throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `"${key}" is not a DTMF key (0-9 * # A-D)`);
      if (method === 'info') {
        const res = await this.dialog.request('INFO', { body: dtmfRelayBody(key), contentType: 'application/dtmf-relay' });
        if (res.status !== 200) throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `INFO for DTMF "${key}" answered ${res.status} ${res.reason}`);
      } else {
        if (!this.remoteMedia) throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', 'no remote media address to send telephone-events to');
        const pt = this.#telephoneEventPt;
        for (let i = 0; i < 3; i++) {
          this.rtp.send(this.remoteMedia, pt, encodeTelephoneEvent({ event, end: false, volume: 10, duration: 160 * (i + 1) }), 0, i === 0);
          await sleep(20);
        }
        for (let i = 0; i < 3; i++) this.rtp.send(this.remoteMedia, pt, encodeTelephoneEvent({ event, end: true, volume: 10, duration: 640 }), i === 2 ? 640 : 0);
      }
      await sleep(gapMs);
    }
  }

  #stopMedia(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  async hangup(): Promise<SipResponse | null> {
    this.#stopMedia();
    if (this.dialog.state === 'terminated') return null;
    const res = await this.dialog.bye();
    await this.rtp.close();
    return res;
  }
}

function telephoneEventPt(sdp: string): number | null {
  try {
    const audio = parseSdp(sdp).media.find((m) => m.type === 'audio' && m.port > 0);
    return audio ? (rtpMaps(audio).find((m) => m.encodingName.toLowerCase() === 'telephone-event')?.payloadType ?? null) : null;
  } catch {
    return null;
  }
}

function mediaTarget(sdp: string): { address: string; port: number } | null {
  try {
    const sd = parseSdp(sdp);
    const audio = sd.media.find((m) => m.type === 'audio' && m.port > 0);
    const address = audio?.connections[0]?.address ?? sd.connection?.address;
    return audio && address ? { address, port: audio.port } : null;
  } catch {
    return null;
  }
}

/**
 * A simulated video room system (VTC): resolves a dial string through DNS per RFC 3263, sends an INVITE with
 * an RTP/AVP offer over our SIP core — whose user agent walks the target list on timeout, transport failure
 * or 503 (§4.3) — and can REGISTER to a node.
 */
export class Vtc {
  readonly name: string;
  readonly ua: UserAgent;
  readonly resolver: SipResolver;
  readonly #options: VtcOptions;
  readonly #logger: Logger;

  private constructor(options: VtcOptions, ua: UserAgent, resolver: SipResolver, logger: Logger) {
    this.name = options.name;
    this.ua = ua;
    this.resolver = resolver;
    this.#options = options;
    this.#logger = logger;
  }

  static async start(options: VtcOptions): Promise<Vtc> {
    const logger = (options.logger ?? silentLogger).child(`vtc:${options.name}`);
    // This persona speaks UDP: ask RFC 3263 only for UDP targets, so a zone that prefers TCP/TLS in its
    // NAPTR records still yields the UDP ones.
    const resolver = new SipResolver({ servers: options.dns, timeoutMs: options.dnsTimeoutMs ?? 1000, retries: options.dnsRetries, transports: ['udp'], logger });
    const transport = await UdpTransport.create({ address: options.address, port: options.sipPort ?? 0 });
    const ua = new UserAgent({ transport, timers: options.timers, logger: options.logger, product: `gwsim-vtc/${options.name}`, contactUser: options.name, resolver });
    return new Vtc(options, ua, resolver, logger);
  }

  get aor(): string {
    return `sip:${this.name}@${this.#options.domain ?? 'example.com'}`;
  }

  async #targets(dial: string): Promise<{ uri: string; targets: SipTarget[] }> {
    const d = parseDialString(dial);
    const all = await this.resolver.resolve({ host: d.host, port: d.port, transport: d.transport, secure: d.secure });
    // This persona speaks UDP only for now; TCP/TLS targets are skipped.
    return { uri: d.uri, targets: all.filter((t) => t.transport === 'udp') };
  }

  /**
   * Place a call. Resolves once the call is answered or finally refused; rejects with GWSIM_ERR_DNS when no
   * target can be resolved. The user agent walks the RFC 3263 target list (§4.3: timeout, transport error,
   * 503) through our resolver.
   */
  async dial(dialString: string): Promise<DialResult> {
    const { uri } = parseDialString(dialString);
    const rtp = await RtpPort.open(this.#options.address);
    const offer = serializeSdp(createOffer({ address: this.#options.address, audioPort: rtp.port, username: this.name }));
    let r;
    try {
      r = await this.ua.invite({ uri, from: this.aor, fromDisplayName: this.#options.displayName, body: offer }).result;
    } catch (err) {
      await rtp.close();
      throw err;
    }
    // The user agent reports the resolver's own target objects: they are @gwsim/dns SipTargets.
    const attempts: DialAttempt[] = r.attempts.map((a) => ({ target: a.target as SipTarget, status: a.status, reason: a.reason, local: a.local }));
    for (const a of attempts) this.#logger.debug('attempt', { target: `${a.target.address}:${a.target.port}`, status: a.status });
    const call = r.dialog ? new VtcCall(r.dialog, rtp, r.response.body.toString('utf8')) : null;
    if (!call) await rtp.close();
    return { status: r.status, reason: r.reason, reasonHeader: r.response.headers.get('Reason') ?? null, warning: r.response.headers.get('Warning') ?? null, setupMs: r.setupMs, attempts, call };
  }

  /** REGISTER our AOR at a node (RFC 3261 §10.2). */
  async register(dialHost: string, expires = 3600): Promise<SipResponse> {
    const { targets } = await this.#targets(`sip:${this.name}@${dialHost}`);
    const domain = this.#options.domain ?? 'example.com';
    return this.ua.request({ method: 'REGISTER', targets, uri: `sip:${domain}`, from: this.aor, to: this.aor, headers: [['Expires', String(expires)]] });
  }

  async close(): Promise<void> {
    await this.ua.close();
  }
}
