import { ConfigError, GwsimError, silentLogger, type Logger } from '@gwsim/common';
import { SipResolver, type SipTarget } from '@gwsim/dns';
import { TcpTransport, TlsTransport, UdpTransport, UserAgent, type SipResponse, type SipTargetResolver, type TimerSettings, type TlsCredentials, type Transport } from '@gwsim/sip';
import { dialTransport, parseDialString } from './dial-string.ts';
import { EndpointMedia, endpointMediaOptions, type EndpointMediaOptions } from './endpoint-media.ts';
import type { EndpointPersona, PersonaDialResult } from './persona-types.ts';
import { VtcCall } from './vtc-call.ts';

export type VtcTransport = 'udp' | 'tcp' | 'tls';
export const VTC_TRANSPORTS: readonly VtcTransport[] = Object.freeze(['udp', 'tcp', 'tls']);

export interface VtcOptions {
  /** Persona name; also the SIP user part (`sip:<name>@<domain>`). */
  name: string;
  displayName?: string;
  domain?: string;
  /** The endpoint's own loopback address. */
  address: string;
  /** Listening port of the preferred transport (default 0: any). */
  sipPort?: number;
  /**
   * Transport for calls and REGISTER (default udp). A dial string can still ask for another one: its
   * `transport=` parameter, or TLS for `sips:` (RFC 3263 §4.1); that transport is opened on first use.
   */
  transport?: VtcTransport;
  /**
   * TLS trust for the nodes' certificates (`ca`, `rejectUnauthorized`, `servername`). With `key` and `cert`
   * the VTC also listens for TLS; without, its TLS transport only dials out.
   */
  tls?: TlsCredentials;
  /** DNS servers for RFC 3263 resolution. */
  dns: Array<{ address: string; port: number }>;
  dnsTimeoutMs?: number;
  /** Extra rounds over the DNS servers after the first (default 1). */
  dnsRetries?: number;
  timers?: Partial<TimerSettings>;
  /**
   * Measured media on every call (`EndpointMediaOptions`: audio codec, video, content): offered, sent from
   * the answer and measured per stream. Without it, calls offer plain audio and send from `startMedia()`.
   */
  media?: EndpointMediaOptions;
  logger?: Logger;
}

export interface DialAttempt {
  target: SipTarget;
  status: number;
  reason: string;
  local: boolean;
}

export interface DialResult extends PersonaDialResult {
  attempts: DialAttempt[];
  call: VtcCall | null;
}

/**
 * A simulated video room system (VTC): resolves a dial string through DNS per RFC 3263, sends an INVITE with
 * an RTP/AVP offer over our SIP core — whose user agent walks the target list on timeout, transport failure
 * or 503 (§4.3) — over UDP, TCP or TLS, and can REGISTER to a node. One user agent per transport in use.
 */
export class Vtc implements EndpointPersona {
  readonly kind = 'vtc' as const;
  readonly name: string;
  /** The preferred transport. */
  readonly transport: VtcTransport;
  /** The user agent on the preferred transport. */
  readonly ua: UserAgent;
  readonly resolver: SipResolver;
  readonly #options: VtcOptions;
  readonly #logger: Logger;
  readonly #uas = new Map<VtcTransport, Promise<UserAgent>>();
  #closed = false;

  private constructor(options: VtcOptions, transport: VtcTransport, ua: UserAgent, resolver: SipResolver, logger: Logger) {
    this.name = options.name;
    this.transport = transport;
    this.ua = ua;
    this.resolver = resolver;
    this.#options = options;
    this.#logger = logger;
    this.#uas.set(transport, Promise.resolve(ua));
  }

  static async start(options: VtcOptions): Promise<Vtc> {
    const transport = options.transport ?? 'udp';
    if (!VTC_TRANSPORTS.includes(transport)) throw new ConfigError('transport', `"${String(transport)}" is not one of ${VTC_TRANSPORTS.join(', ')}`);
    if (options.media) endpointMediaOptions(options.media, options.address);
    const logger = (options.logger ?? silentLogger).child(`vtc:${options.name}`);
    // Each user agent asks RFC 3263 only for targets of its own transport (see `transportResolver`).
    const resolver = new SipResolver({ servers: options.dns, timeoutMs: options.dnsTimeoutMs ?? 1000, retries: options.dnsRetries, logger });
    const ua = await openUserAgent(options, transport, options.sipPort ?? 0, resolver);
    return new Vtc(options, transport, ua, resolver, logger);
  }

