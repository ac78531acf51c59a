import { isUtf8 } from 'node:buffer';
import http from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { GwsimError } from '@gwsim/common';
import WebSocket, { WebSocketServer } from 'ws';
import { newConnectionId, normalizeAddress, type PooledConnection } from './connection-pool.ts';
import { SipParseError } from './errors.ts';
import { resolveStreamOptions, StreamTransport, type ConnectionOwner, type ResolvedStreamOptions, type StreamTransportOptions } from './stream-transport.ts';
import { listen } from './tcp-transport.ts';
import type { TlsCredentials } from './tls-transport.ts';
import type { TransportAddress } from './transport.ts';

/** RFC 7118 §4.1: the WebSocket subprotocol for SIP. */
export const SIP_WS_SUBPROTOCOL = 'sip';

const PONG = Buffer.from('\r\n');
const CLOSE_GRACE_MS = 2000;

export interface WsTransportOptions extends StreamTransportOptions {
  /** Present: WSS (WebSocket over TLS); absent: plain WS. */
  tls?: TlsCredentials;
  /** HTTP path of the WebSocket endpoint, served and dialled (default `/`). */
  path?: string;
}

/**
 * SIP over WebSocket (RFC 7118), WS and WSS: an HTTP(S) server that upgrades requests offering the `sip`
 * subprotocol (400 for an upgrade without it, 426 for plain HTTP) and outbound WebSocket connections on
 * demand. One SIP message per WebSocket message, text frames when the message is UTF-8.
 */
export class WsTransport extends StreamTransport {
  readonly protocol: 'ws' | 'wss';
  protected override readonly datagramFrames = true;
  #server: http.Server;
  #wss: WebSocketServer;
  #creds: TlsCredentials | undefined;
  #path: string;

  private constructor(server: http.Server, local: TransportAddress, options: WsTransportOptions, resolved: ResolvedStreamOptions) {
    super(local, resolved);
    this.protocol = options.tls ? 'wss' : 'ws';
    this.#server = server;
    this.#creds = options.tls;
    this.#path = options.path ?? '/';
    this.#wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: resolved.maxMessageSize, handleProtocols: () => SIP_WS_SUBPROTOCOL });
    server.on('request', (_req, res) => {
      res.writeHead(426, { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Protocol': SIP_WS_SUBPROTOCOL, 'Content-Type': 'text/plain' });
      res.end('SIP over WebSocket (RFC 7118): send a WebSocket upgrade offering subprotocol "sip"\n');
    });
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
    server.on('clientError', (_err, socket) => socket.destroy());
    server.on('tlsClientError', (err: Error) => this.emit('error', new GwsimError('GWSIM_ERR_TRANSPORT', `WSS handshake failed: ${err.message}`, { cause: err })));
    server.on('error', (err) => this.emit('error', err));
  }

  static async create(options: WsTransportOptions): Promise<WsTransport> {
    const t = options.tls;
    if (t && (!t.key || !t.cert)) throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', 'a WSS transport needs tls.key and tls.cert');
    const server = t ? https.createServer({ key: t.key, cert: t.cert, ca: t.ca }) : http.createServer();
    const local = await listen(server, options.address, options.port ?? 0, t ? 'WSS' : 'WS');
    return new WsTransport(server, local, options, resolveStreamOptions(options));
  }

  #upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.closed) return void socket.destroy();
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes(SIP_WS_SUBPROTOCOL)) return refuse(socket, 400, 'Bad Request', 'SIP over WebSocket needs the "sip" subprotocol (RFC 7118 §4.1)');
    const path = (req.url ?? '/').split('?')[0];
    if (path !== this.#path) return refuse(socket, 404, 'Not Found', `no SIP WebSocket endpoint at ${path}`);
    const raw = req.socket;
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.adopt(new WsConnection(ws, raw, 'inbound', this.protocol, this, this.options)));
  }

  protected dial(to: TransportAddress): Promise<PooledConnection> {
    const host = isIP(to.address) === 6 ? `[${to.address}]` : to.address;
    const url = `${this.protocol}://${host}:${to.port}${this.#path}`;
    const c = this.#creds;
    const ws = new WebSocket(url, SIP_WS_SUBPROTOCOL, {
      localAddress: this.local.address,
      perMessageDeflate: false,
      maxPayload: this.options.maxMessageSize,
      handshakeTimeout: this.options.connectTimeout,
      ...(c ? { ca: c.ca, key: c.key, cert: c.cert, rejectUnauthorized: c.rejectUnauthorized ?? true } : {}),
    });
    return new Promise((resolve, reject) => {
      let socket: Socket | null = null;
      ws.once('upgrade', (res) => (socket = res.socket));
      ws.once('open', () => {
        ws.off('error', fail);
        resolve(new WsConnection(ws, socket!, 'outbound', this.protocol, this, this.options));
      });
      const fail = (err: Error) => reject(new GwsimError('GWSIM_ERR_TRANSPORT', `${this.protocol.toUpperCase()} connect from ${this.local.address} to ${url} failed: ${err.message}`, { cause: err }));
      ws.once('error', fail);
    });
  }

