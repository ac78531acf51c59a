import { isIP } from 'node:net';
import { ConfigError, GwsimError, silentLogger, type Logger } from '@gwsim/common';
import { Inviter, Registerer, SessionState, UserAgent as SipJsUserAgent, type Core, type Session } from 'sip.js';
import { parseDialString } from './dial-string.ts';
import { EndpointMedia, endpointMediaOptions, type EndpointMediaOptions } from './endpoint-media.ts';
import type { EndpointPersona, PersonaAttempt, PersonaDialResult, PersonaTarget } from './persona-types.ts';
import { SipJsCall, watchSessionEnd } from './sipjs-call.ts';
import { RtpSessionDescriptionHandler } from './sipjs-sdh.ts';
import { SipJsWsTransport, type SipJsWsTransportOptions } from './sipjs-ws-transport.ts';

export interface SipJsPersonaOptions {
  /** Persona name; also the SIP user part (`sip:<name>@<domain>`). */
  name: string;
  displayName?: string;
  domain?: string;
  /** The persona's own loopback address: the WebSocket connects from it and RTP is received on it. */
  address: string;
  /** The node's SIP-over-WebSocket listener, `ws://127.0.0.11:8080` or `wss://…` (RFC 7118). */
  server: string;
  /** WSS trust: CAs, certificate verification (default true), the name to verify. */
  tls?: SipJsWsTransportOptions['tls'];
  /** WebSocket handshake timeout (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Measured media on every call, as for `Vtc` (`EndpointMediaOptions`); without it, plain audio. */
  media?: EndpointMediaOptions;
  logger?: Logger;
}

export interface SipJsDialResult extends PersonaDialResult {
  call: SipJsCall | null;
}

/**
 * A browser-style SIP endpoint on sip.js 0.21 (an implementation independent of our SIP core): SIP over one
 * WebSocket to a node (RFC 7118), every request sent there whatever the Request-URI says (no DNS), with a
 * plain RTP/AVP description handler instead of WebRTC, so the node's marked media reaches it like a VTC.
 */
export class SipJsPersona implements EndpointPersona {
  readonly kind = 'sipjs' as const;
  readonly name: string;
  readonly ua: SipJsUserAgent;
  readonly server: PersonaTarget;
  readonly #options: SipJsPersonaOptions;
  readonly #logger: Logger;
  readonly #media: WeakMap<Session, EndpointMedia>;
  readonly #calls = new Set<SipJsCall>();
  #registerer: Registerer | null = null;
  #closed = false;

  private constructor(options: SipJsPersonaOptions, ua: SipJsUserAgent, server: PersonaTarget, media: WeakMap<Session, EndpointMedia>, logger: Logger) {
    this.name = options.name;
    this.ua = ua;
    this.server = server;
    this.#options = options;
    this.#media = media;
    this.#logger = logger;
  }

  /** Create the user agent and open its WebSocket; rejects with GWSIM_ERR_TRANSPORT when the server cannot be reached. */
  static async start(options: SipJsPersonaOptions): Promise<SipJsPersona> {
    const server = parseServer(options.server);
    if (isIP(options.address) === 0) throw new ConfigError('address', `"${options.address}" is not an IP address`);
    if (options.media) endpointMediaOptions(options.media, options.address);
    const logger = (options.logger ?? silentLogger).child(`sipjs:${options.name}`);
    const aor = `sip:${options.name}@${options.domain ?? 'example.com'}`;
    const uri = SipJsUserAgent.makeURI(aor);
    if (!uri) throw new ConfigError('name', `"${aor}" is not a SIP URI`);
    const media = new WeakMap<Session, EndpointMedia>();
    const transportOptions: SipJsWsTransportOptions = { server: options.server, localAddress: options.address, tls: options.tls, connectTimeoutMs: options.connectTimeoutMs ?? 5000, logger };
    const ua = new SipJsUserAgent({
      uri,
      displayName: options.displayName,
      contactName: options.name,
      userAgentString: `gwsim-sipjs/${options.name}`,
      transportConstructor: SipJsWsTransport,
      transportOptions,
      sessionDescriptionHandlerFactory: (session) => {
        const m = media.get(session);
        if (!m) throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', 'this persona only places calls; it has no media for an incoming session');
        return new RtpSessionDescriptionHandler(m, options.name);
      },
      logBuiltinEnabled: false,
      logLevel: 'warn',
      logConnector: (level, category, _label, content) => (level === 'error' ? logger.warn : logger.debug).call(logger, content, { category }),
    });
    try {
      await ua.start();
    } catch (err) {
      await ua.stop().catch(() => {});
      throw err instanceof GwsimError ? err : new GwsimError('GWSIM_ERR_TRANSPORT', `cannot connect to ${options.server}: ${(err as Error).message}`, { cause: err });
    }
    return new SipJsPersona(options, ua, server, media, logger);
  }