  get aor(): string {
    return `sip:${this.name}@${this.#domain}`;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get #domain(): string {
    return this.#options.domain ?? 'example.com';
  }

  /** The user agent for `transport`, opened on first use. */
  userAgent(transport: VtcTransport): Promise<UserAgent> {
    if (this.#closed) return Promise.reject(new GwsimError('GWSIM_ERR_CLOSED', `VTC ${this.name} is closed`));
    let ua = this.#uas.get(transport);
    if (!ua) {
      ua = openUserAgent(this.#options, transport, 0, this.resolver);
      this.#uas.set(transport, ua);
      ua.catch(() => this.#uas.delete(transport));
    }
    return ua;
  }

  /**
   * Place a call. Resolves once the call is answered or finally refused; rejects with GWSIM_ERR_DNS when no
   * target can be resolved. The user agent walks the RFC 3263 target list (§4.3: timeout, transport error,
   * 503) through our resolver, on the transport `dialTransport` picks.
   */
  async dial(dialString: string): Promise<DialResult> {
    const target = parseDialString(dialString);
    const ua = await this.userAgent(dialTransport(target, this.transport));
    const media = await EndpointMedia.open(this.#options.address, this.#options.media);
    let r;
    let pddMs: number | null = null;
    const started = performance.now();
    try {
      const out = ua.invite({ uri: target.uri, from: this.aor, fromDisplayName: this.#options.displayName, body: media.offer(this.name) });
      out.on('provisional', () => (pddMs ??= performance.now() - started));
      r = await out.result;
    } catch (err) {
      await media.end();
      throw err;
    }
    // The user agent reports the resolver's own target objects: they are @gwsim/dns SipTargets.
    const attempts: DialAttempt[] = r.attempts.map((a) => ({ target: a.target as SipTarget, status: a.status, reason: a.reason, local: a.local }));
    for (const a of attempts) this.#logger.debug('attempt', { target: `${a.target.transport}:${a.target.address}:${a.target.port}`, status: a.status });
    const call = r.dialog ? new VtcCall(r.dialog, media, r.response.body.toString('utf8')) : null;
    if (!call) await media.end();
    return { status: r.status, reason: r.reason, reasonHeader: r.response.headers.get('Reason') ?? null, warning: r.response.headers.get('Warning') ?? null, setupMs: r.setupMs, pddMs: pddMs ?? r.setupMs, callId: r.response.headers.get('Call-ID') ?? '', attempts, call };
  }

  /** REGISTER our AOR at a node (RFC 3261 §10.2) over the preferred transport, resolving `dialHost` per RFC 3263. */
  async register(dialHost: string = this.#domain, expires = 3600): Promise<SipResponse> {
    const target = parseDialString(`sip:${this.name}@${dialHost}`);
    const transport = dialTransport(target, this.transport);
    const ua = await this.userAgent(transport);
    const targets = await transportResolver(this.resolver, transport).resolve({ host: target.host, port: target.port, transport: target.transport, secure: target.secure });
    return ua.request({ method: 'REGISTER', targets, uri: `sip:${this.#domain}`, from: this.aor, to: this.aor, headers: [['Expires', String(expires)]] });
  }

  dump(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, aor: this.aor, transport: this.transport, closed: this.#closed, transports: [...this.#uas.keys()] };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const uas = await Promise.allSettled(this.#uas.values());
    await Promise.all(uas.map((u) => (u.status === 'fulfilled' ? u.value.close() : undefined)));
  }
}

/** RFC 3263 for one transport: only its targets (TLS: the `_sips._tcp` / SIPS+D2T ones). */
function transportResolver(resolver: SipResolver, transport: VtcTransport): SipTargetResolver {
  return { resolve: (req) => resolver.resolve({ ...req, secure: req.secure === true || transport === 'tls', transports: [transport] }) };
}

async function openUserAgent(options: VtcOptions, transport: VtcTransport, port: number, resolver: SipResolver): Promise<UserAgent> {
  const address = options.address;
  let t: Transport;
  if (transport === 'udp') t = await UdpTransport.create({ address, port });
  else if (transport === 'tcp') t = await TcpTransport.create({ address, port });
  else t = await TlsTransport.create({ address, port, tls: options.tls ?? {} });
  return new UserAgent({ transport: t, timers: options.timers, logger: options.logger, product: `gwsim-vtc/${options.name}`, contactUser: options.name, resolver: transportResolver(resolver, transport) });
}
