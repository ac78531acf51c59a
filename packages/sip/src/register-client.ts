import { TypedEmitter, type Clock, type Logger, type TimerHandle } from '@gwsim/common';
import type { DigestCredentials } from './digest-auth.ts';
import type { SipResponse } from './message.ts';
import { newCallId, newTag } from './message-factory.ts';
import { parseNameAddr } from './name-addr.ts';
import type { TransportAddress } from './transport.ts';
import type { UacOutcome } from './uac-request.ts';
import { formatUri } from './uri.ts';
import type { RequestOptions } from './user-agent-types.ts';

export interface RegisterClientOptions {
  /** Registrar Request-URI: the domain, no user part (§10.2), e.g. `sip:example.com`. */
  registrar: string;
  /** Address-of-record to bind (To and From), e.g. `sip:room@example.com`. */
  aor: string;
  /** Send here instead of resolving the registrar URI. */
  destination?: TransportAddress;
  /** Requested binding lifetime in seconds (default 3600). */
  expires?: number;
  credentials?: DigestCredentials | null;
  headers?: Array<[string, string]>;
  /** Refresh this many seconds before the granted expiry (default: half the interval, at most 32 s early). */
  refreshMarginS?: number;
  /** After a failed (re-)registration, try again after this many ms (default 30 s; 0: do not retry). */
  retryAfterMs?: number;
}

export type RegisterClientEvents = {
  /** A binding was granted (or refreshed) for `expires` seconds. */
  registered: [expires: number, response: SipResponse];
  /** The binding was removed (Expires: 0 answered 2xx). */
  unregistered: [response: SipResponse];
  /** A (re-)registration was refused or got no answer. */
  failed: [response: SipResponse];
};

/** What the client needs from its UserAgent. */
export interface RegisterHost {
  readonly clock: Clock;
  /** Our Contact (name-addr). */
  readonly contact: string;
  send(options: RequestOptions): Promise<UacOutcome>;
  readonly logger: Logger;
  onClose(client: RegisterClient): void;
}

/**
 * REGISTER client (RFC 3261 §10.2): one Call-ID for every REGISTER, CSeq incremented each time
 * (§10.2.4), the granted expiry read from our Contact in the 2xx, refreshed before it lapses; 423 Interval
 * Too Brief is retried with the registrar's Min-Expires; 401/407 answered with the credentials.
 */
export class RegisterClient extends TypedEmitter<RegisterClientEvents> {
  readonly #o: RegisterClientOptions;
  readonly #host: RegisterHost;
  readonly #callId: string;
  readonly #fromTag = newTag();
  #cseq = 0;
  #expires: number;
  #granted: number | null = null;
  #timer: TimerHandle | null = null;
  #closed = false;
  #inFlight: Promise<SipResponse> | null = null;

  constructor(options: RegisterClientOptions, host: RegisterHost) {
    super();
    this.#o = options;
    this.#host = host;
    this.#expires = options.expires ?? 3600;
    this.#callId = newCallId('register.gwsim');
  }

  get registered(): boolean {
    return this.#granted !== null;
  }

  /** Seconds granted by the last successful REGISTER (null when not registered). */
  get expires(): number | null {
    return this.#granted;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Register (or refresh) now; resolves with the final response. Refreshes continue until `close()`. */
  register(): Promise<SipResponse> {
    this.#inFlight ??= this.#register(this.#expires).finally(() => (this.#inFlight = null));
    return this.#inFlight;
  }

  /** Remove our binding (Expires: 0) and stop refreshing. */
  async unregister(): Promise<SipResponse> {
    this.#stop();
    const outcome = await this.#send(0);
    this.#granted = null;
    if (outcome.response.status >= 200 && outcome.response.status < 300) this.emit('unregistered', outcome.response);
    else this.emit('failed', outcome.response);
    return outcome.response;
  }

  async #register(expires: number, retried423 = false): Promise<SipResponse> {
    let outcome: UacOutcome;
    try {
      outcome = await this.#send(expires);
    } catch (err) {
      this.#host.logger.warn('REGISTER could not be sent', { aor: this.#o.aor, error: (err as Error).message });
      this.#scheduleRetry();
      throw err;
    }
    const res = outcome.response;
    if (res.status === 423 && !retried423) {
      const min = Number(res.headers.get('Min-Expires')?.trim());
      if (Number.isInteger(min) && min > expires) {
        this.#expires = min;
        return this.#register(min, true);
      }
    }
    if (res.status >= 200 && res.status < 300) {
      const granted = this.#grantedExpires(res) ?? expires;
      this.#granted = granted;
      this.emit('registered', granted, res);
      this.#scheduleRefresh(granted);
    } else {
      this.#granted = null;
      this.emit('failed', res);
      this.#scheduleRetry();
    }
    return res;
  }

  #send(expires: number): Promise<UacOutcome> {
    this.#cseq += 1;
    return this.#host.send({
      method: 'REGISTER',
      uri: this.#o.registrar,
      from: this.#o.aor,
      to: this.#o.aor,
      fromTag: this.#fromTag,
      callId: this.#callId,
      cseq: this.#cseq,
      destination: this.#o.destination,
      credentials: this.#o.credentials,
      headers: [['Expires', String(expires)], ...(this.#o.headers ?? [])],
    }).then((outcome) => {
      this.#cseq = Math.max(this.#cseq, outcome.request.cseq.seq); // retries with credentials used higher CSeqs
      return outcome;
    });
  }

  /** §10.2.4: the expiry the registrar granted our Contact (its expires param), else the Expires header. */
  #grantedExpires(res: SipResponse): number | null {
    let ours: string;
    try {
      ours = formatUri(parseNameAddr(this.#host.contact).uri);
    } catch {
      return null;
    }
    for (const c of res.headers.getAll('Contact')) {
      try {
        const na = parseNameAddr(c);
        if (formatUri(na.uri) !== ours) continue;
        const e = na.params.get('expires');
        if (e && /^\d+$/.test(e)) return Number(e);
      } catch {
        // ignore a Contact we cannot parse
      }
    }
    const h = res.headers.get('Expires')?.trim();
    return h && /^\d+$/.test(h) ? Number(h) : null;
  }

  #scheduleRefresh(granted: number): void {
    this.#stop();
    if (this.#closed || granted <= 0) return;
    const margin = this.#o.refreshMarginS ?? Math.min(32, granted / 2);
    this.#timer = this.#host.clock.setTimeout(() => this.#refresh(), Math.max(0, granted - margin) * 1000);
  }

  #scheduleRetry(): void {
    const ms = this.#o.retryAfterMs ?? 30_000;
    this.#stop();
    if (this.#closed || ms <= 0) return;
    this.#timer = this.#host.clock.setTimeout(() => this.#refresh(), ms);
  }

  #refresh(): void {
    this.#timer = null;
    if (this.#closed) return;
    this.register().catch(() => {}); // failures are events ('failed') and retried; never an uncaught rejection
  }

  #stop(): void {
    this.#timer?.cancel();
    this.#timer = null;
  }

  /** Stop refreshing (the binding is left to expire). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop();
    this.#host.onClose(this);
  }

  dump(): Record<string, unknown> {
    return { aor: this.#o.aor, registrar: this.#o.registrar, callId: this.#callId, cseq: this.#cseq, registered: this.registered, expires: this.#granted, closed: this.#closed };
  }
}
