import { GwsimError, type Logger } from '@gwsim/common';
import { EmitterImpl, TransportState, type Core, type Emitter, type Transport } from 'sip.js';
import WebSocket from 'ws';

/** RFC 7118 §4.1 WebSocket subprotocol. */
const SIP_SUBPROTOCOL = 'sip';

/** What `SipJsWsTransport` needs; passed to sip.js as `transportOptions`. */
export interface SipJsWsTransportOptions {
  /** `ws://host:port[/path]` or `wss://…`. */
  server: string;
  /** Local address the WebSocket connects from (the persona's own loopback address). */
  localAddress: string;
  /** WSS: trusted CAs, whether to verify the server certificate (default true), and the name to verify. */
  tls?: { ca?: string | Buffer | Array<string | Buffer>; rejectUnauthorized?: boolean; servername?: string };
  /** Give up the WebSocket handshake after this long (ms). */
  connectTimeoutMs: number;
  logger: Logger;
}

/**
 * A sip.js `Transport` (its `transportConstructor` extension point) on the `ws` package, so that sip.js runs
 * in Node without a global WebSocket and each persona connects from its own loopback address, with its own
 * TLS trust. One SIP message per WebSocket message (RFC 7118 §5), sent as text.
 */
export class SipJsWsTransport implements Transport {
  readonly stateChange: Emitter<TransportState>;
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;
  readonly #options: SipJsWsTransportOptions;
  readonly #emitter = new EmitterImpl<TransportState>();
  #state: TransportState = TransportState.Disconnected;
  #ws: WebSocket | null = null;
  #connecting: Promise<void> | null = null;
  #disconnecting: Promise<void> | null = null;

  constructor(_logger: Core.Logger, options: SipJsWsTransportOptions) {
    this.#options = options;
    this.stateChange = this.#emitter;
  }

  get protocol(): string {
    return this.#options.server.startsWith('wss:') ? 'WSS' : 'WS';
  }

  get state(): TransportState {
    return this.#state;
  }

  isConnected(): boolean {
    return this.#state === TransportState.Connected;
  }

  connect(): Promise<void> {
    if (this.#state === TransportState.Connected) return Promise.resolve();
    if (this.#connecting) return this.#connecting;
    const o = this.#options;
    this.#transition(TransportState.Connecting);
    const ws = new WebSocket(o.server, SIP_SUBPROTOCOL, {
      localAddress: o.localAddress,
      perMessageDeflate: false,
      handshakeTimeout: o.connectTimeoutMs,
      ...(o.tls ? { ca: o.tls.ca, rejectUnauthorized: o.tls.rejectUnauthorized ?? true, servername: o.tls.servername } : {}),
    });
    this.#ws = ws;
    let lastError: Error | null = null;
    let opened = false;
    this.#connecting = new Promise<void>((resolve, reject) => {
      ws.on('open', () => {
        opened = true;
        this.#connecting = null;
        this.#transition(TransportState.Connected);
        resolve();
        this.#safely('onConnect', () => this.onConnect?.());
      });
      ws.on('error', (err) => (lastError = err));
      ws.on('close', (code) => {
        if (this.#ws !== ws) return;
        this.#ws = null;
        const expected = this.#state === TransportState.Disconnecting;
        const error = expected ? undefined : new GwsimError('GWSIM_ERR_TRANSPORT', `WebSocket to ${o.server} closed (code ${code})${lastError ? `: ${lastError.message}` : ''}`, { cause: lastError ?? undefined });
        this.#connecting = null;
        this.#transition(TransportState.Disconnected);
        if (!opened) reject(error ?? new GwsimError('GWSIM_ERR_TRANSPORT', `WebSocket to ${o.server} closed while connecting`));
        else this.#safely('onDisconnect', () => this.onDisconnect?.(error));
      });
    });
    ws.on('message', (data: WebSocket.RawData) => {
      if (this.#state !== TransportState.Connected) return;
      const text = rawText(data);
      if (/^(\r\n)+$/.test(text)) return; // RFC 7118 / RFC 5626 keep-alive pong
      this.#safely('onMessage', () => this.onMessage?.(text));
    });
    return this.#connecting;
  }

  send(message: string): Promise<void> {
    const ws = this.#ws;
    if (this.#state !== TransportState.Connected || !ws) return Promise.reject(new GwsimError('GWSIM_ERR_TRANSPORT', `not connected to ${this.#options.server}`));
    return new Promise((resolve, reject) => ws.send(message, (err) => (err ? reject(err) : resolve())));
  }

  disconnect(): Promise<void> {
    const ws = this.#ws;
    if (!ws || this.#state === TransportState.Disconnected) return Promise.resolve();
    if (this.#disconnecting) return this.#disconnecting;
    this.#transition(TransportState.Disconnecting);
    this.#disconnecting = new Promise<void>((resolve) => {
      // A peer that never completes the closing handshake must not hold us: terminate after a grace period.
      const timer = setTimeout(() => ws.terminate(), 1000);
      ws.once('close', () => {
        clearTimeout(timer);
        this.#disconnecting = null;
        resolve();
      });
      ws.close(1000);
    });
    return this.#disconnecting;
  }

  dispose(): Promise<void> {
    return this.disconnect();
  }

  #transition(state: TransportState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#safely('stateChange', () => this.#emitter.emit(state));
  }

  /** sip.js callbacks run here: an exception in sip.js must not escape a socket event and kill the process. */
  #safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#options.logger.error('sip.js threw from a transport callback', { what, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