  protected closeServer(): Promise<void> {
    return new Promise((resolve) => {
      this.#wss.close();
      this.#server.close(() => resolve());
    });
  }
}

/** Refuse a WebSocket upgrade with an HTTP status (RFC 6455 §4.2.2). */
function refuse(socket: Duplex, status: number, reason: string, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text) + 1}\r\n\r\n${text}\n`);
}

/** One SIP-over-WebSocket connection (RFC 7118 §5): each WebSocket message is one SIP message. */
class WsConnection implements PooledConnection {
  readonly id = newConnectionId();
  readonly protocol: 'ws' | 'wss';
  readonly direction: 'inbound' | 'outbound';
  readonly local: TransportAddress;
  readonly remote: TransportAddress;
  readonly done: Promise<void>;
  #ws: WebSocket;
  #owner: ConnectionOwner;
  #maxBuffered: number;
  #closed = false;
  #lastActivity = Date.now();

  constructor(ws: WebSocket, socket: Socket, direction: 'inbound' | 'outbound', protocol: 'ws' | 'wss', owner: ConnectionOwner, options: ResolvedStreamOptions) {
    this.#ws = ws;
    this.#owner = owner;
    this.protocol = protocol;
    this.direction = direction;
    this.#maxBuffered = options.maxBufferedBytes;
    this.local = { address: normalizeAddress(socket.localAddress ?? ''), port: socket.localPort ?? 0 };
    this.remote = { address: normalizeAddress(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 };
    this.done = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (data) => {
      this.#lastActivity = Date.now();
      const raw = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (raw.length > 0 && raw.every((b) => b === 0x0d || b === 0x0a)) {
        // CRLF keep-alive (RFC 5626 §4.4.1 style, as sip.js sends it): answer a CRLFCRLF ping with a CRLF pong.
        if (raw.length >= 4 && !this.#closed) ws.send(PONG, { binary: false });
        return;
      }
      this.#owner.onFrame(this, raw);
    });
    ws.on('error', (err: Error & { code?: string }) => {
      if (this.#closed) return;
      const error =
        err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
          ? new SipParseError(`message exceeds the ${options.maxMessageSize}-byte limit; connection closed`, 513, { cause: err })
          : new GwsimError('GWSIM_ERR_TRANSPORT', `${this.#label()}: ${err.message}`, { cause: err });
      this.#owner.onConnectionFault(this, error, null);
    });
    ws.once('close', () => {
      this.#closed = true;
      this.#owner.onConnectionClosed(this);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get lastActivity(): number {
    return this.#lastActivity;
  }

  get bufferedBytes(): number {
    return this.#ws.bufferedAmount;
  }

  write(data: Buffer): Promise<void> {
    if (this.#closed) return Promise.reject(new GwsimError('GWSIM_ERR_CLOSED', `${this.#label()} is closed`));
    if (this.#ws.bufferedAmount + data.length > this.#maxBuffered) {
      const err = new GwsimError('GWSIM_ERR_TRANSPORT', `${this.#label()}: send buffer over its ${this.#maxBuffered}-byte cap (peer not reading); connection dropped`);
      this.#owner.onConnectionFault(this, err, null);
      this.close(err);
      return Promise.reject(err);
    }
    this.#lastActivity = Date.now();
    return new Promise((resolve, reject) => {
      this.#ws.send(data, { binary: !isUtf8(data) }, (err) => (err ? reject(new GwsimError('GWSIM_ERR_TRANSPORT', `${this.#label()}: send failed: ${err.message}`, { cause: err })) : resolve()));
    });
  }

  close(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    if (error) {
      this.#ws.terminate();
      return;
    }
    this.#ws.close(1000);
    setTimeout(() => this.#ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  #label(): string {
    return `${this.protocol.toUpperCase()} connection ${this.local.address}:${this.local.port} ${this.direction === 'inbound' ? '<-' : '->'} ${this.remote.address}:${this.remote.port}`;
  }
}