  get aor(): string {
    return `sip:${this.name}@${this.#options.domain ?? 'example.com'}`;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * REGISTER our AOR over the WebSocket (sip.js refreshes it until `close()`). `_dialHost` is accepted for
   * the `EndpointPersona` shape: a WebSocket persona always registers through its server.
   */
  register(_dialHost?: string, expires = 600): Promise<{ status: number; reason: string }> {
    this.#assertOpen();
    this.#registerer ??= new Registerer(this.ua, { expires });
    const registerer = this.#registerer;
    return new Promise((resolve) => {
      const answer = (r: { message: Core.IncomingResponseMessage }) => resolve({ status: r.message.statusCode ?? 0, reason: r.message.reasonPhrase ?? '' });
      registerer.register({ requestDelegate: { onAccept: answer, onReject: answer } }).catch((err: unknown) => resolve({ status: 503, reason: `REGISTER not sent: ${(err as Error).message}` }));
    });
  }

  /**
   * Place a call through the WebSocket server. Resolves once answered (established: ACK sent) or finally
   * refused; a refusal made up by sip.js itself (408 timeout, 503 transport error) has `local: true`.
   */
  async dial(dialString: string): Promise<SipJsDialResult> {
    this.#assertOpen();
    const dial = parseDialString(dialString);
    const target = SipJsUserAgent.makeURI(dial.uri);
    if (!target) throw new ConfigError('dial', `"${dialString}" is not a SIP address sip.js can dial`);
    const media = await EndpointMedia.open(this.#options.address, this.#options.media);
    const inviter = new Inviter(this.ua, target);
    this.#media.set(inviter, media);
    const ended = watchSessionEnd(inviter, media);
    const started = performance.now();
    let pddMs: number | null = null;
    const final = await new Promise<{ message: Core.IncomingResponseMessage | null; error?: string }>((resolve) => {
      // On a refusal sip.js terminates the session before calling onReject: let the delegate answer first.
      inviter.stateChange.addListener((s) => s === SessionState.Terminated && setImmediate(() => resolve({ message: null, error: 'session ended without a final response' })));
      inviter
        .invite({
          requestDelegate: {
            onProgress: (r) => void ((r.message.statusCode ?? 0) > 100 && (pddMs ??= performance.now() - started)),
            onAccept: (r) => resolve({ message: r.message }),
            onReject: (r) => resolve({ message: r.message }),
          },
        })
        .catch((err: unknown) => resolve({ message: null, error: (err as Error).message }));
    });
    const setupMs = performance.now() - started;
    const m = final.message;
    // sip.js makes up 408/503 responses with no headers at all; a real response always has a Via.
    let local = !m || !m.hasHeader('Via');
    let status = m?.statusCode ?? 503;
    let reason = m?.reasonPhrase ?? `Service Unavailable (${final.error ?? 'no response'})`;
    let call: SipJsCall | null = null;
    if (status >= 200 && status < 300) {
      if (inviter.state === SessionState.Established) {
        call = new SipJsCall(inviter, media, m?.body ?? '', ended);
        this.#calls.add(call);
        void ended.then(() => this.#calls.delete(call!));
      } else {
        // Answered, but sip.js could not use the answer and sent ACK + BYE itself: not a connected call.
        [status, reason, local] = [488, 'Not Acceptable Here (the SDP answer was unusable; sip.js sent ACK and BYE)', true];
      }
    }
    if (!call) await media.end();
    const attempt: PersonaAttempt = { target: this.server, status, reason, local };
    return { status, reason, reasonHeader: m?.getHeader('Reason') ?? null, warning: m?.getHeader('Warning') ?? null, setupMs, pddMs: pddMs ?? setupMs, callId: inviter.request.callId, attempts: [attempt], call };
  }

  dump(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, aor: this.aor, server: this.#options.server, closed: this.#closed, connected: this.ua.isConnected(), registered: this.#registerer?.state ?? null, calls: [...this.#calls].map((c) => c.callId) };
  }

  /** Hang up calls, unregister (when still connected) and close the WebSocket. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#calls].map((c) => c.hangup().catch(() => null)));
    await this.ua.stop().catch((err: unknown) => this.#logger.debug('sip.js stop failed', { error: (err as Error).message }));
  }

  #assertOpen(): void {
    if (this.#closed) throw new GwsimError('GWSIM_ERR_CLOSED', `sip.js persona ${this.name} is closed`);
  }
}

/** `ws://host:port[/path]` or `wss://…` → the target reported in dial attempts. */
function parseServer(server: string): PersonaTarget {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new ConfigError('server', `"${server}" is not a URL (expected ws://<address>:<port> or wss://…)`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new ConfigError('server', `"${server}": expected a ws:// or wss:// URL`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const transport = url.protocol === 'wss:' ? 'wss' : 'ws';
  return { host, address: host, port: url.port ? Number(url.port) : transport === 'wss' ? 443 : 80, transport };
}
